"""Identifiers are checked as their issuers define them and stored in one normal form."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from factories import national_code_check_digit, vietnam_cccd
from hypothesis import assume, given
from hypothesis import strategies as st

from edupact.core import identifiers
from edupact.core.identifiers import (
    bank_account,
    iran_legal_id,
    iran_national_code,
    mask,
    phone_e164,
)
from edupact.core.text import persian_digits


def refused(check, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check(*args, **kwargs)
    return info.value


# Iranian national code ----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0076229645", "۰۰۷۶۲۲۹۶۴۵", "007-622964-5", " 0076229645 "])
def test_a_valid_national_code_is_kept_as_ten_ascii_digits(typed):
    assert iran_national_code(typed) == "0076229645"


def test_a_wrong_check_digit_is_refused():
    with translation.override("en"):
        error = refused(iran_national_code, "1234567890")
    assert error.code == "national_code"
    assert error.messages == ["This national code is not valid."]


@pytest.mark.parametrize("digit", "0123456789")
def test_repdigits_are_refused_although_their_check_digit_matches(digit):
    assert refused(iran_national_code, digit * 10).code == "national_code"


@pytest.mark.parametrize("typed", ["", "123456789", "12345678901", "00762296a5"])
def test_a_national_code_has_ten_digits(typed):
    with translation.override("en"):
        assert refused(iran_national_code, typed).messages == ["A national code has 10 digits."]


NINE_DIGITS = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(NINE_DIGITS)
def test_every_generated_national_code_passes(first_nine):
    code = first_nine + str(national_code_check_digit(first_nine))
    assume(len(set(code)) > 1)
    assert iran_national_code(code) == code
    assert iran_national_code(persian_digits(code)) == code


def _remainder(first_nine: str) -> int:
    return sum(int(first_nine[i]) * (10 - i) for i in range(9)) % 11


@given(NINE_DIGITS, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_is_caught(first_nine, position, shift):
    code = first_nine + str(national_code_check_digit(first_nine))
    assume(len(set(code)) > 1)
    changed = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    # The scheme maps remainders 1 and 10 to the same check digit: the one change it misses.
    assume({_remainder(code[:9]), _remainder(changed[:9])} != {1, 10})
    with pytest.raises(ValidationError):
        iran_national_code(changed)


# Iranian legal-entity ID (شناسه ملی) ---------------------------------------------------------


def test_a_valid_legal_id():
    assert iran_legal_id("10380284790") == "10380284790"
    assert iran_legal_id("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"


@pytest.mark.parametrize("typed", ["10380284791", "10380284780", "1038028479", "103802847901"])
def test_an_invalid_legal_id_is_refused(typed):
    assert refused(iran_legal_id, typed).code == "legal_id"


# Phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "0912 123 4567",
        "+98 (912) 123-4567",
        "٠٩١٢١٢٣٤٥٦٧",
    ],
)
def test_iranian_phones_become_e164(typed):
    assert phone_e164(typed, "IR") == "+989121234567"


@pytest.mark.parametrize("typed", ["0903123456", "+84903123456", "0084 903 123 456"])
def test_vietnamese_phones_become_e164(typed):
    assert phone_e164(typed, "VN") == "+84903123456"


def test_a_landline_is_a_phone_too():
    assert phone_e164("021 8877 6655", "IR") == "+982188776655"


@pytest.mark.parametrize(
    ("typed", "region"), [("12345", "IR"), ("not a phone", "VN"), ("0912123456", "IR"), ("", "IR")]
)
def test_invalid_phones_are_refused(typed, region):
    with translation.override("en"):
        error = refused(phone_e164, typed, region)
    assert error.code == "phone"
    assert error.messages == ["Enter a valid phone number."]


# Vietnamese citizen ID (CCCD) ----------------------------------------------------------------


def test_a_cccd_consistent_with_province_century_sex_and_birth_year():
    assert identifiers.vietnam_cccd("079080000011", 1980, "male") == "079080000011"
    assert identifiers.vietnam_cccd("079 1 85 000123", 1985, "female") == "079185000123"
    assert identifiers.vietnam_cccd("001203000001", 2003, "male") == "001203000001"
    assert identifiers.vietnam_cccd("001303000001", 2003, "female") == "001303000001"
    assert identifiers.vietnam_cccd("079080000011") == "079080000011"  # nothing to compare


def test_a_cccd_from_another_year_of_birth_is_refused():
    assert refused(identifiers.vietnam_cccd, "079080000011", 1981, "male").code == "cccd_birth_year"
    assert refused(identifiers.vietnam_cccd, "079080000011", 2080, "male").code == "cccd_birth_year"


def test_a_cccd_of_the_other_sex_is_refused():
    assert refused(identifiers.vietnam_cccd, "079080000011", 1980, "female").code == "cccd_sex"


@pytest.mark.parametrize("typed", ["000080000011", "003080000011", "099080000011"])
def test_a_cccd_must_start_with_a_province_code(typed):
    assert refused(identifiers.vietnam_cccd, typed).code == "cccd"


@pytest.mark.parametrize("typed", ["07908000001", "0790800000111", "07908000001a"])
def test_a_cccd_has_twelve_digits(typed):
    assert refused(identifiers.vietnam_cccd, typed).code == "cccd"


@given(
    st.integers(min_value=1900, max_value=2099),
    st.sampled_from(["male", "female"]),
    st.integers(min_value=0, max_value=999_999),
    st.sampled_from(sorted(identifiers.CCCD_PROVINCES)),
)
def test_every_consistent_cccd_passes(birth_year, sex, serial, province):
    code = vietnam_cccd(serial, birth_year, sex, province)
    assert identifiers.vietnam_cccd(code, birth_year, sex) == code
    other = "female" if sex == "male" else "male"
    with pytest.raises(ValidationError):
        identifiers.vietnam_cccd(code, birth_year, other)
    with pytest.raises(ValidationError):
        identifiers.vietnam_cccd(code, birth_year + 1, sex)


# Bank accounts (IBAN / Sheba) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "IR062960000000100324200001",
        "ir06 2960 0000 0010 0324 2000 01",
        "IR۰۶۲۹۶۰۰۰۰۰۰۰۱۰۰۳۲۴۲۰۰۰۰۱",
    ],
)
def test_a_valid_sheba(typed):
    assert bank_account(typed) == "IR062960000000100324200001"


@pytest.mark.parametrize(
    "typed", ["IR062960000000100324200002", "IR06296000000010032420000", "0076229645"]
)
def test_an_invalid_sheba_is_refused(typed):
    assert refused(bank_account, typed).code == "iban"


# Masking -------------------------------------------------------------------------------------


def test_masking_shows_enough_to_recognise():
    assert mask("0076229645") == "007****645"
    assert mask("079080000011") == "079******011"
    assert mask("IR062960000000100324200001") == "IR0" + "*" * 20 + "001"


def test_masking_short_or_missing_values():
    assert mask("123456") == "******"
    assert mask("") == ""
    assert mask(None) == ""
