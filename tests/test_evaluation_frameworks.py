"""Frameworks as versioned data: the shipped set, versioning, JSON and XLSX import/export."""

import copy
import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.directory.models import AdminUnit
from edupact.evaluation import exchange, scoring, selectors, services
from edupact.evaluation.models import Framework, Indicator

EVERYTHING = Scope(everything=True)

pytestmark = pytest.mark.django_db


def shipped(code: str) -> dict:
    return next(f for f in services.shipped_frameworks() if f["code"] == code)


@pytest.fixture
def loaded():
    services.load_frameworks()
    return {f.code: f for f in Framework.objects.all()}


def place_at_a_commune(organisation) -> None:
    """Local rubrics belong to an organisation of a province or a commune: place it in one."""
    organisation.admin_unit = AdminUnit.objects.create(
        country="VN", level=AdminUnit.Level.COMMUNE, name="Xã Bình Chánh", code="27595"
    )
    organisation.save()


def small(**changes) -> dict:
    data = {
        "code": "TEST",
        "version": "1",
        "name": "Bộ thử",
        "model": "household",
        "style": "points",
        "pass_total": 15,
        "min_indicator": 2,
        "criteria": [
            {
                "code": "TC1",
                "name": "Tiêu chí 1",
                "indicators": [
                    {"code": "TC1.1", "name": "Chỉ số 1", "max": 10},
                    {"code": "TC1.2", "name": "Chỉ số 2", "max": 10},
                ],
            }
        ],
    }
    data.update(changes)
    return data


# The shipped set ---------------------------------------------------------------------------------


def test_load_frameworks_is_idempotent():
    first = services.load_frameworks()
    assert first["created"] == 6
    audit_rows = AuditEntry.objects.count()
    second = services.load_frameworks()
    assert second == {"created": 0, "updated": 0, "revised": 0, "unchanged": 6, "kept": 0}
    assert Framework.objects.count() == 6
    assert AuditEntry.objects.count() == audit_rows  # nothing rewritten


def test_load_frameworks_command():
    out = StringIO()
    call_command("evaluation", "load-frameworks", stdout=out)
    assert "6 created" in out.getvalue()
    out = StringIO()
    call_command("evaluation", "load-frameworks", stdout=out)
    assert "0 created" in out.getvalue() and "6 unchanged" in out.getvalue()


def test_learning_citizen(loaded):
    cdht = loaded["CDHT"]
    assert cdht.model == "citizen"
    assert cdht.legal_reference == "324/QĐ-KHVN"
    assert cdht.pass_total == 80 and cdht.min_indicator == 5
    assert sum(i.max for i in cdht.indicators.all()) == 100
    assert cdht.name_in("en") == "Criteria for assessing and recognising Learning Citizens"


def test_household_2016_2020_structure(loaded):
    gdht = loaded["GDHT"]
    assert gdht.legal_reference == "448/QĐ-KHVN"
    assert (gdht.valid_from, gdht.valid_to) == (dt.date(2016, 1, 1), dt.date(2021, 1, 1))
    criteria = selectors.criteria_with_indicators(gdht)
    assert [(c.code, c.max, c.placeholder) for c in criteria] == [
        ("TC1", 30, False),
        ("TC2", 30, False),
        ("TC3", 40, True),
    ]
    assert [i.max for i in criteria[0].indicator_list] == [10, 10, 10]
    assert not any(i.placeholder for i in criteria[0].indicator_list)
    assert all(i.placeholder for i in criteria[2].indicator_list)
    assert "pass_total" in gdht.unconfirmed
    assert gdht.has_placeholders


def test_unit_levels_of_circular_24(loaded):
    dvht, school = loaded["DVHT"], loaded["DVHT-TRUONG"]
    assert dvht.legal_reference == "24/2023/TT-BGDĐT"
    assert dvht.levels == [1, 2]
    share = dvht.indicators.get(code="TC1.1")
    assert share.kind == "percent" and share.thresholds == {"1": 90, "2": 95}
    assert share.derived_from
    assert school.indicators.get(code="TC1.1").thresholds == {"1": 95, "2": 97}
    booleans = dvht.indicators.filter(kind="boolean")
    assert booleans.count() == 4 and all(b.placeholder for b in booleans)


def test_commune_community_levels(loaded):
    commune = loaded["CONGDONG-XA"]
    assert commune.model == "commune"
    assert commune.levels == [1, 2, 3]
    assert commune.valid_from == dt.date(2024, 2, 12)
    assert commune.legal_date == dt.date(2023, 12, 27)
    assert commune.legal_reference == "TT-BGDĐT"  # number not confirmed
    assert "legal_basis.number" in commune.unconfirmed


