"""Money is an integer count of minor units with its currency; never a float.

Rials are what Iranian banks hold, but people speak toman (10 rials): Persian pages
show toman. Precision comes from CLDR through babel (IRR and VND have no decimals).
"""

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, format_decimal, get_currency_precision
from django.utils.translation import gettext as _

from .text import DIGITS_TO_ASCII, persian_digits

BABEL_LOCALES = {"fa": "fa_IR", "vi": "vi_VN", "en": "en"}
# CLDR's native digits for Persian: ۰-۹ with ٬ and ٫ as separators.
NUMBERING = {"fa": "arabext"}
RIALS_PER_TOMAN = 10


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def _same(self, other: "Money") -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    @property
    def major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-get_currency_precision(self.currency))


def format_number(value: int | Decimal, language: str) -> str:
    """Digits and separators of the reader's language (Persian digits in fa)."""
    text = format_decimal(value, locale=_locale(language), numbering_system=_numbering(language))
    return _digits(text, language)


def format_money(money: Money, language: str) -> str:
    if money.currency == "IRR" and language == "fa":
        toman = Decimal(money.amount) / RIALS_PER_TOMAN
        unit = _("toman")
        return f"{format_number(toman, 'fa')} {unit}"
    text = format_currency(
        money.major, money.currency, locale=_locale(language), numbering_system=_numbering(language)
    )
    return _digits(text, language)


def _locale(language: str) -> str:
    return BABEL_LOCALES.get(language, "en")


def _numbering(language: str) -> str:
    return NUMBERING.get(language, "latn")


def _digits(text: str, language: str) -> str:
    """babel picks separators by numbering system but leaves digits ASCII."""
    return persian_digits(text) if language == "fa" else text


# ASCII digits, grouping separators (Arabic ٬, comma, dot, space) dropped: one pass per cell.
_AMOUNT_TABLE = str.maketrans({**DIGITS_TO_ASCII, **dict.fromkeys(map(ord, "\u066c,. "), None)})


def parse_amount(text: str) -> int:
    """Read a typed whole amount: Persian digits and any grouping separators allowed."""
    cleaned = str(text).translate(_AMOUNT_TABLE)
    if not cleaned.lstrip("-").isdigit():
        raise ValueError(_("Enter a whole amount."))
    return int(cleaned)
