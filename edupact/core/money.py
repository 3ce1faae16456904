"""Money is an integer count of minor units with its currency; never a float.

Rials are what Iranian banks hold, but people speak toman (10 rials): Persian pages
show toman. Precision comes from CLDR through babel (IRR and VND have no decimals).
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, get_currency_precision
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .text import DIGITS_TO_ASCII, persian_digits

BABEL_LOCALES = {"fa": "fa_IR", "vi": "vi_VN", "en": "en"}
# CLDR's native digits for Persian: ۰-۹ with ٬ and ٫ as separators.
NUMBERING = {"fa": "arabext"}
RIALS_PER_TOMAN = 10


class Currency(models.TextChoices):
    """The currencies a fund keeps its books in (funds and rotating funds alike)."""

    IRR = "IRR", gettext_lazy("Iranian rial")
    VND = "VND", gettext_lazy("Vietnamese đồng")


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


class ReaderNumber(int):
    """A whole number that prints the reader's way («۱۲٬۳۴۵» in fa) and still counts.

    ``{% blocktranslate count n=x|number %}`` needs a number to choose the plural form and
    prints the same variable in the sentence: Django renders an ``int`` with Latin digits
    whatever the language, so the ``number`` filter hands over this ``int`` whose text is
    the reader's.
    """

    def __new__(cls, value: int, text: str):
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        return self.text if not spec else int(self).__format__(spec)

    def __html__(self) -> str:
        return self.text


def format_number(value: int | Decimal, language: str) -> str:
    """Digits and separators of the reader's language (Persian digits in fa).

    Exactly babel's ``format_decimal``, but a page shows hundreds of numbers: the locale and
    its pattern are parsed once per language, whole numbers are grouped by Python when the
    pattern groups by threes, and Decimals (shares, mostly repeated) are remembered.
    """
    if type(value) is int and value >= 0:
        group = _decimal_format(language)[2]
        if group is not None:
            return _digits(f"{value:,}".replace(",", group), language)
    if type(value) is Decimal and value.is_finite() and not value.is_signed():
        return _format_decimal(value, language)  # -0 equals 0 but babel shows it "-0"
    return _babel_number(value, language)


@lru_cache(maxsize=8)
def _decimal_format(language: str) -> tuple[Locale, NumberPattern, str | None]:
    """The locale, its decimal pattern and, when a plain grouping of threes lets Python's
    ``,`` grouping stand in for babel's, the group separator."""
    locale = Locale.parse(_locale(language))
    pattern = locale.decimal_formats[None]
    plain = (
        pattern.grouping == (3, 3)
        and pattern.int_prec[0] == 1
        and pattern.prefix[0] == pattern.suffix[0] == ""
        and pattern.scale == 0
        and not pattern.exp_prec
    )
    return locale, pattern, locale.number_symbols[_numbering(language)]["group"] if plain else None


@lru_cache(maxsize=4096)
def _format_decimal(value: Decimal, language: str) -> str:
    # Equal Decimals (65.3, 65.30) format alike: babel normalises before rounding; signed ones
    # are not cached, as -0 == 0.
    return _babel_number(value, language)


def _babel_number(value, language: str) -> str:
    locale, pattern, _group = _decimal_format(language)
    return _digits(pattern.apply(value, locale, numbering_system=_numbering(language)), language)


def format_money(money: Money, language: str) -> str:
    if money.currency == "IRR" and language == "fa":
        toman = Decimal(money.amount) / RIALS_PER_TOMAN
        unit = _("toman")
        return f"{format_number(toman, 'fa')} {unit}"
    text = format_currency(
        money.major,
        money.currency,
        locale=_decimal_format(language)[0],
        numbering_system=_numbering(language),
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