@pytest.mark.parametrize("code", ["CDHT", "GDHT", "DVHT", "DVHT-TRUONG", "CONGDONG-XA", "TTHTCD"])
def test_stored_frameworks_export_what_was_loaded(loaded, code):
    assert exchange.to_data(loaded[code]) == exchange.canonical(shipped(code))


def test_an_exported_framework_scores_like_the_file(loaded):
    answers = {
        "TC1.1": 15,
        "TC1.2": 15,
        "TC1.3": 10,
        "TC2.1": 10,
        "TC2.2": 10,
        "TC3.1": 10,
        "TC3.2": 5,
        "TC3.3": 5,
    }
    from_db = scoring.score(exchange.to_data(loaded["CDHT"]), answers)
    from_file = scoring.score(shipped("CDHT"), answers)
    assert from_db == from_file
    assert from_db["total"] == 80 and from_db["recognised"] is True


def test_bands_of_the_learning_centre_rubric(loaded):
    data = exchange.to_data(loaded["TTHTCD"])
    answers = {i["code"]: 0 for c in data["criteria"] for i in c["indicators"]}
    assert scoring.score(data, answers)["band"]["code"] == "chua-dat"
    tops = {i["code"]: i["max"] for c in data["criteria"] for i in c["indicators"]}
    assert scoring.score(data, tops)["band"]["name"] == "Tốt"


# Versioning --------------------------------------------------------------------------------------


def test_an_unused_framework_is_edited_in_place():
    fw = services.create_framework(EVERYTHING, small())
    revised = services.revise_framework(EVERYTHING, fw, small(pass_total=18))
    assert revised.pk == fw.pk
    assert revised.pass_total == 18
    assert Framework.objects.count() == 1


def test_a_used_framework_never_changes_a_revision_is_a_new_version():
    fw = services.create_framework(EVERYTHING, small())
    services.lock_framework(fw)
    with pytest.raises(ValidationError) as exc:
        services.revise_framework(EVERYTHING, fw, small(pass_total=18))
    assert "version" in exc.value.message_dict
    revised = services.revise_framework(EVERYTHING, fw, small(pass_total=18, version="2"))
    assert revised.pk != fw.pk
    assert revised.supersedes == fw
    assert not revised.locked
    fw.refresh_from_db()
    assert fw.pass_total == 15 and fw.version == "1"
    assert [i.max for i in fw.indicators.all()] == [10, 10]
    assert list(selectors.versions(EVERYTHING, fw)) == [revised, fw]


def test_revising_with_the_same_content_changes_nothing():
    fw = services.create_framework(EVERYTHING, small())
    services.lock_framework(fw)
    assert services.revise_framework(EVERYTHING, fw, small()).pk == fw.pk


def test_a_revision_keeps_the_code():
    fw = services.create_framework(EVERYTHING, small())
    with pytest.raises(ValidationError) as exc:
        services.revise_framework(EVERYTHING, fw, small(code="OTHER"))
    assert "code" in exc.value.message_dict


def test_load_keeps_a_used_framework_that_the_shipped_file_contradicts(loaded):
    cdht = loaded["CDHT"]
    services.lock_framework(cdht)
    Indicator.objects.filter(framework=cdht, code="TC1.1").update(name="đã sửa")
    counts = services.load_frameworks()
    assert counts["kept"] == 1 and counts["unchanged"] == 5
    assert cdht.indicators.get(code="TC1.1").name == "đã sửa"


def test_duplicate_version_label_is_refused():
    services.create_framework(EVERYTHING, small())
    with pytest.raises(ValidationError) as exc:
        services.create_framework(EVERYTHING, small())
    assert "version" in exc.value.message_dict


def test_contradictory_framework_is_refused_with_the_indicator_named():
    data = small(min_indicator=11)
    with pytest.raises(ValidationError) as exc:
        services.create_framework(EVERYTHING, data)
    assert set(exc.value.message_dict) == {"TC1.1", "TC1.2"}
    assert Framework.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"model": "tribe"}, "model"),
        ({"name": ""}, "name"),
        ({"version": ""}, "version"),
        ({"valid_from": "2024-13-01"}, "valid_from"),
        ({"valid_from": "2024-01-01", "valid_to": "2023-01-01"}, "valid_to"),
        ({"legal_basis": "QĐ 448"}, "legal_basis"),
        ({"name_i18n": {"en": 3}}, "name"),
    ],
)
def test_metadata_is_checked(changes, key):
    with pytest.raises(ValidationError) as exc:
        exchange.canonical(small(**changes))
    assert key in exc.value.message_dict


