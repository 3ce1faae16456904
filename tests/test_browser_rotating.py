"""Rotating fund journey in real Chromium (fa and en): a kanoon leader opens the lottery fund,
runs the month's draw with a published seed, and sees the winning code and the pot split
between the code's holders, with the seed and candidates to re-run it."""

import itertools

import pytest
from django.utils import translation
from test_browser_funds import open_as

from edupact.core.draws import draw_order
from edupact.core.money import Money, format_money
from edupact.core.scoping import Scope
from edupact.core.text import persian_digits
from edupact.rotating import rules, services
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


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_leader_runs_the_months_draw(fund, tree, page_as, live_server, language):
    page = open_as(page_as, live_server, tree.users["kanoon_leader"], language)
    page.goto(fund.get_absolute_url())
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "fa" else "ltr")
    month = "فروردین ۱۴۰۲" if language == "fa" else "1402/01"
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
    number = persian_digits(str(winner)) if language == "fa" else str(winner)
    assert number in card.locator("h3").inner_text()
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
    assert services.next_month(fund) == 2
