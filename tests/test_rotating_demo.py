"""The rotating fund demo: the District 9 staff lottery fund, 20 codes of 5,000,000 toman,
eight draws from 1396/02 and the ninth ready to run, loaded once through the services."""

from io import StringIO

import jdatetime
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import Scope
from edupact.demo.rotating import FUND_NAME, load_rotating_demo
from edupact.rotating import selectors, services
from edupact.rotating.models import DrawMode, DuePayment, RotatingFund, Share

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        out = StringIO()
        call_command("demo", size="small", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def fund(_loaded, db) -> RotatingFund:
    return RotatingFund.objects.get(name=FUND_NAME)


def test_the_lottery_fund_of_the_demo(fund):
    assert (fund.codes_count, fund.due, fund.currency, fund.calendar) == (
        20,
        50_000_000,
        "IRR",
        "jalali",
    )
    assert (fund.start_year, fund.start_month) == (1396, 2)
    draws = list(fund.draws.order_by("month"))
    assert [d.month for d in draws] == list(range(1, 9))
    assert len({d.code_id for d in draws}) == 8
    assert {d.mode for d in draws} == set(DrawMode.values)
    for d in draws:
        assert sum(p.amount for p in d.payouts.all()) == d.pot == 20 * 50_000_000
        assert services.rerun(d) in (None, d.code.number)
    assert draws[0].drawn_on == jdatetime.date(1396, 2, 15).togregorian()
    assert DuePayment.objects.filter(fund=fund).count() == 20 * 9 - 3
    assert selectors.next_month(fund) == 9


def test_halves_a_transfer_and_one_member_in_arrears(fund):
    codes = {c.number: c for c in fund.codes.all()}
    today = jdatetime.date(1404, 1, 1).togregorian()
    for n in (5, 9, 14):
        assert [s.numerator for s in selectors.holders_on(codes[n], today)] == [6, 6]
    ended = Share.objects.get(code=codes[12], valid_to__isnull=False)
    assert ended.transferred_to.count() == 2
    rows = selectors.grid(
        fund, selectors.codes(EVERYTHING, fund, today), selectors.months(fund, today, "fa")
    )
    owing = [r for r in rows if r.owed]
    assert [r.code.number for r in owing] == [17] and owing[0].owed == 3 * 50_000_000
    assert len(selectors.arrears(fund, rows, today)) == 1


def test_the_member_sees_her_code_and_a_second_run_changes_nothing(fund):
    member = get_user_model().objects.get(username="member")
    visible = selectors.codes(scope_for(member), fund, jdatetime.date(1404, 1, 1).togregorian())
    assert 1 in [c.number for c in visible]
    before = (Share.objects.count(), DuePayment.objects.count(), fund.draws.count())
    assert load_rotating_demo() == {}
    call_command("demo", size="small", stdout=StringIO())
    assert (Share.objects.count(), DuePayment.objects.count(), fund.draws.count()) == before
    assert RotatingFund.objects.filter(name=FUND_NAME).count() == 1
