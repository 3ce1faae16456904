"""One rule for recording a self-assessment, whatever the path: the assessment form, the API
(``POST /assessments``, ``PUT /subjects/{pk}/self-assessment``, ``POST
/assessments/import``), the bulk-entry page and the ``import-assessments`` command.

An assessment the review meeting has weighed (proposed or not) or the commune has decided
cannot change through any of them; a registration becomes self-assessed the same way
through all; each write leaves the same audit entry, shown on the assessment's page; an
import with one refused row imports nothing and names the row. The bulk import writes
set-based: a test runs the same rows through ``services.record_assessment`` one by one and
through the import and finds the same rows, statuses and audit trail."""

import datetime as dt
import io
import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from openpyxl import Workbook
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.audit.context import acting_as
from edupact.audit.models import AuditEntry
from edupact.evaluation import bulk, cycle, services
from edupact.evaluation.models import Assessment, AssessmentImport, Subject

pytestmark = pytest.mark.django_db
S = Assessment.Status
YEAR = 2024
DAY = dt.date(2024, 12, 20)
MEETING_HELD = "The review meeting has been held: this assessment can no longer change."
DECIDED = "This assessment has been decided; it can no longer be changed."
REFUSAL = {S.PROPOSED: MEETING_HELD, S.REVIEWED: MEETING_HELD}
REFUSAL |= {S.RECOGNISED: DECIDED, S.NOT_RECOGNISED: DECIDED}
TIMES = {"created_at", "updated_at"}


@pytest.fixture
def hamlet(places):  # noqa: F811
    """Four households of hamlet a1 registered for 2024 by the hamlet branch (status
    ``registered``), codes A1-001 … A1-004."""
    p = places
    p.user = p.tree.users["hamlet_branch"]
    p.scope = scope_for(p.user)
    p.field = f"i{p.framework.indicators.get().pk}"
    p.rows = []
    for n, name in enumerate(("Hộ Võ Văn Ba", "Hộ Lê Thị Tư", "Hộ Trần Năm", "Hộ Đinh Sáu"), 1):
        subject = Subject(
            kind="household",
            name=name,
            code=f"A1-{n:03d}",
            organisation=p.tree.hamlet_branch,
            admin_unit=p.a1,
        )
        p.rows.append(cycle.register(p.scope, subject, cycle.Registration(YEAR)))
    return p


def bring_to(p, assessment: Assessment, status: str) -> Assessment:
    """Self-assess 9 points, hold the hamlet's meeting (proposing or not), then let the
    commune decide when asked: the statuses as the workflow makes them."""
    services.record_assessment(p.scope, assessment.subject, YEAR, {"I1": 9})
    proposed = status in (S.PROPOSED, S.RECOGNISED)
    data = cycle.Meeting(
        year=YEAR,
        date=DAY,
        place="Nhà văn hóa khu phố 1",
        chair="Võ Văn Năm",
        secretary="Lê Thị Hoa",
        present=20,
        invited=25,
        proposals=[cycle.ProposalRow(assessment.pk, proposed, 18 if proposed else 2)],
    )
    cycle.record_review_meeting(p.scope, p.tree.hamlet_branch, data)
    if status in (S.RECOGNISED, S.NOT_RECOGNISED):
        commune = scope_for(p.tree.users["commune_official"])
        services.decide_assessment(commune, assessment, status == S.RECOGNISED)
    assessment.refresh_from_db()
    assert assessment.status == status
    return assessment


