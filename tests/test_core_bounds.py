"""The domain bounds: the money-days arithmetic stays inside 64 bits, and every check refuses
booleans and values outside its bounds with a message in the reader's language and digits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from edupact.core import bounds
from edupact.funds.models import EPOCH


def test_money_days_of_a_century_at_the_largest_balance_fit_in_64_bits():
    assert bounds.MONEY_DATE_MIN == EPOCH  # day number 0 of the money-days sums
    # Money-days, and any partial sum of amount × day number (at most twice as much).
    assert 2 * bounds.MAX_BALANCE * bounds.CENTURY_DAYS < bounds.INT64_MAX
    assert bounds.MAX_AMOUNT < bounds.MAX_BALANCE


@given(
    st.lists(
        st.tuples(
            st.integers(-bounds.MAX_AMOUNT, bounds.MAX_AMOUNT),
            st.integers(0, bounds.CENTURY_DAYS - 1),
        ),
        max_size=50,
    )
)
def test_partial_sums_of_amount_times_day_stay_in_64_bits_while_balances_do(lines):
    """Lines in date order whose running balance stays within [0, MAX_BALANCE]: every partial
    sum of a × d, the closed form's term, is a valid 64-bit integer."""
    lines = sorted(lines, key=lambda line: line[1])
    balance = weighted = 0
    for amount, day in lines:
        if not 0 <= balance + amount <= bounds.MAX_BALANCE:
            continue
        balance += amount
        weighted += amount * day
        assert abs(weighted) <= bounds.INT64_MAX
        assert 0 <= balance * day - weighted <= bounds.INT64_MAX  # money-days at that day


@pytest.mark.parametrize("value", [True, False, 0, -1, bounds.MAX_AMOUNT + 1, 2**63, "5", 1.0])
def test_amount_refuses_booleans_and_values_out_of_bounds(value):
    with pytest.raises(ValidationError):
        bounds.check_amount(value)


def test_amount_message_names_the_bounds_in_the_readers_digits():
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        bounds.check_amount(0, field="amount")
    message = caught.value.message_dict["amount"][0]
    assert "۱" in message and "1" not in message


def test_checks_accept_values_within_bounds():
    assert bounds.check_amount(bounds.MAX_AMOUNT) == bounds.MAX_AMOUNT
    assert bounds.check_months(12) == 12
    assert bounds.check_year(2023) == 2023
    assert bounds.check_count(0) == 0
    assert bounds.check_date(dt.date(2023, 4, 11)) == dt.date(2023, 4, 11)


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)])
def test_dates_out_of_bounds_are_refused(day):
    with pytest.raises(ValidationError):
        bounds.check_date(day)


def test_future_postings_are_refused():
    today = dt.date(2026, 12, 7)
    assert bounds.check_not_future(today, today=today) == today
    with pytest.raises(ValidationError):
        bounds.check_not_future(today + dt.timedelta(days=1), today=today)
    with pytest.raises(ValidationError):
        bounds.check_not_future(dt.date(1999, 12, 31), today=today)


class _Body(BaseModel):
    amount: bounds.Amount
    months: bounds.Months


@pytest.mark.parametrize(
    "body",
    [
        {"amount": True, "months": 12},
        {"amount": "5", "months": 12},
        {"amount": 9223372036854775807, "months": 12},
        {"amount": 1000, "months": 10**9},
        {"amount": 1e30, "months": 12},
    ],
)
def test_schema_types_refuse_booleans_strings_and_huge_values(body):
    with pytest.raises(SchemaError):
        _Body.model_validate(body)


def test_schema_types_publish_their_bounds():
    schema = _Body.model_json_schema()["properties"]
    assert schema["amount"]["maximum"] == bounds.MAX_AMOUNT
    assert schema["months"]["minimum"] == 1
