"""What a keyboard and screen-reader user meets on every page, in real Chromium: the skip link
comes first and leads to the content; a failed form puts the focus on its error summary, whose
links move the focus into the field; a live search announces its new result count in the
page's status region; on a wide screen the menu is simply open (no menu button)."""

import pytest
from django.utils import translation
from playwright.sync_api import expect
from test_browser_evaluation import open_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def said(language, text, **values):
    with translation.override(language):
        return translation.gettext(text) % values if values else translation.gettext(text)


@pytest.mark.parametrize("language", ["fa", "vi"])
def test_skip_link_error_summary_and_live_search(tree, page_as, live_server, language):
    page = open_as(page_as, live_server, tree.users["education_officer"], language)
    page.goto("/directory/people/")
    # A wide screen: the menu is open and there is no menu button.
    expect(page.locator("#site-menu nav a").first).to_be_visible()
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    # The first Tab reaches the skip link, shown while focused; it leads into <main>.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text(said(language, "Skip to the content"))
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()

    # The live search: the status region says how many people match, once htmx swapped them in.
    status = page.locator("#live-status")
    expect(status).to_have_attribute("role", "status")
    with page.expect_response(lambda r: "q=" in r.url):
        page.fill("#q", "Moradi")
    one = said(language, "%(count)s result", count="۱" if language == "fa" else "1")
    expect(status).to_have_text(one)

    # A failed form: the focus is on the summary, and its link moves it into the field.
    page.goto("/directory/people/new/")
    form = page.locator("main form[method=post]")
    form.evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("h2")).to_have_text(said(language, "There is a problem"))
    link = summary.locator("a").first
    target = link.get_attribute("href")[1:]
    link.click()
    expect(page.locator(f"[id='{target}']")).to_be_focused()
    field = page.locator(f"[id='{target}']")
    expect(field).to_have_attribute("aria-invalid", "true")
    for described in field.get_attribute("aria-describedby").split():
        expect(page.locator(f"[id='{described}']")).to_have_count(1)
