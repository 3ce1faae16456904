"""Rotating fund journeys in real Chromium, in Persian, Vietnamese and English: a kanoon leader
opens the lottery fund, runs the month's draw with a published seed, and sees the winning code
and the pot split between the code's holders, with the seed and candidates to re-run it; a
commune branch does the same for its hụi, with exclusions. Months are named in the fund's
calendar, written the reader's way."""

import itertools

import pytest
from django.utils import translation
from test_browser_funds import LANGUAGES, open_as

from edupact.core.calendars import format_month
from edupact.core.draws import draw_order
from edupact.core.money import Money, format_money
from edupact.core.scoping import Scope
from edupact.core.text import reader_digits
from edupact.rotating import rules, selectors, services
from edupact.rotating.models import Draw, RotatingFund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERYTHING = Scope(everything=True)
_n = itertools.count()


@pytest.fixture
def fund(tree):
    """Three codes of 1,000,000 rials from Farvardin 1402, each held by two members: halves,
    a third and two thirds, a quarter and three quarters."""
    f = services.create_fund(
        EVERYTHING,
        RotatingFund(
            name=f"صندوق قرعه‌کشی مدرسه {next(_n)}",
            organisation=tree.kanoon,
            due=1_000_000,
            start_year=1402,
            start_month=1,
            codes_count=3,
            draw_day=15,
        ),
    )
    splits = {
        1: [(tree.member, 6), (tree.other_member, 6)],
        2: [(tree.kanoon_head, 4), (tree.member, 8)],
        3: [(tree.other_member, 3), (tree.kanoon_head, 9)],
    }
    for code in f.codes.all():
        services.assign_code(EVERYTHING, code, splits[code.number])
    f.splits = splits
    return f


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_leader_runs_the_months_draw(fund, tree, page_as, live_server, language):
    page = open_as(page_as, live_server, tree.users["kanoon_leader"], language)
    page.goto(fund.get_absolute_url())
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "fa" else "ltr")
    month = format_month(1402, 1, fund.calendar, language)
    assert month == ("فروردین ۱۴۰۲" if language == "fa" else "1402/01")
    assert month in page.inner_text("#dues thead")
    page.locator("#run-draw").click()
    page.wait_for_url(f"**/rotating/{fund.pk}/draw/")
    page.select_option("select[name=mode]", "automatic")
    page.fill("input[name=seed]", "1402-01-published")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector("ul.messages li")

    draw = Draw.objects.get(fund=fund)
    winner = int(draw_order("1402-01-published", ["1", "2", "3"])[0])
    assert draw.code.number == winner and draw.month == 1
    card = page.locator("#draw-1")
    assert reader_digits(winner, language) in card.locator("h3").inner_text()
    assert "1402-01-published" in card.inner_text()
    rows = card.locator("table.payouts tbody tr")
    holders = fund.splits[winner]
    parts = rules.split_pot(3_000_000, [k for _, k in holders], 12)
    assert rows.count() == 2
    with translation.override(language):
        for i, ((person, _), amount) in enumerate(zip(holders, parts, strict=True)):
            text = rows.nth(i).inner_text()
            assert person.family_name in text
            assert format_money(Money(amount, "IRR"), language) in text
    assert sum(parts) == 3_000_000
    # The winning code is marked in the codes table; the next draw is month 2.
    assert selectors.next_month(fund) == 2


