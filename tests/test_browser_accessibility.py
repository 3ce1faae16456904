"""WCAG 2.1 AA in real Chromium, checked by axe-core over the small demo: every role's home page,
every page of each role's menu (funds, lottery funds, the learning society's dashboard, cycle,
subjects, frameworks and targets, the directory), one detail page of each kind linked from
them, and the main forms after a failed submission, in Persian, Vietnamese and English. No
page may have a critical or serious violation.

One browser context serves the whole run (its cookies switch the user and the language); axe
is served from the page's own origin, so the production Content-Security-Policy stays on.
``EDUPACT_AXE_REPORT=file`` also writes every page's violations (any impact) to ``file``.
"""

import json
import os
import re
from io import StringIO
from urllib.parse import urlparse

import pytest
from accessibility import audit, blocking, describe, serve_axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["fa", "vi", "en"]
LOCALES = {"fa": "fa-IR", "vi": "vi-VN", "en": "en-US"}
# Every demo role (see `edupact demo`): Tehran's in Persian, Ho Chi Minh City's in Vietnamese,
# but each is audited in all three languages.
ROLES = ["admin", "secretariat", "district9", "banker", "kanoon", "member", "hcmc", "khuyenhoc",
         "commune"]  # fmt: skip
SKIP = re.compile(
    r"format=|export|\.(xlsx|csv|pdf|json)$|/download|/evidence/|logout|/admin/|/api/|/i18n/"
)
# The forms audited in their error state: who fills them and where. Each is sent with its
# required fields empty (the browser's own check turned off for that) and must come back with
# its errors shown.
FORMS = [
    ("member", "request_loan"),
    ("kanoon", "deposit"),
    ("kanoon", "/funds/{fund}/products/new/"),
    ("kanoon", "/rotating/new/"),
    ("district9", "/directory/people/new/"),
    ("district9", "/directory/organisations/new/"),
    ("khuyenhoc", "/evaluation/targets/new/"),
    ("khuyenhoc", "/evaluation/subjects/new/"),
    ("khuyenhoc", "/evaluation/meetings/new/"),
]


# Pages of one role's own work that its menu only leads to through others: audited too.
OWN_PAGES = [
    ("member", "/funds/accounts/{account}/"),
    ("kanoon", "/funds/{fund}/allocation/"),
    ("kanoon", "/funds/{fund}/allocate/"),
    ("kanoon", "/funds/{fund}/import/"),
    ("khuyenhoc", "/evaluation/dashboard/"),
    ("commune", "/evaluation/cycle/"),
]


def form_addresses(users, pages=FORMS) -> list[tuple[str, str]]:
    """``pages`` with the demo's own fund and the member's own account filled in."""
    from edupact.funds.models import Fund, FundAccount

    fund = Fund.objects.filter(kanoon__grants__user=users["kanoon"]).first()
    account = FundAccount.objects.filter(person=users["member"].person, kind="member").first()
    assert fund is not None and account is not None
    named = {
        "request_loan": f"/funds/accounts/{account.pk}/request-loan/",
        "deposit": f"/funds/{fund.pk}/deposit/",
    }
    return [
        (who, named.get(path) or path.format(fund=fund.pk, account=account.pk))
        for who, path in pages
    ]


@pytest.fixture
def demo(db):
    call_command("demo", size="small", stdout=StringIO())


class Auditor:
    """One context for the whole run; ``as_user`` switches who is signed in and the language."""

    def __init__(self, new_context, live_server):
        self.context = new_context()
        serve_axe(self.context)
        self.page = self.context.new_page()
        self.base = live_server.url
        self.host = urlparse(live_server.url).hostname
        self.report: dict[str, list[dict]] = {}
        self.failures: list[str] = []

    def as_user(self, user, language: str) -> None:
        self.context.clear_cookies()
        cookies = [{"name": "edupact_language", "value": language}]
        if user is not None:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            value = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": value})
        self.context.add_cookies([{**c, "domain": self.host, "path": "/"} for c in cookies])
        self.language = language
        self.who = user.username if user else "anonymous"

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (
            self.who,
            path,
            response and response.status,
        )
        assert self.page.evaluate("document.documentElement.lang") == self.language

    def check(self, label: str) -> None:
        found = audit(self.page)
        where = f"{self.language} {label}"
        self.report[where] = found
        self.failures += describe(where, blocking(found))

    def links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            selector, "els => els.map(e => e.getAttribute('href'))"
        )
        return [h for h in dict.fromkeys(hrefs) if h and h.startswith("/") and not SKIP.search(h)]


def test_no_main_page_or_failed_form_has_a_serious_accessibility_violation(
    demo, new_context, live_server
):
    users = get_user_model().objects.in_bulk(ROLES, field_name="username")
    assert sorted(users) == sorted(ROLES)
    forms = form_addresses(users)
    own_pages = form_addresses(users, OWN_PAGES)
    auditor = Auditor(new_context, live_server)
    for language in LANGUAGES:
        audited: set[str] = set()
        kinds: set[str] = set()
        auditor.as_user(None, language)
        auditor.visit("/accounts/login/")
        auditor.check("anonymous /accounts/login/")
        for role in ROLES:
            auditor.as_user(users[role], language)
            auditor.visit("/")
            auditor.check(f"{role} /")
            details: dict[str, str] = {}
            for path in auditor.links("nav a"):
                if path in audited:
                    continue
                audited.add(path)
                auditor.visit(path)
                auditor.check(f"{role} {path}")
                for link in auditor.links("main a"):
                    kind = re.sub(r"\d+", "N", urlparse(link).path)
                    if kind not in kinds:
                        kinds.add(kind)
                        details[kind] = link
            for who, path in own_pages:
                if who == role:
                    auditor.visit(path)
                    auditor.check(f"{role} {path}")
            for link in details.values():
                auditor.visit(link)
                auditor.check(f"{role} {link}")
        assert len(audited) >= 12, sorted(audited)
        for who, path in forms:
            auditor.as_user(users[who], language)
            _fail(auditor, path)
            auditor.check(f"{who} {path} (errors)")
        _fail_login(auditor, language)
    if path := os.environ.get("EDUPACT_AXE_REPORT"):
        with open(path, "w", encoding="utf-8") as out:
            json.dump(auditor.report, out, ensure_ascii=False, indent=1)
    assert auditor.failures == [], "\n".join(auditor.failures)


def _fail(auditor: Auditor, path: str) -> None:
    """Send the page's main form with the browser's own checks off, as it stands."""
    auditor.visit(path)
    form = (
        auditor.page.locator("main form[method=post]")
        .filter(has=auditor.page.locator("button[type=submit], button:not([type])"))
        .last
    )
    form.evaluate("f => { f.noValidate = true; }")
    with auditor.page.expect_navigation():
        form.locator("button[type=submit], button:not([type])").last.click()
    expect(auditor.page.locator("main .errorlist").first).to_be_visible()


def _fail_login(auditor: Auditor, language: str) -> None:
    auditor.as_user(None, language)
    auditor.visit("/accounts/login/")
    auditor.page.fill("input[name=username]", "nobody")
    auditor.page.fill("input[name=password]", "wrong")
    with auditor.page.expect_navigation():
        auditor.page.locator("main form button[type=submit]").click()
    expect(auditor.page.locator("main .errorlist").first).to_be_visible()
    auditor.check("anonymous /accounts/login/ (errors)")
