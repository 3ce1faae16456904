"""Text is stored one way and found whatever way it is typed."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from edupact.core.text import (
    ZWNJ,
    ascii_digits,
    check_text,
    normalise,
    persian_digits,
    search_key,
    unstorable,
)


def test_arabic_yeh_and_kaf_become_persian():
    assert normalise("علي كريمي") == "علی کریمی"


def test_zwnj_is_kept():
    assert normalise(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"
    assert normalise(f"قرض{ZWNJ}الحسنه") == f"قرض{ZWNJ}الحسنه"


@pytest.mark.parametrize("typed", ["۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "09121234567", "۰۹۱٢١٢٣۴۵۶۷"])
def test_persian_and_arabic_digits_become_ascii(typed):
    assert ascii_digits(typed) == "09121234567"
    assert normalise(typed) == "09121234567"


def test_spaces_are_collapsed_and_vietnamese_is_nfc():
    decomposed = "Nguye\u0302\u0303n  Va\u0306n"  # e + circumflex + tilde, as some keyboards send
    assert normalise(decomposed) == "Nguyễn Văn"
    assert normalise("  a \n b ") == "a b"
    assert normalise(None) == ""


def test_persian_digits_for_display():
    assert persian_digits("1396/01/20") == "۱۳۹۶/۰۱/۲۰"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("nguyen van hieu", "Nguyễn Văn Hiếu"),
        ("NGUYEN", "Nguyễn Văn Hiếu"),
        ("dang", "Đặng Thị Mai"),
        ("le thi", "Lê Thị Lan"),
        ("علي", "علی کریمی"),
        ("كريمي", "علی کریمی"),
        ("قرض الحسنه", f"انجمن قرض{ZWNJ}الحسنه"),
    ],
)
def test_search_keys_ignore_diacritics_and_letter_forms(typed, stored):
    assert search_key(typed) in search_key(stored)


def test_d_with_stroke_folds_to_d():
    assert search_key("Đ") == "d"
    assert search_key("đường") == "duong"


def test_search_key_distinguishes_different_names():
    assert search_key("nguyen") not in search_key("Lê Thị Lan")


STORABLE = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])


@given(st.text(alphabet=STORABLE))
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert search_key(once) == search_key(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_digits_round_trip(number):
    assert ascii_digits(persian_digits(str(number))) == str(number)


@pytest.mark.parametrize("text", ["\x00", "Nguy\x00ễn", "\ud800", "Zahra \ud83d", "\udfffx"])
def test_text_that_cannot_be_stored_is_refused(text):
    with pytest.raises(ValidationError) as refused:
        normalise(text)
    assert refused.value.code == "unstorable_text"
    with pytest.raises(ValidationError) as on_field:
        check_text(text, field="family_name")
    assert list(on_field.value.message_dict) == ["family_name"]


def test_a_search_drops_what_cannot_be_stored():
    assert search_key("Nguy\x00ễn\ud800") == "nguyen"


@given(st.text())
def test_normalise_stores_or_refuses_never_breaks(text):
    """Anything typed is either stored as UTF-8 or refused with the translated message."""
    try:
        stored = normalise(text)
    except ValidationError:
        assert unstorable(text)
    else:
        stored.encode("utf-8")
        assert "\x00" not in stored