def test_legal_basis_as_one_reference():
    clean = exchange.canonical(
        small(legal_basis={"reference": "Số: 24/2023/TT-BGDĐT", "date": "2023-12-14"})
    )
    assert clean["legal_basis"] == {
        "number": "24/2023",
        "type": "TT",
        "issuer": "BGDĐT",
        "date": "2023-12-14",
        "title": "",
    }


def test_names_are_normalised():
    fw = services.create_framework(EVERYTHING, small(name="Gia  đi\u0300nh học tập"))
    assert fw.name == "Gia đình học tập"
    assert selectors.frameworks(EVERYTHING, q="gia dinh").get() == fw


# Import -----------------------------------------------------------------------------------------


def test_import_a_list_all_or_nothing():
    good, bad = small(), small(code="BAD", pass_total=500)
    with pytest.raises(ValidationError) as exc:
        services.import_frameworks(EVERYTHING, [good, bad])
    assert any(k.startswith("2:BAD") for k in exc.value.message_dict)
    assert Framework.objects.count() == 0
    results = services.import_frameworks(EVERYTHING, [good, small(code="OTHER")])
    assert [a for _, a in results] == ["created", "created"]
    assert [a for _, a in services.import_frameworks(EVERYTHING, [good])] == ["unchanged"]


def test_import_a_new_version_label_supersedes_the_newest():
    first = services.create_framework(EVERYTHING, small())
    [(second, action)] = services.import_frameworks(EVERYTHING, small(version="2"))
    assert action == "revised" and second.supersedes == first


def test_import_dry_run_stores_nothing():
    results = services.import_frameworks(EVERYTHING, small(), dry_run=True)
    assert [a for _, a in results] == ["created"]
    assert Framework.objects.count() == 0


def test_import_into_a_used_version_is_refused():
    fw = services.create_framework(EVERYTHING, small())
    services.lock_framework(fw)
    with pytest.raises(ValidationError):
        services.import_frameworks(EVERYTHING, small(pass_total=16))