def sheet(rows) -> bytes:
    book = Workbook()
    book.active.append(["Subject code", "I1"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes, name="a1.xlsx"):
    return SimpleUploadedFile(name, content)


@pytest.fixture
def env(client_as, api_client, tmp_path):
    return SimpleNamespace(client_as=client_as, api_client=api_client, tmp_path=tmp_path)


# Each path records ``points`` for one household and returns (accepted, what the user sees).


def through_form(p, a, points, env):
    client = env.client_as(p.user, "en")
    url = f"/evaluation/subjects/{a.subject_id}/assess/{YEAR}/"
    response = client.post(url, {p.field: str(points), "framework": p.framework.pk, "notes": ""})
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 302, response.content.decode()


def through_api(p, a, points, env):
    client = env.api_client(p.user, **{"Accept-Language": "en"})
    body = {"subject_id": a.subject_id, "year": YEAR, "answers": {"I1": points}}
    response = client.post(
        "/api/v1/evaluation/assessments", json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (201, 422), response.status_code
    return response.status_code == 201, response.content.decode()


def through_api_put(p, a, points, env):
    client = env.api_client(p.user, **{"Accept-Language": "en"})
    response = client.put(
        f"/api/v1/evaluation/subjects/{a.subject_id}/self-assessment",
        json.dumps({"year": YEAR, "answers": {"I1": points}}),
        content_type="application/json",
    )
    assert response.status_code in (200, 422), response.status_code
    return response.status_code == 200, response.content.decode()


def through_upload(p, a, points, env):
    client = env.client_as(p.user, "en")
    content = sheet([(a.subject.code, points)])
    response = client.post(
        "/evaluation/bulk-entry/", {"file": upload(content), "year": YEAR, "model": "household"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    return "nothing was imported" not in page, page


def through_api_import(p, a, points, env):
    client = env.api_client(p.user, **{"Accept-Language": "en"})
    content = sheet([(a.subject.code, points)])
    response = client.post(
        "/api/v1/evaluation/assessments/import", {"file": upload(content), "year": YEAR}
    )
    assert response.status_code in (200, 422), response.status_code
    return response.status_code == 200, response.content.decode()


def through_command(p, a, points, env):
    path = env.tmp_path / f"a1-{a.pk}-{points}.xlsx"
    path.write_bytes(sheet([(a.subject.code, points)]))
    out = io.StringIO()
    try:
        call_command("evaluation", "import-assessments", str(path), "--year", str(YEAR), stdout=out)
    except CommandError as exc:
        assert exc.returncode == 2
        return False, str(exc)
    return True, out.getvalue()


PATHS = {
    "form": through_form,
    "api": through_api,
    "api-put": through_api_put,
    "upload": through_upload,
    "api-import": through_api_import,
    "command": through_command,
}
WEB_AND_API = ("form", "api", "api-put", "upload", "api-import")


def state(a: Assessment) -> tuple:
    a.refresh_from_db()
    return (a.status, a.answers, a.total, a.level, a.recognised, a.band, a.framework_id, a.notes)


def trail(a: Assessment) -> list[tuple]:
    """The audit entries of an assessment, oldest first, timestamps left out (their values
    differ from run to run; that they changed is kept)."""
    rows = AuditEntry.objects.filter(
        content_type__model="assessment", object_id=str(a.pk)
    ).order_by("at", "id")
    return [
        (
            e.action,
            e.actor_id,
            e.object_repr,
            {k: "…" if k in TIMES else v for k, v in e.changes.items()},
        )
        for e in rows
    ]


@pytest.mark.parametrize("status", list(REFUSAL))
@pytest.mark.parametrize("path", list(PATHS))
def test_no_path_changes_an_assessment_the_meeting_or_the_commune_has_weighed(
    hamlet, path, status, env
):
    """The reported bug: a 9 became a 5 after the meeting, through the bulk entry."""
    p = hamlet
    a = bring_to(p, p.rows[0], status)
    before, audited = state(a), trail(a)
    accepted, shown = PATHS[path](p, a, 5, env)
    assert not accepted
    assert REFUSAL[status] in shown.replace("&#x27;", "'")
    assert state(a) == before and a.answers == {"I1": 9} and a.status == status
    assert trail(a) == audited  # nothing written, so nothing audited
    assert not AssessmentImport.objects.exists()


@pytest.mark.parametrize("path", list(PATHS))
def test_every_path_moves_a_registration_to_self_assessed_and_audits_it_alike(hamlet, path, env):
    p = hamlet
    reference, a = p.rows[1], p.rows[0]
    with acting_as(p.user):  # the actor the web and API paths set
        services.record_assessment(p.scope, reference.subject, YEAR, {"I1": 9})
    accepted, shown = PATHS[path](p, a, 9, env)
    assert accepted, shown
    assert state(a)[:6] == (S.SELF_ASSESSED, {"I1": 9}, 9, None, True, "")
    assert state(a) == state(reference)
    *registered, written = trail(a)
    *_, expected = trail(reference)
    assert len(registered) == 1 and registered[0][0] == "create"
    assert written[0] == "update" and written[0] == expected[0]
    assert written[3] == expected[3]  # the same fields changed from the same old values
    assert written[3]["status"] == ["registered", "self_assessed"]
    assert written[3]["answers"] == [{}, {"I1": 9}]
    actor = None if path == "command" else p.user.pk  # the command acts as "system"
    assert written[1] == actor
    assert (written[2], expected[2]) == ("Hộ Võ Văn Ba — 2024", "Hộ Lê Thị Tư — 2024")


@pytest.mark.parametrize("path", WEB_AND_API)
def test_the_same_answers_again_change_nothing_on_any_path(hamlet, path, env):
    """Recording what is stored already is not a change: no write, no audit entry, even
    after the meeting (a hamlet's whole sheet uploaded again goes through)."""
    p = hamlet
    a = bring_to(p, p.rows[0], S.PROPOSED)
    before, audited = state(a), trail(a)
    accepted, shown = PATHS[path](p, a, 9, env)
    assert accepted, shown
    assert state(a) == before and trail(a) == audited


def test_an_import_with_one_refused_row_imports_nothing_and_names_the_row(hamlet):
    p = hamlet
    weighed = bring_to(p, p.rows[1], S.PROPOSED)
    content = sheet([("A1-001", 9), ("A1-002", 5), ("A1-003", 3)])
    report = bulk.import_assessments(p.scope, content, "a1.xlsx", YEAR, "household", user=p.user)
    assert not report.ok and not report.written
    assert [(e.row, e.column, str(e.message)) for e in report.errors] == [
        (3, "Subject code", MEETING_HELD)
    ]
    statuses = dict(Assessment.objects.values_list("subject__code", "status"))
    assert statuses == {
        "A1-001": S.REGISTERED,
        "A1-002": S.PROPOSED,
        "A1-003": S.REGISTERED,
        "A1-004": S.REGISTERED,
    }
    assert state(weighed)[1] == {"I1": 9}
    assert not AssessmentImport.objects.exists()
    dry = bulk.import_assessments(p.scope, content, "a1.xlsx", YEAR, "household", dry_run=True)
    assert [e.row for e in dry.errors] == [3]  # the dry run refuses it the same way


def test_the_set_based_import_leaves_exactly_what_the_service_would(hamlet):
    """Registered, new, self-assessed (changed and unchanged), notes kept: the same rows
    through ``record_assessment`` one by one and through one import, compared row by row
    and audit entry by audit entry."""
    p = hamlet
    new = Subject.objects.create(
        kind="household",
        name="Hộ Mới",
        code="A1-005",
        organisation=p.tree.hamlet_branch,
        admin_unit=p.a1,
    )
    services.record_assessment(p.scope, p.rows[2].subject, YEAR, {"I1": 4}, notes="Ghi chú")
    services.record_assessment(p.scope, p.rows[3].subject, YEAR, {"I1": 7})
    rows = [("A1-001", 9), ("A1-002", "3,5"), ("A1-003", 10), ("A1-004", 7), ("A1-005", 8)]
    subjects = {s.code: s for s in Subject.objects.all()}

    def outcome() -> dict:
        out = {}
        for code, subject in subjects.items():
            a = Assessment.objects.get(subject=subject, year=YEAR)
            out[code] = (state(a), a.result, trail(a))
        return out

    def service():
        from decimal import Decimal

        for code, value in rows:
            answer = Decimal(str(value).replace(",", "."))
            services.record_assessment(p.scope, subjects[code], YEAR, {"I1": answer})

    def importing():
        report = bulk.import_assessments(
            p.scope, sheet(rows), "a1.xlsx", YEAR, "household", user=p.user
        )
        assert report.ok, report.errors
        assert (report.created, report.updated, report.skipped) == (1, 3, 1)

    results = []
    for run in (service, importing):
        with transaction.atomic(), acting_as(p.user):
            run()
            results.append(outcome())
            transaction.set_rollback(True)
    by_service, by_import = results
    assert by_import == by_service
    assert by_import["A1-005"][0][0] == S.SELF_ASSESSED  # created self-assessed
    assert by_import["A1-003"][0][-1] == "Ghi chú"  # a file carries no notes: kept
    assert len(by_import["A1-004"][2]) == 2  # unchanged: no third entry
    assert new.pk


def test_the_assessment_page_shows_its_audit_trail_from_a_bulk_import(hamlet, client_as):
    p = hamlet
    client = client_as(p.user, "en")
    content = sheet([("A1-001", 9)])
    response = client.post(
        "/evaluation/bulk-entry/", {"file": upload(content), "year": YEAR, "model": "household"}
    )
    assert "Imported" in response.content.decode()
    a = Assessment.objects.get(subject__code="A1-001")
    page = client.get(f"/evaluation/assessments/{a.pk}/").content.decode()
    assert 'class="history"' in page
    assert "<code>status</code>: registered → self_assessed" in page
    assert str(p.user) in page


def test_a_total_the_model_cannot_keep_is_refused_alike(hamlet):
    """Three decimals: ``check_answers_change`` checks the fields for both paths (the
    import used to round it silently, the form to refuse it)."""
    from decimal import Decimal

    p = hamlet
    a = p.rows[0]
    with pytest.raises(ValidationError) as exc:
        services.record_assessment(p.scope, a.subject, YEAR, {"I1": Decimal("8.555")})
    assert list(exc.value.message_dict) == ["total"]
    report = bulk.import_assessments(
        p.scope, sheet([("A1-001", "8.555")]), "a1.xlsx", YEAR, "household"
    )
    [error] = report.errors
    assert (error.row, str(error.message)) == (
        2,
        "Total: Ensure that there are no more than 2 decimal places.",
    )
    assert state(a)[:2] == (S.REGISTERED, {})
