"""Dates are typed and read in the reader's calendar, digits and order."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from edupact.core import preferences
from edupact.core.calendars import Calendar, InvalidDate, format_date, parse_date
from edupact.core.forms import LocalDateField

JALALI, GREGORIAN = Calendar.JALALI, Calendar.GREGORIAN
NOT_IN_CALENDAR = "This date does not exist in the calendar."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("۹۶/۰۱/۲۰", dt.date(2017, 4, 9)),  # as written in the Tehran minutes
        ("1396/01/20", dt.date(2017, 4, 9)),
        ("١٣٩٦/٠١/٢٠", dt.date(2017, 4, 9)),
        ("1396-1-20", dt.date(2017, 4, 9)),
        (" 1396 / 01 / 20 ", dt.date(2017, 4, 9)),
        ("1404/01/01", dt.date(2025, 3, 21)),  # Nowruz 1404
        ("1403/12/30", dt.date(2025, 3, 20)),  # 1403 is a leap year
    ],
)
def test_jalali_input(typed, expected):
    assert parse_date(typed, JALALI) == expected


@pytest.mark.parametrize("language", ["fa", "vi", "en"])
def test_a_day_that_does_not_exist_is_refused_in_the_reader_language(language):
    with translation.override(language):
        with pytest.raises(InvalidDate) as refused:
            parse_date("1404/12/30", JALALI)  # 1404 is not a leap year
        assert str(refused.value) == gettext(NOT_IN_CALENDAR)
    if language == "en":
        assert str(refused.value) == NOT_IN_CALENDAR


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("11/04/2023", dt.date(2023, 4, 11)),  # day first, as in Vietnam (the HCMC plan's date)
        ("11/4/2023", dt.date(2023, 4, 11)),
        ("11.04.2023", dt.date(2023, 4, 11)),
        ("2023-04-11", dt.date(2023, 4, 11)),  # ISO
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_gregorian_input(typed, expected):
    assert parse_date(typed, GREGORIAN) == expected


@pytest.mark.parametrize(
    ("typed", "calendar"),
    [
        ("31/02/2023", GREGORIAN),
        ("29/02/2023", GREGORIAN),
        ("1403/13/01", JALALI),
        ("1403/07/31", JALALI),  # the second half of the Jalali year has 30-day months
    ],
)
def test_impossible_dates_are_refused(typed, calendar):
    with translation.override("en"), pytest.raises(InvalidDate, match=NOT_IN_CALENDAR):
        parse_date(typed, calendar)


@pytest.mark.parametrize("typed", ["", "tomorrow", "2023", "11/04", "1/2/3/4"])
def test_unreadable_input_gets_an_example(typed):
    with translation.override("en"), pytest.raises(InvalidDate, match="1396/01/20"):
        parse_date(typed, JALALI)
    with translation.override("en"), pytest.raises(InvalidDate, match="11/04/2023"):
        parse_date(typed, GREGORIAN)


def test_display_in_persian():
    day = dt.date(2017, 4, 9)
    assert format_date(day, JALALI, "fa") == "۱۳۹۶/۰۱/۲۰"
    assert format_date(day, JALALI, "fa", "long") == "۲۰ فروردین ۱۳۹۶"
    assert format_date(dt.date(2025, 3, 21), JALALI, "fa") == "۱۴۰۴/۰۱/۰۱"


def test_display_in_vietnamese_and_english():
    day = dt.date(2023, 4, 11)
    assert format_date(day, GREGORIAN, "vi") == "11/04/2023"
    assert format_date(day, GREGORIAN, "vi", "long") == "ngày 11 tháng 4 năm 2023"
    assert format_date(day, GREGORIAN, "en") == "11 Apr 2023"
    assert format_date(day, JALALI, "en") == "1402/01/22"
    assert format_date(None, GREGORIAN, "vi") == ""


def test_datetimes_show_their_date():
    moment = dt.datetime(2023, 4, 11, 23, 30, tzinfo=dt.UTC)
    assert format_date(moment, GREGORIAN, "vi") == "11/04/2023"


DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(DATES, st.sampled_from(["fa", "en"]))
def test_jalali_round_trip(day, language):
    assert parse_date(format_date(day, JALALI, language), JALALI) == day


@given(DATES, st.sampled_from(["fa", "vi"]))
def test_gregorian_round_trip(day, language):
    assert parse_date(format_date(day, GREGORIAN, language), GREGORIAN) == day
    assert parse_date(day.isoformat(), GREGORIAN) == day


@pytest.mark.parametrize(
    ("language", "calendar"),
    [
        ("fa", JALALI),
        ("fa", GREGORIAN),
        ("vi", GREGORIAN),
        ("en", GREGORIAN),
        ("en", JALALI),
    ],
)
def test_a_date_field_reads_back_what_it_shows(language, calendar):
    """An edit form shows the stored date; submitting it unchanged keeps the same date."""
    day = dt.date(2023, 4, 11)
    field = LocalDateField()
    with translation.override(language):
        token = preferences.use_calendar(calendar)
        try:
            shown = field.prepare_value(day)
            assert field.clean(shown) == day
        finally:
            preferences.reset_calendar(token)


def test_a_date_field_follows_the_language_calendar():
    field = LocalDateField()
    with translation.override("fa"):
        assert field.clean("۹۶/۰۱/۲۰") == dt.date(2017, 4, 9)
    with translation.override("vi"):
        assert field.clean("09/04/2017") == dt.date(2017, 4, 9)
