"""Text is stored one way and found whatever way it is typed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edupact.core.text import ZWNJ, ascii_digits, normalise, persian_digits, search_key


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


@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert search_key(once) == search_key(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_digits_round_trip(number):
    assert ascii_digits(persian_digits(str(number))) == str(number)
