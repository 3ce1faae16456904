"""A 390×844 phone, over the small demo: for the member and the kanoon leader (Persian, right to
left), the hamlet branch and the city's learning-society dashboard (Vietnamese), the page's
content starts near the top (the menu is folded under a menu button), the button opens and
closes the menu (with the language switch inside), and the key columns of the page's table
(a loan's status and what is still owed, a subject's status, the "đạt" of the dashboard) are
on screen without scrolling sideways: each row is a card whose cells carry their column's name.
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect
from test_browser_evaluation import open_as

from edupact.accounts.models import Role, RoleGrant
from edupact.directory.models import Organisation
from edupact.funds.models import Fund, FundAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
CONTENT_TOP = 120  # px: the page's heading starts within this


@pytest.fixture
def demo(db):
    call_command("demo", size="small", stdout=StringIO())
    users = get_user_model().objects.in_bulk(
        ["member", "kanoon", "khuyenhoc"], field_name="username"
    )
    # The demo has no hamlet branch's user: one with that role on the branch that registered
    # the demo's first assessed subject.
    hamlet = Organisation.objects.filter(evaluation_subjects__isnull=False).first()
    assert hamlet is not None
    users["hamlet"] = get_user_model().objects.create_user("hamlet-phone", password="x")
    RoleGrant.objects.create(user=users["hamlet"], role=Role.HAMLET_BRANCH, organisation=hamlet)
    return users


def said(language, text):
    with translation.override(language):
        return translation.gettext(text)


def check_phone_page(page, language, columns):
    """The checks every phone page passes; ``columns``: the headings whose cells must show."""
    heading = page.locator("main h1")
    expect(heading).to_be_visible()
    assert heading.bounding_box()["y"] < CONTENT_TOP
    # The menu is folded: a button says so; it opens the navigation and the language switch.
    button = page.locator("[data-menu-toggle]")
    nav = page.locator("#site-menu nav")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav.locator("a").first).to_be_visible()
    expect(page.locator("#site-menu .lang-switch button[lang=vi]")).to_be_visible()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    # Nothing wider than the screen; the key cells inside it.
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for column in columns:
        cells = page.locator(f"main td[data-label='{said(language, column)}']")
        assert cells.count() > 0, column
        expect(cells.first).to_be_visible()
        box = cells.first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (column, box, width)
        # The column's name is shown beside the value (the heading row is hidden).
        label = cells.first.evaluate("c => getComputedStyle(c, '::before').content")
        assert said(language, column) in label


def test_the_member_reads_their_loans_on_a_phone(demo, page_as, live_server):
    account = FundAccount.objects.filter(person=demo["member"].person, kind="member").first()
    page = open_as(page_as, live_server, demo["member"], "fa")
    page.set_viewport_size(PHONE)
    page.goto(f"/funds/accounts/{account.pk}/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    check_phone_page(page, "fa", ["Status", "Outstanding"])
    # Right to left: the card's label sits at its right edge.
    cell = page.locator("main td[data-label]").first
    assert cell.evaluate("c => getComputedStyle(c).direction") == "rtl"


def test_the_kanoon_leader_reads_the_fund_on_a_phone(demo, page_as, live_server):
    fund = Fund.objects.filter(kanoon__grants__user=demo["kanoon"]).first()
    page = open_as(page_as, live_server, demo["kanoon"], "fa")
    page.set_viewport_size(PHONE)
    page.goto(fund.get_absolute_url())
    check_phone_page(page, "fa", ["Status", "Outstanding"])


def test_the_hamlet_branch_reads_its_subjects_on_a_phone(demo, page_as, live_server):
    page = open_as(page_as, live_server, demo["hamlet"], "vi")
    page.set_viewport_size(PHONE)
    page.goto("/evaluation/subjects/")
    check_phone_page(page, "vi", ["Name", "Place"])


def test_the_city_dashboard_on_a_phone(demo, page_as, live_server):
    page = open_as(page_as, live_server, demo["khuyenhoc"], "vi")
    page.set_viewport_size(PHONE)
    page.goto("/evaluation/dashboard/")
    check_phone_page(page, "vi", ["Status", "Target"])
    status = page.locator(f"main td[data-label='{said('vi', 'Status')}']")
    expect(status.filter(has_text="đạt").first).to_be_in_viewport()
