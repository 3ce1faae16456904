"""Checked identifiers: Iran's national code and legal-entity ID, Vietnam's CCCD,
phones (E.164 through phonenumbers) and bank numbers (IBAN/Sheba through schwifty).

Validators raise ``ValidationError`` with translated messages so that forms, the API
and imports report the same words on the same field.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from .text import ascii_digits

# Birth-registration province codes of CCCD numbers: the 63 provinces before July 2025.
CCCD_PROVINCES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)


def _digits_only(value: str) -> str:
    return "".join(ascii_digits(str(value)).split()).replace("-", "")


def iran_national_code(value: str) -> str:
    """Return the normalised 10-digit code or raise. Check digit mod 11, no repdigits."""
    code = _digits_only(value)
    if len(code) != 10 or not code.isdigit() or len(set(code)) == 1:
        raise ValidationError(_("A national code has 10 digits."), code="national_code")
    s = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = s if s < 2 else 11 - s
    if check != int(code[9]):
        raise ValidationError(_("This national code is not valid."), code="national_code")
    return code


def iran_legal_id(value: str) -> str:
    """Return the 11-digit legal-entity national ID (شناسه ملی) or raise."""
    code = _digits_only(value)
    if len(code) != 11 or not code.isdigit():
        raise ValidationError(_("A legal-entity national ID has 11 digits."), code="legal_id")
    weights = (29, 27, 23, 19, 17)
    bump = int(code[9]) + 2
    s = sum((int(code[i]) + bump) * weights[i % 5] for i in range(10)) % 11
    if s % 10 != int(code[10]):
        raise ValidationError(_("This legal-entity national ID is not valid."), code="legal_id")
    return code


def vietnam_cccd(value: str, birth_year: int | None = None, sex: str | None = None) -> str:
    """Return the 12-digit CCCD or raise; check province, century/sex digit and birth year."""
    code = _digits_only(value)
    if len(code) != 12 or not code.isdigit():
        raise ValidationError(_("A citizen ID (CCCD) has 12 digits."), code="cccd")
    if code[:3] not in CCCD_PROVINCES:
        raise ValidationError(_("The first three digits are not a province code."), code="cccd")
    gender_digit = int(code[3])
    if gender_digit > 9:
        raise ValidationError(_("This citizen ID is not valid."), code="cccd")
    century = 1900 + 100 * (gender_digit // 2)
    if birth_year is not None and century + int(code[4:6]) != birth_year:
        raise ValidationError(
            _("This citizen ID does not match the year of birth."), code="cccd_birth_year"
        )
    if sex in ("male", "female") and ("male", "female")[gender_digit % 2] != sex:
        raise ValidationError(_("This citizen ID does not match the sex."), code="cccd_sex")
    return code


def phone_e164(value: str, region: str) -> str:
    """Normalise a phone typed locally or internationally (any digits) to E.164."""
    text = ascii_digits(str(value)).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number."), code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def bank_account(value: str) -> str:
    """An IBAN (Sheba in Iran) in compact form, checked by schwifty (mod 97, length, bank)."""
    text = ascii_digits(str(value)).replace(" ", "").upper()
    try:
        return IBAN(text).compact
    except SchwiftyException as exc:
        raise ValidationError(_("Enter a valid IBAN (Sheba) number."), code="iban") from exc


def mask(value: str | None, keep_start: int = 3, keep_end: int = 3) -> str:
    """``0076229645`` → ``007****645``: enough to recognise, not enough to misuse."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
