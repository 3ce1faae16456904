"""Evaluation journeys in real Chromium, in Vietnamese, English and Persian: the commune issues a
recognition decision for the households that meet the criteria and downloads a certificate;
the city dashboard shows a commune below its target."""

import datetime as dt

import pytest
from django.utils import translation
from test_evaluation_rollups import add, assess, places  # noqa: F401 — the shared fixture

from edupact.core.calendars import Calendar, format_date
from edupact.core.money import format_number
from edupact.core.preferences import default_calendar
from edupact.core.text import isolate
from edupact.evaluation import rollups, services
from edupact.evaluation.models import Assessment, RecognitionDecision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOCALES = {"vi": "vi-VN", "en": "en-US", "fa": "fa-IR"}
LANGUAGES = ["vi", "en", "fa"]
PENDING = Assessment.Status.PROPOSED  # by the hamlet's review meeting
SIGNER_NAME = "Nguyễn Văn Hùng"
SIGNER_TITLE = "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH"


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


def typed(day: dt.date, language: str) -> str:
    """``day`` as a reader of ``language`` types it: ۱۴۰۲/۰۱/۲۲ (Jalali, Persian digits) in
    Persian, 11/04/2023 otherwise."""
    if default_calendar(language) == Calendar.JALALI:
        return format_date(day, Calendar.JALALI, "fa")
    return day.strftime("%d/%m/%Y")


def shown(day: dt.date, language: str, style: str = "short") -> str:
    """``day`` as the pages show it to a reader of ``language`` with no calendar chosen."""
    return format_date(day, default_calendar(language), language, style)


@pytest.fixture
def cycle(places):  # noqa: F811
    """In hamlet a1 of commune A: two passing households and a failing one, all awaiting a
    decision for 2022."""
    p = places
    p.ba = assess(p, add(p, place=p.a1, name="Hộ ông Võ Văn Ba"), 2022, status=PENDING)
    p.tu = assess(p, add(p, place=p.a1, name="Hộ bà Lê Thị Tư"), 2022, status=PENDING)
    p.nam = assess(p, add(p, place=p.a1, name="Hộ ông Trần Năm"), 2022, meets=False, status=PENDING)
    return p


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_commune_issues_a_decision_and_prints_a_certificate(
    cycle, page_as, live_server, language
):
    p = cycle
    page = open_as(page_as, live_server, p.tree.users["commune_official"], language)
    page.goto("/evaluation/decisions/new/")
    assert page.evaluate("document.documentElement.lang") == language
    page.select_option("select#year", "2022")
    page.select_option("select#model", "household")
    page.locator("form.toolbar button[type=submit]").click()
    page.wait_for_url("**year=2022**")

    awaiting = page.locator("#awaiting")
    assert awaiting.get_by_text("Hộ ông Võ Văn Ba").count() == 1
    assert awaiting.get_by_text("Hộ bà Lê Thị Tư").count() == 1
    assert awaiting.get_by_text("Hộ ông Trần Năm").count() == 0  # fails the criteria
    assert page.is_checked(f"#a{p.ba.pk}") and page.is_checked(f"#a{p.tu.pk}")

    page.fill("#id_number", "125/QĐ-UBND")
    page.fill("#id_date", typed(dt.date(2023, 4, 11), language))
    page.fill("#id_signer_title", SIGNER_TITLE)
    page.fill("#id_signer_name", SIGNER_NAME)
    page.locator("form[method=post] button.primary").click()
    page.wait_for_url("**/evaluation/decisions/*/")

    decision = RecognitionDecision.objects.get()
    assert page.url.endswith(decision.get_absolute_url())
    # A document number keeps its own digits on the page, isolated from the sentence around it.
    assert "125/QĐ-UBND" in page.inner_text("h1")
    assert page.locator('h1 bdi[dir="ltr"]').inner_text() == "125/QĐ-UBND"
    number = isolate("125/QĐ-UBND")  # the message keeps it as written, between isolates
    facts = page.inner_text(".facts")
    long_date = shown(dt.date(2023, 4, 11), language, "long")
    worked = {"vi": "ngày 11 tháng 4 năm 2023", "en": "11 April 2023", "fa": "۲۲ فروردین ۱۴۰۲"}
    assert long_date == worked[language]
    assert long_date in facts and SIGNER_NAME in facts and SIGNER_TITLE in facts
    with translation.override(language):
        recognises = translation.ngettext(
            "Decision %(number)s recognises %(count)s subject.",
            "Decision %(number)s recognises %(count)s subjects.",
            2,
        ) % {"number": number, "count": format_number(2, language)}
    assert recognises in page.inner_text("ul.messages")
    rows = page.locator("#recognised tbody tr")
    assert rows.count() == 2
    assert page.locator("#recognised").get_by_text("Hộ ông Võ Văn Ba").count() == 1

    link = page.locator(f"#recognised a[href$='/certificates/{p.ba.pk}.pdf']")
    assert link.is_visible()
    response = page.request.get(link.get_attribute("href"), timeout=60_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


@pytest.fixture
def counted(places):  # noqa: F811
    """Commune A: 7 of 10 households recognised (met); commune B: 5 of 10 (below)."""
    for i in range(10):
        assess(places, add(places, place=places.a1), 2025, meets=i < 7)
        assess(places, add(places, place=places.b1), 2025, meets=i < 5)
    services.load_targets()
    rollups.refresh()
    return places


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_city_dashboard_shows_a_commune_below_target(counted, page_as, live_server, language):
    page = open_as(page_as, live_server, counted.tree.users["platform_admin"], language)
    page.goto("/evaluation/dashboard/")
    assert page.evaluate("document.documentElement.lang") == language
    ranking = page.locator("#ranking")
    below = ranking.locator("tbody tr", has_text="Xã Bình Chánh")
    assert below.count() == 1
    light = below.locator(".light-below")
    assert light.is_visible()
    with translation.override(language):
        below_label = translation.gettext("below target")
    assert below_label in light.inner_text()
    # The laggard comes first; the commune that met its target shows the other light.
    assert "Xã Bình Chánh" in ranking.locator("tbody tr").first.inner_text()
    met = ranking.locator("tbody tr", has_text="Phường An Khánh")
    assert met.locator(".light-met").is_visible()
    assert met.locator(".light-below").count() == 0
    # The light sits next to the name, on the same row.
    name_box = below.get_by_role("link", name="Xã Bình Chánh").bounding_box()
    light_box = light.bounding_box()
    assert abs(
        (name_box["y"] + name_box["height"] / 2) - (light_box["y"] + light_box["height"] / 2)
    ) < max(name_box["height"], light_box["height"])
