"""Bulk entry and the yearly cycle in real Chromium, in Vietnamese, English and Persian: a
hamlet branch downloads its template, uploads it with an error (the row and column are
shown, nothing is imported), then a dry run and the import; the commune approves the
hamlet's year, which locks it."""

import io

import pytest
from openpyxl import load_workbook
from test_browser_evaluation import LANGUAGES, open_as
from test_evaluation_rollups import add, places  # noqa: F401 — the shared fixture

from edupact.core.money import format_number
from edupact.evaluation.models import Assessment, YearApproval

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = 2024


@pytest.fixture
def hamlet(places):  # noqa: F811
    p = places
    for n, name in enumerate(("Hộ ông Võ Văn Ba", "Hộ bà Lê Thị Tư"), start=1):
        s = add(p, place=p.a1, name=name)
        s.code = f"A1-{n:03d}"
        s.save()
    return p


def _filled(path, values) -> bytes:
    book = load_workbook(path)
    for row, value in enumerate(values, start=2):
        book.worksheets[0].cell(row=row, column=5, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("language", LANGUAGES)
def test_bulk_entry_then_the_commune_approves_the_hamlet(
    hamlet, page_as, live_server, language, tmp_path
):
    p = hamlet
    page = open_as(page_as, live_server, p.tree.users["hamlet_branch"], language)
    page.goto("/evaluation/bulk-entry/")
    assert page.evaluate("document.documentElement.lang") == language
    template = page.locator("#template-form")
    template.locator("select[name=unit]").select_option(str(p.a1.pk))
    template.locator("select[name=year]").select_option(str(YEAR))
    with page.expect_download() as download:
        template.locator("button[type=submit]").click()
    path = tmp_path / "template.xlsx"
    download.value.save_as(path)

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_filled(path, [9, 12]))
    form = page.locator("#import-form")
    form.locator("select[name=year]").select_option(str(YEAR))
    form.locator("input[type=file]").set_input_files(str(bad))
    form.locator("button[type=submit]").click()
    errors = page.locator("table#errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").nth(1).inner_text() == "I1"
    assert not Assessment.objects.exists()

    good = tmp_path / "good.xlsx"
    good.write_bytes(_filled(path, [9, 2]))
    form = page.locator("#import-form")
    form.locator("select[name=year]").select_option(str(YEAR))
    form.locator("input[type=file]").set_input_files(str(good))
    form.locator("button[type=submit]").click()  # the dry run is ticked by default
    assert page.locator("#recognised-count").inner_text() == format_number(1, language)
    assert page.locator("table#preview tbody tr").count() == 2
    assert not Assessment.objects.exists()
    form = page.locator("#import-form")
    form.locator("select[name=year]").select_option(str(YEAR))
    form.locator("input[type=file]").set_input_files(str(good))
    form.locator("input[name=dry_run]").uncheck()
    form.locator("button[type=submit]").click()
    page.locator("#report").wait_for()
    assert Assessment.objects.filter(year=YEAR).count() == 2

    Assessment.objects.update(status=Assessment.Status.REVIEWED)  # the bình xét was held
    commune = open_as(page_as, live_server, p.tree.users["commune_official"], language)
    commune.goto(f"/evaluation/cycle/{p.a.pk}/{YEAR}/")
    row = commune.locator(f"tr[data-hamlet='{p.a1.pk}']")
    assert row.locator("td").nth(1).inner_text() == format_number(2, language)
    row.locator("button.primary").click()
    commune.locator(f"tr[data-hamlet='{p.a1.pk}'] input[name=reason]").wait_for()
    assert YearApproval.objects.get(admin_unit=p.a1, year=YEAR).state == "approved"
