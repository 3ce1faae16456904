"""Pages that edit reference data: the framework editor (a framework in use becomes a new
version), local targets, indicator values typed in from other systems, and a commune's own
deadlines; per role, who sees (404 otherwise) and who may change (403 otherwise)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.core.scoping import Scope
from edupact.evaluation import services
from edupact.evaluation.models import (
    Assessment,
    Deadline,
    Framework,
    IndicatorValue,
    Subject,
    Target,
)

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)


def text(response) -> str:
    return response.content.decode()


def editor_form(framework, **changes) -> dict:
    """The editor's form as the page renders it, with ``changes`` applied."""
    data = services.exchange.to_data(framework)
    form = {
        "version": data["version"],
        "name": data["name"],
        "model": data["model"],
        "style": data["style"],
        "pass_total": data["pass_total"] or "",
        "min_indicator": data["min_indicator"] or "",
        "levels": ", ".join(str(x) for x in data["levels"]),
    }
    rows = []
    for c in data["criteria"]:
        rows.append({"criterion": c["code"], "name": c["name"]})
        for i in c["indicators"]:
            rows.append(
                {
                    "criterion": c["code"],
                    "indicator": i["code"],
                    "name": i["name"],
                    "kind": i["kind"],
                    "max": i["max"] if i["max"] is not None else "",
                }
            )
    rows = changes.pop("rows", rows)
    form |= changes
    form |= {"row-TOTAL_FORMS": len(rows), "row-INITIAL_FORMS": len(rows)}
    for n, row in enumerate(rows):
        form[f"row-{n}-ORDER"] = row.pop("ORDER", n + 1)
        form |= {f"row-{n}-{k}": v for k, v in row.items()}
    return form


def test_an_unused_framework_is_edited_in_place(places, client_as):  # noqa: F811
    admin = client_as(places.tree.users["platform_admin"], "en")
    f = places.framework
    url = f"/evaluation/frameworks/{f.pk}/edit/"
    page = text(admin.get(url))
    assert 'name="row-1-indicator" value="I1"' in page and "changed in place" in page
    rows = [
        {"criterion": "TC1", "name": "Học tập"},
        {"criterion": "TC1", "indicator": "I2", "name": "Đọc sách", "max": "5", "ORDER": 2},
        {"criterion": "TC1", "indicator": "I1", "name": "I1", "max": "10", "ORDER": 3},
    ]
    response = admin.post(url, editor_form(f, name="Hộ học tập (sửa)", rows=rows))
    assert response.status_code == 302 and response["Location"] == f"/evaluation/frameworks/{f.pk}/"
    f.refresh_from_db()
    assert f.name == "Hộ học tập (sửa)" and Framework.objects.count() == 1
    assert [i.code for i in f.indicators.order_by("position")] == ["I2", "I1"]
    assert f.criteria.get().name == "Học tập"


def test_every_error_is_shown_next_to_its_row_and_nothing_changes(places, client_as):  # noqa: F811
    admin = client_as(places.tree.users["platform_admin"], "en")
    f = places.framework
    before = services.exchange.to_data(f)
    rows = [
        {"criterion": "TC1", "name": "TC1"},
        {"criterion": "TC1", "indicator": "I1", "name": "I1", "max": "10"},
        {"criterion": "TC1", "indicator": "I1", "name": "again", "max": "3"},
        {"criterion": "TC9", "indicator": "I3", "name": "orphan", "max": "3"},
    ]
    page = text(admin.post(f"/evaluation/frameworks/{f.pk}/edit/", editor_form(f, rows=rows)))
    assert 'id="row-3-errors"' in page and "Add a row for criterion TC9" in page
    rows.pop()
    page = text(
        admin.post(f"/evaluation/frameworks/{f.pk}/edit/", editor_form(f, rows=rows, pass_total=99))
    )
    assert 'id="row-1-errors"' in page and "The indicator code is used twice." in page
    assert 'id="id_pass_total_error"' in page  # the header's error beside its field
    assert services.exchange.to_data(Framework.objects.get()) == before


def test_a_framework_in_use_is_saved_as_a_new_version(places, client_as):  # noqa: F811
    admin = client_as(places.tree.users["platform_admin"], "vi")
    f = places.framework
    subject = Subject.objects.create(
        kind="household", name="Hộ A", organisation=places.tree.hamlet_branch
    )
    used = services.record_assessment(EVERYTHING, subject, 2024, {"I1": 9}, framework=f)
    url = f"/evaluation/frameworks/{f.pk}/edit/"
    assert 'id="locked-note"' in text(admin.get(url))
    same_label = text(admin.post(url, editor_form(f, pass_total=9)))
    assert 'id="id_version_error"' in same_label and Framework.objects.count() == 1
    response = admin.post(url, editor_form(f, version="2", pass_total=9))
    new = Framework.objects.get(version="2")
    assert response["Location"] == f"/evaluation/frameworks/{new.pk}/"
    assert new.supersedes == f and new.pass_total == 9
    f.refresh_from_db()
    used.refresh_from_db()
    assert f.pass_total == 8 and used.framework == f  # the past does not change
    assert "2" in text(admin.get(response["Location"]))