def test_import_command_json_and_dry_run(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps([small(), small(code="B")], ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("evaluation", "import", str(path), "--dry-run", stdout=out)
    assert "Would be created: TEST 1" in out.getvalue()
    assert Framework.objects.count() == 0
    call_command("evaluation", "import", str(path), stdout=StringIO())
    assert Framework.objects.count() == 2
    path.write_text(json.dumps(small(pass_total=999)), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("evaluation", "import", str(path), stdout=StringIO())
    assert exc.value.returncode == 2 and "pass_total" in str(exc.value)


def test_export_command(loaded, tmp_path):
    out = StringIO()
    call_command("evaluation", "export", "GDHT", stdout=out)
    assert json.loads(out.getvalue())["legal_basis"]["number"] == "448"
    target = tmp_path / "gdht.xlsx"
    call_command("evaluation", "export", "GDHT", "--format", "xlsx", "-o", str(target))
    assert exchange.from_xlsx(target.read_bytes()) == exchange.to_data(loaded["GDHT"])
    with pytest.raises(CommandError):
        call_command("evaluation", "export", "NOPE", stdout=StringIO())


# XLSX -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["CDHT", "GDHT", "DVHT", "DVHT-TRUONG", "CONGDONG-XA", "TTHTCD"])
def test_xlsx_round_trip(loaded, code):
    framework = loaded[code]
    assert exchange.from_xlsx(exchange.to_xlsx(framework)) == exchange.to_data(framework)


def test_xlsx_layout_is_one_sheet_of_criteria_and_indicators(loaded):
    wb = load_workbook(io.BytesIO(exchange.to_xlsx(loaded["DVHT"])))
    assert wb.sheetnames == ["framework", "indicators"]
    rows = list(wb["indicators"].iter_rows(values_only=True))
    assert rows[0][:10] == (
        "criterion",
        "criterion_name",
        "criterion_name_en",
        "indicator",
        "name",
        "name_en",
        "kind",
        "max",
        "level 1",
        "level 2",
    )
    share = next(r for r in rows if r[3] == "TC1.1")
    assert share[6:10] == ("percent", None, 90, 95)
    excellent = next(r for r in rows if r[3] == "TC2.2")
    assert excellent[8:10] == (None, "x")


def _workbook_with(loaded, edit) -> bytes:
    wb = load_workbook(io.BytesIO(exchange.to_xlsx(loaded["GDHT"])))
    edit(wb["framework"], wb["indicators"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_errors_name_their_rows_and_nothing_is_imported(loaded):
    def edit(meta, sheet):
        sheet["H3"] = "mười"  # row 3: TC1.1's max is not a number
        sheet["E5"] = None  # row 5: TC1.3 has no name
        sheet["A6"] = None  # row 6: no criterion code

    content = _workbook_with(loaded, edit)
    with pytest.raises(ValidationError) as exc:
        exchange.from_xlsx(content)
    keys = set(exc.value.message_dict)
    assert {"row 3", "row 5", "row 6"} <= keys
    before = exchange.to_data(loaded["GDHT"])
    assert exchange.to_data(Framework.objects.get(code="GDHT")) == before


def test_xlsx_rule_errors_point_at_the_row_of_the_indicator(loaded):
    def edit(meta, sheet):
        sheet["H4"] = 11  # row 4 is TC1.2: its criterion now adds up to 31, not 30

    with pytest.raises(ValidationError) as exc:
        exchange.from_xlsx(_workbook_with(loaded, edit))
    assert any(k.startswith("row 2 (TC1)") for k in exc.value.message_dict), exc.value


def test_xlsx_import_creates_a_revision(loaded):
    def edit(meta, sheet):
        for row in meta.iter_rows():
            if row[0].value == "version":
                row[1].value = "2016-2020b"
        sheet["H3"] = 10

    data = exchange.from_xlsx(_workbook_with(loaded, edit))
    [(framework, action)] = services.import_frameworks(EVERYTHING, data)
    assert action == "revised" and framework.version == "2016-2020b"


def test_xlsx_that_is_not_a_workbook():
    with pytest.raises(ValidationError):
        exchange.from_xlsx(b"not a workbook")


# Scope and audit --------------------------------------------------------------------------------


def test_only_platform_administrators_change_national_frameworks(tree):
    officer = scope_for(tree.users["commune_official"])
    with pytest.raises(ReadOnly, match="Only platform administrators change national frameworks"):
        services.create_framework(officer, small())
    admin = scope_for(tree.users["platform_admin"])
    assert services.create_framework(admin, small()).owner is None


def test_a_local_rubric_is_seen_and_changed_inside_its_owner(tree):
    official = scope_for(tree.users["commune_official"])
    place_at_a_commune(tree.commune_branch)
    rubric = services.create_framework(official, small(), owner=tree.commune_branch)
    national = services.create_framework(EVERYTHING, small(code="NATIONAL"))
    hamlet = scope_for(tree.users["hamlet_branch"])
    principal = scope_for(tree.users["principal"])
    assert set(selectors.frameworks(official)) == {rubric, national}
    assert set(selectors.frameworks(principal)) == {national}
    assert set(selectors.frameworks(hamlet)) == {national}  # the rubric's owner is above it
    with pytest.raises(Framework.DoesNotExist):
        selectors.framework(principal, rubric.pk)
    assert selectors.framework(official, rubric.pk, write=True) == rubric
    with pytest.raises(Framework.DoesNotExist):
        selectors.framework(official, national.pk, write=True)
    with pytest.raises(NotFound):  # the rubric's owner is above the hamlet branch's sight
        services.revise_framework(hamlet, rubric, small(pass_total=16))


def test_changes_are_audited():
    fw = services.create_framework(EVERYTHING, small())
    services.revise_framework(EVERYTHING, fw, small(pass_total=16))
    actions = list(
        AuditEntry.objects.filter(object_id=str(fw.pk), content_type__model="framework")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[:2] == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]


def test_locking_and_an_imported_new_version_are_audited():
    """No write of a framework skips the trail: the lock of its first use, and the
    version an import supersedes, named in the new version's creation."""
    first = services.create_framework(EVERYTHING, small())
    services.lock_framework(first)
    services.lock_framework(first)  # once only

    def trail(fw):
        return list(
            AuditEntry.objects.filter(object_id=str(fw.pk), content_type__model="framework")
            .order_by("id")
            .values_list("action", "changes")
        )

    assert trail(first)[1:] == [(AuditEntry.Action.UPDATE, {"locked": [False, True]})]
    [(second, _action)] = services.import_frameworks(EVERYTHING, small(version="2"))
    [(action, changes)] = trail(second)
    assert action == AuditEntry.Action.CREATE
    assert changes["supersedes_id"] == [None, first.pk]


def test_in_force_picks_the_version_of_the_day(loaded):
    newer = copy.deepcopy(shipped("GDHT"))
    newer.update(version="2021-2030", valid_from="2021-01-01", valid_to=None)
    services.import_frameworks(EVERYTHING, newer)
    assert selectors.in_force(EVERYTHING, "GDHT", dt.date(2019, 5, 1)).version == "2016-2020"
    assert selectors.in_force(EVERYTHING, "GDHT", dt.date(2024, 5, 1)).version == "2021-2030"
