"""Fund journeys in real Chromium, in Persian, Vietnamese and English: a kanoon leader runs an
allocation round from the fund's dashboard and sees the request approved; a member opens their
account, sees the balance in toman in Persian and downloads the statement PDF, its dates in the
reader's calendar."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import translation

from edupact.core.calendars import format_date
from edupact.core.money import Money, format_money, format_number
from edupact.core.preferences import default_calendar
from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.models import Fund, Loan, LoanProduct, LoanStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERYTHING = Scope(everything=True)
D = dt.date(2024, 3, 20)
LOCALES = {"fa": "fa-IR", "en": "en-US", "vi": "vi-VN"}
LANGUAGES = ["fa", "vi", "en"]


@pytest.fixture
def fund(tree):
    """The kanoon's fund: Zahra saved 1,800,000 rials and asks for a loan (L-7)."""
    obj = services.create_fund(EVERYTHING, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    product = services.save_product(
        EVERYTHING, LoanProduct(fund=obj, code="qard0", max_amount=10**10)
    )
    obj.alice = services.open_account(EVERYTHING, obj, person=tree.member)
    obj.bob = services.open_account(EVERYTHING, obj, person=tree.other_member)
    services.deposit(EVERYTHING, obj.alice, 1_800_000, D)
    services.deposit(EVERYTHING, obj.bob, 900, D)
    obj.loan = services.request_loan(
        EVERYTHING, obj.alice, product, 1_000, 10, D, reference="L-7", purpose="tuition"
    )
    return obj


def open_as(page_as, live_server, user, language):
    """A signed-in page that speaks ``language`` (by the browser's locale and the cookie)."""
    from urllib.parse import urlparse

    page = page_as(user, locale=LOCALES[language])
    page.context.add_cookies(
        [
            {
                "name": "edupact_language",
                "value": language,
                "domain": urlparse(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    return page


def label(language, text):
    with translation.override(language):
        return str(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_leader_runs_an_allocation_round(fund, tree, page_as, live_server, language):
    page = open_as(page_as, live_server, tree.users["kanoon_leader"], language)
    page.goto(fund.get_absolute_url())
    assert page.evaluate("document.documentElement.lang") == language
    queue = page.locator("#queue-table")
    requested = label(language, LoanStatus.REQUESTED.label)
    assert queue.locator("tbody tr", has_text=requested).count() == 1
    loan_link = page.locator(f"a[href='{fund.loan.get_absolute_url()}']")
    assert loan_link.count() == 1

    page.locator("form[action$='/allocate/'] button[type=submit]").click()
    page.wait_for_selector("ul.messages li")
    page.wait_for_url(f"**{fund.get_absolute_url()}")

    assert Loan.objects.get(pk=fund.loan.pk).status == LoanStatus.APPROVED
    approved = label(language, LoanStatus.APPROVED.label)
    loans_table = page.locator("#loans-table")
    row = loans_table.locator(
        "tbody tr", has=page.locator(f"a[href='{fund.loan.get_absolute_url()}']")
    )
    assert row.count() == 1
    assert row.locator(".badge").inner_text().strip() == approved
    # The queue is empty now.
    assert queue.locator(f"a[href='{fund.loan.get_absolute_url()}']").count() == 0
    with translation.override(language):
        done = translation.gettext(
            "Allocation round: %(approved)s approved, %(rejected)s rejected."
        ) % {"approved": format_number(1, language), "rejected": format_number(0, language)}
    assert done in page.inner_text("ul.messages")
    if language == "fa":
        assert "۱" in done and not any(ch.isascii() and ch.isdigit() for ch in done)


def test_a_member_sees_the_balance_in_toman(fund, tree, page_as, live_server):
    page = open_as(page_as, live_server, tree.users["member"], "fa")
    page.goto(fund.alice.get_absolute_url())
    assert page.evaluate("document.documentElement.dir") == "rtl"
    balance = page.locator(".grid .card .stat").first.inner_text().strip()
    with translation.override("fa"):
        expected = format_money(Money(1_800_000, fund.currency), "fa")
    assert balance == expected
    assert "تومان" in balance and "۱۸۰" in balance
    assert not any(ch.isascii() and ch.isdigit() for ch in balance)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_member_downloads_the_statement(fund, tree, page_as, live_server, language, tmp_path):
    page = open_as(page_as, live_server, tree.users["member"], language)
    page.goto(fund.alice.get_absolute_url())
    assert page.evaluate("document.documentElement.lang") == language
    link = page.locator(f"a[href$='/funds/accounts/{fund.alice.pk}/statement.pdf']")
    assert link.count() == 1 and link.is_visible()
    href = link.get_attribute("href")
    # The request carries the page's cookies: the session and the language.
    response = page.request.get(href, timeout=60_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    if shutil.which("pdftotext"):  # the deposit's date in the reader's calendar
        pdf = tmp_path / "statement.pdf"
        pdf.write_bytes(response.body())
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        deposited = format_date(D, default_calendar(language), language)
        assert deposited == {"fa": "۱۴۰۳/۰۱/۰۱", "vi": "20/03/2024", "en": "20 Mar 2024"}[language]
        assert deposited in text
