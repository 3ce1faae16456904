"""Text normalisation shared by every input and every search.

Persian: Arabic yeh/kaf become Persian ones, ZWNJ (U+200C) is kept, Persian and
Arabic-Indic digits become ASCII for storage. Vietnamese: NFC on input; search keys
drop diacritics so that "nguyen" finds "Nguyễn".

Text that no database can store is refused on input, with a translated message: a NUL
character (PostgreSQL refuses it; SQLite would store it and cut the text short in other
programs) and a lone UTF-16 surrogate (half of an emoji, as a JSON ``"\\ud800"`` escape can
carry it; it is not a character and cannot be encoded as UTF-8). ``normalise`` refuses it,
and so does the API's parser for every string of every body and query (``edupact.api``);
web forms refuse NUL already (Django's CharField) and cannot carry a lone surrogate.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from persiantools import characters

ZWNJ = "\u200c"
_EXTRA_FOLD = str.maketrans({"đ": "d", "Đ": "d", "ۀ": "ه", "ة": "ه", "ؤ": "و", "أ": "ا", "إ": "ا"})


# Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII in one table: one pass per string,
# which bulk imports of 100,000 rows notice.
DIGITS_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def ascii_digits(value: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII."""
    return value.translate(DIGITS_TO_ASCII)


_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


# Text between a left-to-right isolate and its pop (``isolate``): an identifier that keeps
# the digits it was written with.
_ISOLATED = re.compile("(\u2066[^\u2069]*\u2069)")


def persian_digits(value: str) -> str:
    """ASCII digits to Persian ones, leaving separators as the formatter chose them, and the
    digits of an isolated identifier (``isolate``: «387/QĐ-TTg» in a sentence) as written."""
    if "\u2066" not in value:
        return value.translate(_TO_PERSIAN)
    parts = _ISOLATED.split(value)
    return "".join(part if i % 2 else part.translate(_TO_PERSIAN) for i, part in enumerate(parts))


def reader_digits(value, language: str) -> str:
    """Codes, phone numbers and counts shown as text: Persian digits for a Persian reader."""
    text = "" if value is None else str(value)
    return persian_digits(text) if language == "fa" else text


def isolate(value) -> str:
    """An identifier («387/QĐ-TTg») between Unicode isolates (LRI … PDI), for plain text
    where ``<bdi>`` cannot go: its digits and order stay as written inside a Persian sentence."""
    text = "" if value is None else str(value)
    return f"\u2066{text}\u2069" if text else ""


# Letters of the Arabic script (Persian included), which Persian digits belong with.
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def script_digits(text: str) -> str:
    """A name's digits in its own script: Persian digits in a Persian name («منطقه ۹»),
    the ASCII ones kept in a Latin-script name («Khu phố 1»). Names are stored with ASCII
    digits (``normalise``), so the script of their letters says which digits they had."""
    return persian_digits(text) if _ARABIC_SCRIPT.search(text) else text


# The Vietnamese letters and tone marks that neither English nor Persian uses.
_VIETNAMESE = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ]"
)


def script_language(value: str) -> str | None:
    """The language a name or title is written in, when its letters tell: "fa" for Arabic
    script, "vi" for Vietnamese letters, None otherwise (Latin letters read in any of the
    three). Pages mark such text with ``lang`` (WCAG 3.1.2) so that a screen reader speaks
    a Vietnamese framework title on a Persian page in Vietnamese."""
    if _ARABIC_SCRIPT.search(value):
        return "fa"
    if _VIETNAMESE.search(value):
        return "vi"
    return None


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    """Whether ``value`` holds a NUL or a lone surrogate (see the module's docstring)."""
    return UNSTORABLE.search(value) is not None


def check_text(value: str, *, field: str | None = None) -> str:
    """``value`` unchanged, or a translated ValidationError (on ``field``) if it cannot be
    stored."""
    if unstorable(value):
        error = ValidationError(
            _("Remove the invalid character from this text (a null character or a broken one)."),
            code="unstorable_text",
        )
        raise ValidationError({field: error}) if field else error
    return value


def normalise(value: str | None) -> str:
    """What every text field stores: NFC, Persian letters, ASCII digits, single spaces.

    Text that cannot be stored is refused (``check_text``)."""
    if not value:
        return ""
    check_text(value)
    if value.isascii():  # nothing to fold: spares bulk imports most of the work
        return " ".join(value.split())
    folded = value.translate(DIGITS_TO_ASCII)
    if folded.isascii():  # only Persian digits (dates, amounts): NFC and letters change nothing
        return " ".join(folded.split())
    value = unicodedata.normalize("NFC", value)
    value = characters.ar_to_fa(value)
    value = ascii_digits(value)
    return " ".join(value.split())


def search_key(value: str | None) -> str:
    """A folded form for matching: lower case, no diacritics, ZWNJ treated as a space.

    A search is not stored: characters that cannot be stored match nothing and are dropped."""
    value = normalise(UNSTORABLE.sub("", value or ""))
    value = value.replace(ZWNJ, " ").lower().translate(_EXTRA_FOLD)
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", stripped).split())


def matching(queryset, text: str | None, field: str = "search_key"):
    """Rows whose folded ``field`` contains every word of ``text`` (diacritics, ي/ی ignored)."""
    for word in search_key(text).split():
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset
