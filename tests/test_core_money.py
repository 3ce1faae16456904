"""Money is whole minor units with a currency, shown the way each reader counts it."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from edupact.core.money import Money, format_money, format_number, parse_amount
from edupact.core.text import ascii_digits


def test_rials_are_shown_in_toman_with_persian_digits():
    with translation.override("fa"):
        shown = format_money(Money(1_000_000, "IRR"), "fa")
        assert shown == f"۱۰۰٬۰۰۰ {gettext('toman')}"
    assert not any(c.isascii() and c.isdigit() for c in shown)


def test_an_odd_rial_shows_as_a_fraction_of_a_toman():
    assert format_money(Money(1_000_005, "IRR"), "fa").startswith("۱۰۰٬۰۰۰٫۵")


def test_dong_use_dots_between_thousands_in_vietnamese():
    assert format_money(Money(1_500_000, "VND"), "vi") == "1.500.000\xa0₫"


def test_english_readers_see_the_currency_with_ascii_digits():
    assert format_money(Money(1_500_000, "VND"), "en") == "₫1,500,000"
    assert "IRR" in format_money(Money(1_000_000, "IRR"), "en").replace("\xa0", " ")
    assert "1,000,000" in format_money(Money(1_000_000, "IRR"), "en")


def test_numbers_follow_the_reader():
    assert format_number(1234567, "fa") == "۱٬۲۳۴٬۵۶۷"
    assert format_number(1234567, "vi") == "1.234.567"
    assert format_number(1234567, "en") == "1,234,567"


def test_currencies_without_minor_units_keep_whole_amounts():
    assert Money(1_500_000, "VND").major == Decimal(1_500_000)
    assert Money(1050, "USD").major == Decimal("10.50")


@pytest.mark.parametrize("amount", [1.5, 1000.0, Decimal("10"), "100", True, None])
def test_money_refuses_anything_but_whole_minor_units(amount):
    with pytest.raises(TypeError):
        Money(amount, "IRR")


def test_arithmetic_keeps_the_currency():
    assert Money(100, "VND") + Money(50, "VND") == Money(150, "VND")
    assert Money(100, "VND") - Money(150, "VND") == Money(-50, "VND")
    assert -Money(5, "IRR") == Money(-5, "IRR")


def test_different_currencies_do_not_mix():
    with pytest.raises(ValueError):
        Money(100, "IRR") + Money(100, "VND")
    with pytest.raises(ValueError):
        Money(100, "IRR") - Money(100, "VND")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("۱٬۰۰۰٬۰۰۰", 1_000_000),
        ("1,000,000", 1_000_000),
        ("1.500.000", 1_500_000),
        ("١٢٣", 123),
        ("-20", -20),
        ("12 000", 12000),
    ],
)
def test_typed_amounts(typed, amount):
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["", "abc", "12a", "--5"])
def test_unreadable_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        parse_amount(typed)


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["fa", "vi", "en"]))
def test_shown_numbers_read_back(value, language):
    assert parse_amount(format_number(value, language)) == value
    assert ascii_digits(format_number(value, language)).replace("٬", "").replace(",", "").replace(
        ".", ""
    ) == str(value)


def test_persian_readers_see_toman_in_their_own_word():
    from django.utils import translation

    from edupact.core.money import Money, format_money

    with translation.override("fa"):
        assert format_money(Money(12_345_670, "IRR"), "fa") == "۱٬۲۳۴٬۵۶۷ تومان"


def _babel_number(value, language):
    """What babel's own format_decimal shows: the reference the cached formatter must match."""
    from babel.numbers import format_decimal

    from edupact.core.money import BABEL_LOCALES, NUMBERING
    from edupact.core.text import persian_digits

    text = format_decimal(
        value,
        locale=BABEL_LOCALES.get(language, "en"),
        numbering_system=NUMBERING.get(language, "latn"),
    )
    return persian_digits(text) if language == "fa" else text


@given(
    st.one_of(
        st.integers(min_value=-(10**15), max_value=10**15),
        st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
        st.decimals(min_value=0, max_value=100, places=1, allow_nan=False),
    ),
    st.sampled_from(["fa", "vi", "en"]),
)
def test_numbers_are_shown_exactly_as_babel_shows_them(value, language):
    assert format_number(value, language) == _babel_number(value, language)
    assert format_number(value, language) == _babel_number(value, language)  # cached alike


def test_equal_decimals_show_alike_whichever_was_shown_first():
    assert format_number(Decimal("65.30"), "vi") == "65,3"
    assert format_number(Decimal("65.3"), "vi") == "65,3"
    assert format_number(Decimal("0.0"), "fa") == "۰"
    assert format_number("12.50", "en") == "12.5"
    assert format_number(Decimal("0"), "en") == _babel_number(Decimal("0"), "en")
    assert format_number(Decimal("-0"), "en") == _babel_number(Decimal("-0"), "en")