@pytest.fixture
def vn_fund(tree):
    """A Vietnamese hụi of the commune branch: three codes of 2,000,000 đồng from January 2024,
    drawn on the 10th; code 2 held by halves."""
    f = services.create_fund(
        EVERYTHING,
        RotatingFund(
            name=f"Hụi giáo viên ấp 3 {next(_n)}",
            organisation=tree.commune_branch,
            currency="VND",
            calendar="gregorian",
            due=2_000_000,
            start_year=2024,
            start_month=1,
            codes_count=3,
            draw_day=10,
        ),
    )
    splits = {
        1: [(tree.commune_head, 12)],
        2: [(tree.hamlet_head, 6), (tree.vn_teacher, 6)],
        3: [(tree.vn_teacher, 12)],
    }
    for code in f.codes.all():
        services.assign_code(EVERYTHING, code, splits[code.number])
    f.splits = splits
    return f


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_commune_runs_the_hui_draw_with_exclusions(
    vn_fund, tree, page_as, live_server, language
):
    """The commune branch runs a draw with exclusions: the pot goes to a code still in the
    draw, split in đồng between its holders, and the page says so in the reader's language
    (a Gregorian month, in Persian digits for a Persian reader)."""
    page = open_as(page_as, live_server, tree.users["commune_official"], language)
    page.goto(vn_fund.get_absolute_url())
    assert page.evaluate("document.documentElement.lang") == language
    month = format_month(2024, 1, vn_fund.calendar, language)
    assert month == {"vi": "01/2024", "en": "Jan 2024", "fa": "۲۰۲۴/۰۱"}[language]
    assert month in page.inner_text("#dues thead")
    page.locator("#run-draw").click()
    page.wait_for_url(f"**/rotating/{vn_fund.pk}/draw/")
    page.select_option("select[name=mode]", "semi_automatic")
    page.fill("input[name=seed]", "2024-01-cong-bo")
    page.fill("textarea[name=exclusions]", "3: nợ đóng hụi")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector("ul.messages li")

    draw = Draw.objects.get(fund=vn_fund)
    winner = int(draw_order("2024-01-cong-bo", ["1", "2"])[0])
    assert draw.code.number == winner and draw.excluded == [{"code": 3, "reason": "nợ đóng hụi"}]
    card = page.locator("#draw-1")
    assert reader_digits(winner, language) in card.locator("h3").inner_text()
    assert "nợ đóng hụi" in card.inner_text() and "2024-01-cong-bo" in card.inner_text()
    holders = vn_fund.splits[winner]
    parts = rules.split_pot(6_000_000, [k for _, k in holders], 12)
    rows = card.locator("table.payouts tbody tr")
    assert rows.count() == len(holders)
    with translation.override(language):
        for i, ((person, _), amount) in enumerate(zip(holders, parts, strict=True)):
            text = rows.nth(i).inner_text()
            assert person.family_name in text
            assert format_money(Money(amount, "VND"), language) in text
        assert translation.gettext("Draws") in page.inner_text("main")


def test_a_leader_forms_a_fund_with_its_holders(tree, page_as, live_server):
    """The kanoon leader forms a three-code fund: a dry run first, then the fund page lists
    every code with its holders."""
    page = open_as(page_as, live_server, tree.users["kanoon_leader"], "en")
    page.goto("/rotating/")
    page.locator("#form-fund").click()
    page.wait_for_url("**/rotating/new/")
    page.fill("input[name=name]", "Staff lottery fund")
    page.select_option("select[name=organisation]", str(tree.kanoon.pk))
    page.fill("input[name=due]", "50,000,000")
    page.fill("input[name=start]", "1403/07")
    page.fill("input[name=codes_count]", "3")
    page.fill("input[name=draw_day]", "15")
    page.fill(
        "textarea[name=holders]",
        f"1, {tree.member.national_id}, 12\n"
        f"2, {tree.other_member.national_id}, 1/2\n"
        f"2, {tree.kanoon_head.national_id}, 6\n"
        f"3, {tree.kanoon_head.national_id}, 10\n",
    )
    page.check("input[name=dry_run]")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector("#row-errors")
    assert "Line 4" in page.inner_text("#row-errors")
    assert "add up to 10, not 12" in page.inner_text("#row-errors")
    assert not RotatingFund.objects.filter(name="Staff lottery fund").exists()

    page.fill(
        "textarea[name=holders]",
        f"1, {tree.member.national_id}, 12\n"
        f"2, {tree.other_member.national_id}, 1/2\n"
        f"2, {tree.kanoon_head.national_id}, 6\n"
        f"3, {tree.kanoon_head.national_id}, 12\n",
    )
    page.uncheck("input[name=dry_run]")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector("ul.messages li")
    fund = RotatingFund.objects.get(name="Staff lottery fund")
    assert page.url.endswith(fund.get_absolute_url())
    codes = page.locator("#codes tbody tr")
    assert codes.count() == 3
    assert "Ebrahimi" in codes.nth(1).inner_text() and "Kazemi" in codes.nth(1).inner_text()
    assert fund.due == 50_000_000 and (fund.start_year, fund.start_month) == (1403, 7)