def test_who_may_edit_a_framework(places, client_as):  # noqa: F811
    t = places.tree
    url = f"/evaluation/frameworks/{places.framework.pk}/edit/"
    official = client_as(t.users["commune_official"], "en")
    assert official.get(url).status_code == 403  # a national framework: administrators only
    assert "/edit/" not in text(official.get(f"/evaluation/frameworks/{places.framework.pk}/"))
    rubric = services.create_framework(
        EVERYTHING,
        services.exchange.to_data(places.framework) | {"code": "LOCAL", "version": "1"},
        owner=t.commune_branch,
    )
    local = f"/evaluation/frameworks/{rubric.pk}/edit/"
    assert official.get(local).status_code == 200  # the owner's official edits its rubric
    response = official.post(local, editor_form(rubric, name="Tiêu chí xã"))
    assert response.status_code == 302 and Framework.objects.get(pk=rubric.pk).name == "Tiêu chí xã"
    outsider = client_as(t.users["education_officer"], "en")
    assert outsider.get(local).status_code == 404
    reader = client_as(t.users["trainer"], "en")
    assert reader.post(url, editor_form(places.framework, name="x")).status_code == 403


def test_targets_listed_and_a_local_target_added(places, client_as):  # noqa: F811
    services.load_targets()
    t = places.tree
    official = client_as(t.users["commune_official"], "vi")
    listing = text(official.get("/evaluation/targets/", {"model": "household"}))
    assert "387/QĐ-TTg" in listing and "household.recognised" in listing
    assert "/evaluation/targets/new/" in listing
    form = {
        "indicator": "household.recognised",
        "model": "household",
        "name": "Kế hoạch phường",
        "year": 2025,
        "admin_unit": places.a.pk,
        "value": "75",
        "source": "KH 12/KH-UBND",
        "source_date": "15/02/2023",
    }
    outside = official.post("/evaluation/targets/new/", form | {"admin_unit": places.b.pk})
    assert outside.status_code == 200 and not Target.objects.filter(admin_unit__isnull=False)
    assert official.post("/evaluation/targets/new/", form | {"value": "120"}).status_code == 200
    response = official.post("/evaluation/targets/new/", form)
    target = Target.objects.get(admin_unit=places.a)
    assert response.status_code == 302 and target.value == 75
    assert target.source_date == dt.date(2023, 2, 15)
    again = text(official.post("/evaluation/targets/new/", form))
    assert Target.objects.filter(admin_unit=places.a).count() == 1 and "errorlist" in again
    assert "Kế hoạch phường" in text(official.get("/evaluation/targets/"))
    reader = client_as(t.users["trainer"], "en")
    assert reader.get("/evaluation/targets/").status_code == 200
    assert reader.get("/evaluation/targets/new/").status_code == 403
    assert reader.post("/evaluation/targets/new/", form).status_code == 403


def test_indicator_values_entered_and_the_share_recomputed(places, client_as):  # noqa: F811
    t = places.tree
    official = client_as(t.users["commune_official"], "en")
    services.record_indicator_value(EVERYTHING, "citizen.worker", 2024, 30, 100, places.a2)
    form = {"code": "citizen.worker", "year": 2024, "numerator": 45, "denominator": 50}
    bad = official.post(
        "/evaluation/indicator-values/new/",
        form | {"admin_unit": places.a1.pk, "numerator": 60, "source": "manual"},
    )
    assert bad.status_code == 200 and "numerator cannot be above" in text(bad)
    assert IndicatorValue.objects.count() == 1
    outside = official.post(
        "/evaluation/indicator-values/new/", form | {"admin_unit": places.b1.pk, "source": "manual"}
    )
    assert outside.status_code == 200 and IndicatorValue.objects.count() == 1
    response = official.post(
        "/evaluation/indicator-values/new/", form | {"admin_unit": places.a1.pk, "source": "manual"}
    )
    assert response.status_code == 302
    page = text(
        official.get(
            "/evaluation/indicator-values/",
            {"code": "citizen.worker", "year": 2024, "place": places.a.pk},
        )
    )
    assert "50 %" in page and "75 / 150" in page  # A = a1 (45/50) + a2 (30/100)
    assert "Khu phố 1" in page and "Khu phố 2" in page
    branch = client_as(t.users["hamlet_branch"], "en")
    assert branch.get("/evaluation/indicator-values/", {"place": places.b.pk}).status_code == 404
    listing = text(branch.get("/evaluation/indicator-values/"))
    assert "Khu phố 1" in listing and "Khu phố 2" not in listing  # only its own places
    reader = client_as(t.users["trainer"], "en")
    assert reader.get("/evaluation/indicator-values/new/").status_code == 403


