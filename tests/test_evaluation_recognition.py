"""Recognition decisions and certificates: a commune issues a decision for the households
that meet the criteria; failing or out-of-area ones are refused and nothing changes; each
recognised subject gets a certificate PDF; other users get 404."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from test_evaluation_rollups import add, assess, places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound
from edupact.evaluation import rollups, selectors, services
from edupact.evaluation.models import Assessment, RecognitionDecision, Rollup

pytestmark = pytest.mark.django_db

PENDING = Assessment.Status.PROPOSED  # by the hamlet's review meeting
SIGNER = services.Signer(name="Nguyễn Văn Hùng", title="KT. CHỦ TỊCH – PHÓ CHỦ TỊCH")
DAY = dt.date(2023, 4, 11)


@pytest.fixture
def cycle(places):  # noqa: F811
    """In hamlet a1 of commune A: two passing households and a failing one, all awaiting a
    decision; in hamlet b1 of commune B, a passing household registered by the city."""
    p = places
    p.ba = assess(p, add(p, place=p.a1, name="Hộ ông Võ Văn Ba"), 2022, status=PENDING)
    p.tu = assess(p, add(p, place=p.a1, name="Hộ bà Lê Thị Tư"), 2022, status=PENDING)
    p.nam = assess(p, add(p, place=p.a1, name="Hộ ông Trần Năm"), 2022, meets=False, status=PENDING)
    p.far = assess(
        p,
        add(p, place=p.b1, name="Hộ ông Đặng Sáu", org=p.tree.vn_association),
        2022,
        status=PENDING,
    )
    p.commune = scope_for(p.tree.users["commune_official"])
    return p


def _share(p, unit):
    return Rollup.objects.get(admin_unit=unit, model="household", year=2022).share


def test_a_decision_recognises_the_passing_households(cycle, django_capture_on_commit_callbacks):
    p = cycle
    rollups.refresh()
    assert _share(p, p.a1) == 0  # 3 registered, none recognised yet
    eligible = selectors.awaiting_decision(p.tree.commune_branch, 2022, "household")
    assert set(eligible) == {p.ba, p.tu}  # not the failing one, not commune B's
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.issue_recognition_decision(
            p.commune, p.tree.commune_branch, " 125/QĐ-UBND ", DAY, SIGNER, [p.ba, p.tu]
        )
    assert decision.number == "125/QĐ-UBND" and decision.year == 2022
    assert decision.model == "household" and decision.signer_name == "Nguyễn Văn Hùng"
    for a in (p.ba, p.tu):
        a.refresh_from_db()
        assert a.status == Assessment.Status.RECOGNISED and a.decision == decision
    assert _share(p, p.a1) == round(100 * 2 / 3, 2)  # 2 of 3 households
    assert Rollup.objects.get(admin_unit=p.a, model="household", year=2022).recognised == 2
    assert not selectors.awaiting_decision(p.tree.commune_branch, 2022).exists()


def test_failing_and_out_of_area_assessments_are_refused_and_nothing_changes(cycle):
    p = cycle
    with pytest.raises(ValidationError) as exc:
        services.issue_recognition_decision(
            p.commune, p.tree.commune_branch, "126/QĐ-UBND", DAY, SIGNER, [p.ba, p.nam]
        )
    messages = exc.value.message_dict["assessments"]
    assert "Hộ ông Trần Năm does not meet the criteria for 2022." in messages
    # The city's household is out of the commune's sight: not found, exactly as no household
    # at all, and not named.
    for unseen in (p.far.pk, 10**9):
        with pytest.raises(ValidationError) as exc:
            services.issue_recognition_decision(
                p.commune, p.tree.commune_branch, "126/QĐ-UBND", DAY, SIGNER, [p.ba, unseen]
            )
        assert exc.value.message_dict == {"assessments": ["Assessment not found."]}
    assert not RecognitionDecision.objects.exists()
    statuses = Assessment.objects.values_list("status", flat=True)
    assert set(statuses) == {PENDING}
    # Decided ones are refused too; so are a reused number and a future date.
    services.issue_recognition_decision(
        p.commune, p.tree.commune_branch, "125/QĐ-UBND", DAY, SIGNER, [p.ba]
    )
    with pytest.raises(ValidationError) as exc:
        services.issue_recognition_decision(
            p.commune,
            p.tree.commune_branch,
            "125/QĐ-UBND",
            dt.date.today() + dt.timedelta(days=1),
            SIGNER,
            [p.ba, p.tu],
        )
    errors = exc.value.message_dict
    assert "Hộ ông Võ Văn Ba has already been decided for 2022." in errors["assessments"]
    assert "number" in errors and "date" in errors
    p.tu.refresh_from_db()
    assert p.tu.status == PENDING


def test_only_writers_of_an_issuing_organisation_issue(cycle):
    p = cycle
    with pytest.raises(NotFound):  # the hamlet branch writes (and reads) below the commune
        services.issue_recognition_decision(
            scope_for(p.tree.users["hamlet_branch"]),
            p.tree.commune_branch,
            "127/QĐ-UBND",
            DAY,
            SIGNER,
            [p.ba],
        )
    with pytest.raises(ValidationError) as exc:  # a school is not an issuing organisation
        services.issue_recognition_decision(
            scope_for(p.tree.users["platform_admin"]), p.tree.vn_school, "1/QĐ", DAY, SIGNER, [p.ba]
        )
    assert exc.value.message_dict == {
        "organisation": ["You may not issue decisions for this organisation."]
    }
    assert not RecognitionDecision.objects.exists()


def test_the_commune_issues_on_the_web_and_prints_certificates(cycle, client_as, tmp_path):
    p = cycle
    client = client_as(p.tree.users["commune_official"], "vi")
    url = "/evaluation/decisions/new/?year=2022&model=household"
    page = client.get(url).content.decode()
    awaiting = page[page.index('id="awaiting"') :]
    assert "Hộ ông Võ Văn Ba" in awaiting and "Hộ bà Lê Thị Tư" in awaiting
    assert "Hộ ông Trần Năm" not in awaiting and "Hộ ông Đặng Sáu" not in awaiting
    form = {
        "organisation": p.tree.commune_branch.pk,
        "year": 2022,
        "model": "household",
        "number": "125/QĐ-UBND",
        "date": "11/04/2023",  # the reader's calendar: day first
        "signer_title": SIGNER.title,
        "signer_name": SIGNER.name,
        "assessments": [p.ba.pk, p.tu.pk],
    }
    bad = client.post("/evaluation/decisions/new/", form | {"assessments": [p.ba.pk, p.nam.pk]})
    assert bad.status_code == 200 and not RecognitionDecision.objects.exists()
    response = client.post("/evaluation/decisions/new/", form)
    decision = RecognitionDecision.objects.get()
    assert response.status_code == 302 and response["Location"] == decision.get_absolute_url()
    assert decision.date == DAY
    html = client.get(decision.get_absolute_url()).content.decode()
    assert "125/QĐ-UBND" in html and "ngày 11 tháng 4 năm 2023" in html
    link = f"/evaluation/decisions/{decision.pk}/certificates/{p.ba.pk}.pdf"
    assert link in html
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "c.pdf").write_bytes(pdf.content)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "125/QĐ-UBND" in text and "Hộ ông Võ Văn Ba" in text
        assert "ngày 11 tháng 4 năm 2023" in text and SIGNER.name in text
    # A subject not recognised by this decision has no certificate under it.
    not_in = f"/evaluation/decisions/{decision.pk}/certificates/{p.nam.pk}.pdf"
    assert client.get(not_in).status_code == 404


def test_out_of_scope_users_get_404(cycle, client_as):
    p = cycle
    decision = services.issue_recognition_decision(
        p.commune, p.tree.commune_branch, "125/QĐ-UBND", DAY, SIGNER, [p.ba]
    )
    pages = [
        decision.get_absolute_url(),
        f"/evaluation/decisions/{decision.pk}/certificates/{p.ba.pk}.pdf",
    ]
    for role in ("principal", "hamlet_branch"):
        client = client_as(p.tree.users[role], "en")
        for url in pages:
            assert client.get(url).status_code == 404, (role, url)
    principal = client_as(p.tree.users["principal"], "en")
    assert principal.get("/evaluation/decisions/new/").status_code == 404
    commune = client_as(p.tree.users["commune_official"], "en")
    other = f"/evaluation/decisions/new/?organisation={p.tree.vn_association.pk}"
    assert commune.get(other).status_code == 404
    assert commune.get(decision.get_absolute_url()).status_code == 200
    listing = commune.get("/evaluation/decisions/").content.decode()
    assert "125/QĐ-UBND" in listing
