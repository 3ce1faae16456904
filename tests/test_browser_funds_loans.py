"""A member's loan journey in real Chromium, in Persian, Vietnamese and English: she gives
points to a colleague with the SMS one-time code, requests a loan through the form while the
live preview shows the points it needs, and — once allocated and paid out — sees her
schedule in her calendar."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from test_browser_funds import LANGUAGES, open_as

from edupact.core import sms
from edupact.core.calendars import format_date
from edupact.core.money import format_number
from edupact.core.preferences import default_calendar
from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.models import Fund, Loan, LoanProduct, LoanStatus, PointsTransfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERYTHING = Scope(everything=True)


@pytest.fixture
def outbox(settings):
    settings.EDUPACT_SMS_BACKEND = "edupact.core.sms.LocmemBackend"
    sms.LocmemBackend.outbox.clear()
    yield sms.LocmemBackend.outbox
    sms.LocmemBackend.outbox.clear()


@pytest.fixture
def fund(tree):
    obj = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    obj.product = services.save_product(
        EVERYTHING, LoanProduct(fund=obj, code="qard0", name="Qard 0", max_amount=10**10)
    )
    obj.alice = services.open_account(EVERYTHING, obj, person=tree.member)
    obj.bob = services.open_account(EVERYTHING, obj, person=tree.other_member)
    services.deposit(
        EVERYTHING, obj.alice, 1_800_000, timezone.localdate() - dt.timedelta(days=400)
    )
    return obj


@pytest.mark.parametrize("language", LANGUAGES)
def test_give_points_then_request_a_loan_and_see_the_schedule(
    fund, tree, page_as, live_server, outbox, language
):
    page = open_as(page_as, live_server, tree.users["member"], language)
    page.goto(fund.alice.get_absolute_url())
    assert page.evaluate("document.documentElement.lang") == language

    # 1. Give 5 points to a colleague, confirmed with the code sent by SMS.
    page.locator(f"a[href$='/funds/accounts/{fund.alice.pk}/give/']").click()
    page.fill("input[name=national_code]", tree.other_member.national_id)
    page.fill("input[name=mobile]", tree.other_member.phone)
    page.fill("input[name=points]", "5")
    page.locator("form.card button.primary[type=submit]").click()
    page.wait_for_selector("input[name=code]")
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    page.fill("input[name=code]", code)
    page.locator("form.card button.primary[type=submit]").click()
    page.wait_for_url(f"**{fund.alice.get_absolute_url()}")
    assert PointsTransfer.objects.get().points == 5

    # 2. Request a loan; the preview lists what it needs before anything is saved.
    page.locator(f"a[href$='/funds/accounts/{fund.alice.pk}/request-loan/']").click()
    page.select_option("select[name=product]", str(fund.product.pk))
    page.fill("input[name=amount]", "20000000000")
    page.fill("input[name=months]", "100")
    reasons = page.locator("#loan-preview ul.reasons li")
    expect(reasons).to_have_count(3)  # maximum, term and points
    page.fill("input[name=amount]", "1000000")
    page.fill("input[name=months]", "10")
    page.locator("#loan-preview .eligible").wait_for()
    needed = page.locator("#loan-preview .points-needed").inner_text().strip()
    assert needed == format_number(1_000_000, language)
    assert Loan.objects.count() == 0
    page.fill("input[name=purpose]", "tuition")
    page.locator("#loan-request button[type=submit]").click()
    page.wait_for_url("**/funds/loans/*/")
    loan = Loan.objects.get()
    assert (loan.status, loan.amount, loan.months, loan.purpose) == (
        LoanStatus.REQUESTED,
        1_000_000,
        10,
        "tuition",
    )

    # 3. The leader allocates and pays out; the member sees her schedule.
    today = timezone.localdate()
    services.allocate(EVERYTHING, fund, today)
    services.disburse(EVERYTHING, Loan.objects.get(), today)
    page.reload()
    rows = page.locator("table#schedule tbody tr")
    assert rows.count() == 10
    first = loan.instalments.order_by("n").first()
    first_due = format_date(first.due, default_calendar(language), language)
    assert first_due in rows.first.inner_text()
    if language == "fa":
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert not any(ch.isascii() and ch.isdigit() for ch in rows.first.inner_text())