def test_a_commune_edits_its_own_deadlines(places, client_as):  # noqa: F811
    t = places.tree
    official = client_as(t.users["commune_official"], "en")
    cycle = text(official.get(f"/evaluation/cycle/{places.a.pk}/2025/"))
    url = f"/evaluation/deadlines/{places.a.pk}/2025/"
    assert url in cycle and "Edit the commune's deadlines" in cycle
    page = text(official.get(url))
    assert 'name="review-due" value="15/12/2025"' in page
    form = {
        f"{s}-{k}": v
        for s, k, v in [
            ("registration", "due", "31/03/2025"),
            ("registration", "remind_days", 7),
            ("self_assessment", "due", "10/12/2025"),
            ("self_assessment", "remind_days", 7),
            ("review", "due", "20/12/2025"),
            ("review", "remind_days", 10),
            ("hamlet_approval", "due", "31/12/2025"),
            ("hamlet_approval", "remind_days", 7),
            ("dossier", "due", "14/01/2026"),
            ("dossier", "remind_days", 7),
            ("commune_approval", "due", "31/01/2026"),
            ("commune_approval", "remind_days", 7),
        ]
    }
    bad = official.post(url, form | {"dossier-due": "01/01/2030"})
    assert bad.status_code == 200 and "must fall in 2025" in text(bad)
    assert not Deadline.objects.exists()  # nothing stored, not even the valid change
    response = official.post(url, form)
    assert response.status_code == 302
    own = Deadline.objects.get()
    assert (own.step, own.admin_unit, own.due, own.remind_days) == (
        "review",
        places.a,
        dt.date(2025, 12, 20),
        10,
    )
    assert "this place&#x27;s own" in text(official.get(url))
    reader = client_as(t.users["trainer"], "en")
    assert 'name="review-due"' not in text(reader.get(url))
    assert reader.post(url, form).status_code == 403
    branch = client_as(t.users["hamlet_branch"], "en")
    assert branch.get(url).status_code == 404  # a hamlet does not see its commune's page
    assert official.get(f"/evaluation/deadlines/{places.a1.pk}/2025/").status_code == 404


def test_links_from_the_dashboard_and_the_menu(places, client_as):  # noqa: F811
    official = client_as(places.tree.users["commune_official"], "en")
    page = text(official.get("/evaluation/dashboard/"))
    assert "/evaluation/targets/" in page and "/evaluation/indicator-values/" in page
    assert Assessment.objects.count() == 0


class _Inputs(HTMLParser):
    """The values a browser would send back for the editor's form, untouched."""

    def __init__(self):
        super().__init__()
        self.data, self._field = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[a["name"]] = "on"
            else:
                self.data[a["name"]] = a.get("value") or ""
        elif tag in ("textarea", "select") and a.get("name"):
            self._field = (tag, a["name"])
            self.data.setdefault(a["name"], "")
        elif tag == "option" and self._field and "selected" in a:
            self.data[self._field[1]] = a.get("value", "")

    def handle_data(self, data):
        if self._field and self._field[0] == "textarea":
            self.data[self._field[1]] += data

    def handle_endtag(self, tag):
        if tag in ("textarea", "select"):
            self._field = None


def test_every_shipped_framework_round_trips_through_the_editor(tree, client_as):
    services.load_frameworks()
    services.load_frameworks(services.PLACEHOLDERS)
    admin = client_as(tree.users["platform_admin"], "fa")  # Jalali dates, Persian digits
    for f in Framework.objects.all():
        before = services.exchange.to_data(f)
        parser = _Inputs()
        parser.feed(text(admin.get(f"/evaluation/frameworks/{f.pk}/edit/")))
        parser.data.pop("csrfmiddlewaretoken", None)
        response = admin.post(f"/evaluation/frameworks/{f.pk}/edit/", parser.data)
        assert response.status_code == 302, (f.code, text(response)[:3000])
        assert services.exchange.to_data(Framework.objects.get(pk=f.pk)) == before, f.code
