"""The Content-Security-Policy holds in real Chromium: every role's main pages, in Persian and
Vietnamese, log no violation (no inline script, inline style or eval anywhere, htmx included),
the year selector works from ``edupact.js``, and the API docs render from local files only."""

import re
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation is logged by Chromium ("Refused to … because it violates the following
# Content Security Policy directive"); the event is reported too, in case a message changes.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
});
"""
ROLES = ["admin", "secretariat", "district9", "banker", "kanoon", "member", "hcmc", "khuyenhoc",
         "commune"]  # fmt: skip
SKIP = re.compile(r"format=|export=|\.(xlsx|csv|pdf)$|/download|/evidence/|logout|/admin/")


class Watch:
    """A signed-in page in a language that records every CSP violation with its address."""

    def __init__(self, page_as, live_server, user, language):
        self.page = page_as(user, locale={"fa": "fa-IR", "vi": "vi-VN"}[language])
        host = urlparse(live_server.url).hostname
        self.page.context.add_cookies(
            [{"name": "edupact_language", "value": language, "domain": host, "path": "/"}]
        )
        self.page.add_init_script(REPORT_VIOLATIONS)
        self.base = live_server.url
        self.violations: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert "content-security-policy" in response.headers

    def links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            selector, "els => els.map(e => e.getAttribute('href'))"
        )
        return [h for h in hrefs if h and h.startswith("/") and not SKIP.search(h)]


@pytest.fixture
def demo(db):
    call_command("demo", size="small", stdout=StringIO())


def _search(watch: Watch) -> None:
    """Type into a list's search box: htmx swaps the results in (and shows its indicator)."""
    box = watch.page.locator("form[hx-get] input[name=q]")
    if box.count():
        with watch.page.expect_response(lambda r: "q=" in r.url):
            box.first.fill("a")
        watch.page.locator("#results").wait_for()


def test_no_page_of_any_role_logs_a_csp_violation_in_persian_or_vietnamese(
    demo, page_as, live_server
):
    users = get_user_model().objects.in_bulk(ROLES, field_name="username")
    assert sorted(users) == sorted(ROLES)
    visited, searched = set(), set()
    for language in ("fa", "vi"):
        kinds: set[str] = set()  # one detail page of each kind per language
        for role in ROLES:
            watch = Watch(page_as, live_server, users[role], language)
            watch.visit("/")
            assert watch.page.evaluate("document.documentElement.lang") == language
            details = {}
            for path in dict.fromkeys(watch.links("nav a")):
                watch.visit(path)
                if (language, path) not in searched:  # once per list and language
                    searched.add((language, path))
                    _search(watch)
                visited.add(path)
                for link in watch.links("main a"):
                    kind = re.sub(r"\d+", "N", urlparse(link).path)
                    if kind not in kinds:
                        kinds.add(kind)
                        details[kind] = link
            for link in details.values():
                watch.visit(link)
                visited.add(link)
            assert watch.violations == [], watch.violations
    assert len(visited) > 30, sorted(visited)
    _choose_another_year(Watch(page_as, live_server, users["khuyenhoc"], "vi"))


def _choose_another_year(watch: Watch) -> None:
    """The cycle page's year menu: choosing a year alone does not navigate (WCAG 3.2.2); its
    button opens that year's page through ``edupact.js`` (no onsubmit=)."""
    watch.visit("/evaluation/cycle/")
    watch.page.locator("main a[href*='/evaluation/cycle/']").first.click()
    watch.page.wait_for_load_state()
    form = watch.page.locator("form[data-navigate]")
    select = form.locator("select[name=year]")
    current = select.input_value()
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    other = next(v for v in options if v != current)
    before = watch.page.url
    select.select_option(other)
    watch.page.wait_for_timeout(300)
    assert watch.page.url == before
    with watch.page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert watch.page.url.rstrip("/").endswith(f"/{other}")
    assert watch.violations == []


def test_the_detector_sees_a_violation(tree, page_as, live_server):
    """The negative control: an inline script that a page would carry is refused and seen."""
    watch = Watch(page_as, live_server, tree.users["member"], "fa")
    watch.visit("/")
    watch.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    watch.page.wait_for_timeout(200)
    assert watch.page.evaluate("window.ran") is None
    assert any("script-src" in v for v in watch.violations), watch.violations


def test_the_api_docs_render_from_local_files_under_the_policy(tree, page_as, live_server):
    watch = Watch(page_as, live_server, tree.users["platform_admin"], "vi")
    requested = []
    watch.page.on("request", lambda r: requested.append(r.url))
    watch.visit("/api/v1/docs")
    watch.page.locator(".swagger-ui .opblock").first.wait_for()
    assert watch.page.locator(".swagger-ui .opblock").count() > 50
    assert {urlparse(u).netloc for u in requested if not u.startswith("data:")} == {
        urlparse(live_server.url).netloc
    }
    assert watch.violations == [], watch.violations
