"""Pages of the hamlet's cycle: registration with members, the self-assessment form with
its live score, evidence upload and download, the review meeting and its minutes PDF; and
who may see (404 otherwise) and change (403 otherwise) each of them."""

import shutil
import subprocess

import pytest
from django.utils import translation
from test_evaluation_cycle import DAY, PDF, assessed, hamlet, media, register  # noqa: F401
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.evaluation import cycle
from edupact.evaluation.models import Assessment, EvidenceFile, ReviewMeeting, Subject

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
S = Assessment.Status


@pytest.fixture
def branch(hamlet, client_as):  # noqa: F811
    return client_as(hamlet.tree.users["hamlet_branch"], "vi")


def text(response) -> str:
    return response.content.decode()


def test_register_a_household_with_its_members(hamlet, branch):  # noqa: F811
    p = hamlet
    form = {
        "kind": "household",
        "name": "Hộ ông Võ Văn Ba",
        "organisation": p.tree.hamlet_branch.pk,
        "admin_unit": p.a1.pk,
        "year": 2024,
        "members-TOTAL_FORMS": 5,
        "members-INITIAL_FORMS": 0,
        "members-0-full_name": "Võ Văn Ba",
        "members-0-birth_year": 1970,
        "members-0-relation": "chủ hộ",
        "members-1-full_name": "Lê Thị Hoa",
        "members-1-birth_year": 1975,
        "members-1-relation": "vợ",
    }
    bad = branch.post("/evaluation/subjects/new/", form | {"members-1-birth_year": 2090})
    assert bad.status_code == 200 and not Subject.objects.exists()
    assert "Thành viên 2" in text(bad) or "Member 2" in text(bad)
    response = branch.post("/evaluation/subjects/new/", form)
    subject = Subject.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/subjects/{subject.pk}/")
    assert Assessment.objects.get().status == S.REGISTERED
    page = text(branch.get(response["Location"]))
    assert "Lê Thị Hoa" in page and "Khu phố 1" in page and "T-HH" in page
    listing = text(branch.get("/evaluation/subjects/", {"q": "vo van ba", "year": 2024}))
    assert "Hộ ông Võ Văn Ba" in listing
    empty = text(branch.get("/evaluation/subjects/", {"year": 2024, "status": "none"}, **HTMX))
    assert "Hộ ông Võ Văn Ba" not in empty and "<html" not in empty


def test_the_self_assessment_form_previews_and_saves(hamlet, branch):  # noqa: F811
    p = hamlet
    a = register(p)
    url = f"/evaluation/subjects/{a.subject_id}/assess/2024/"
    page = text(branch.get(url))
    assert 'name="i' in page and "I1" in page
    field = f"i{p.framework.indicators.get().pk}"
    low = text(branch.post(url + "preview/", {field: "3"}, **HTMX))
    assert 'id="score-total">3/10 điểm' in low
    assert "Tổng điểm 3 thấp hơn tổng điểm đạt 8." in low  # each failure, in the reader's words
    over = text(branch.post(url + "preview/", {field: "11"}, **HTMX))
    assert "I1" in over and 'id="score-total"' not in over
    assert Assessment.objects.get().status == S.REGISTERED  # previews save nothing
    response = branch.post(url, {field: "9", "framework": p.framework.pk, "notes": "Đủ"})
    a.refresh_from_db()
    assert (
        response.status_code == 302 and response["Location"] == f"/evaluation/assessments/{a.pk}/"
    )
    assert a.status == S.SELF_ASSESSED and a.answers == {"I1": 9} and a.framework == p.framework


def test_evidence_upload_download_and_removal(hamlet, branch, media, client_as):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = hamlet
    a = assessed(p, "Hộ ông Võ Văn Ba", 9)
    upload = SimpleUploadedFile("giấy khen.pdf", PDF, content_type="application/pdf")
    branch.post(f"/evaluation/assessments/{a.pk}/evidence/", {"file": upload})
    evidence = EvidenceFile.objects.get()
    refused = SimpleUploadedFile("x.pdf", b"<script>", content_type="application/pdf")
    branch.post(f"/evaluation/assessments/{a.pk}/evidence/", {"file": refused})
    assert EvidenceFile.objects.count() == 1
    page = text(branch.get(f"/evaluation/assessments/{a.pk}/"))
    assert "giấy khen.pdf" in page
    download = branch.get(f"/evaluation/evidence/{evidence.pk}/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    # A PDF opens in place (core.downloads); its name is the uploaded one.
    assert download["Content-Disposition"] == "inline; filename*=utf-8''gi%E1%BA%A5y%20khen.pdf"
    for role, status in (("principal", 404), ("education_officer", 404), ("member", 404)):
        assert (
            client_as(p.tree.users[role]).get(f"/evaluation/evidence/{evidence.pk}/").status_code
            == status
        )
    trainer = client_as(p.tree.users["trainer"])  # reads the association's subtree
    assert trainer.get(f"/evaluation/evidence/{evidence.pk}/").status_code == 200
    assert trainer.post(f"/evaluation/evidence/{evidence.pk}/delete/").status_code == 403
    branch.post(f"/evaluation/evidence/{evidence.pk}/delete/")
    assert not EvidenceFile.objects.exists()


def test_the_review_meeting_and_its_minutes(hamlet, branch, tmp_path):  # noqa: F811
    p = hamlet
    ba = assessed(p, "Hộ ông Võ Văn Ba", 9)
    nam = assessed(p, "Hộ ông Trần Năm", 3)
    url = f"/evaluation/meetings/new/?organisation={p.tree.hamlet_branch.pk}&year=2024"
    page = text(branch.get(url))
    assert "Hộ ông Võ Văn Ba" in page and "Hộ ông Trần Năm" in page
    form = {
        "organisation": p.tree.hamlet_branch.pk,
        "year": 2024,
        "date": "20/12/2024",
        "place": "Nhà văn hóa khu phố 1",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa",
        "invited": 30,
        "present": 25,
        "minutes": "Hội nghị bình xét gia đình học tập năm 2024.",
        "attendees-TOTAL_FORMS": 6,
        "attendees-INITIAL_FORMS": 0,
        "attendees-0-person": p.tree.hamlet_head.pk,
        "attendees-0-role": "Chi hội trưởng",
        "attendees-1-name": "Trần Văn Sáu",
        "attendees-1-role": "Trưởng khu phố",
        f"p{ba.pk}_proposed": "on",
        f"p{ba.pk}_for": 23,
        f"p{ba.pk}_against": 1,
        f"p{ba.pk}_abstain": 1,
        f"p{nam.pk}_for": 0,
        f"p{nam.pk}_against": 25,
        f"p{nam.pk}_abstain": 0,
        f"p{nam.pk}_note": "Chưa đạt tiêu chí",
    }
    bad = branch.post("/evaluation/meetings/new/", form | {f"p{nam.pk}_proposed": "on"})
    assert bad.status_code == 200 and not ReviewMeeting.objects.exists()
    assert "Hộ ông Trần Năm" in text(bad)
    response = branch.post("/evaluation/meetings/new/", form)
    meeting = ReviewMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert dict(Assessment.objects.values_list("pk", "status")) == {
        ba.pk: S.PROPOSED,
        nam.pk: S.REVIEWED,
    }
    detail = text(branch.get(meeting.get_absolute_url()))
    assert "Trần Văn Sáu" in detail and "ngày 20 tháng 12 năm 2024" in detail
    pdf = branch.get(f"/evaluation/meetings/{meeting.pk}/minutes.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "m.pdf").write_bytes(pdf.content)
        out = subprocess.run(
            ["pdftotext", str(tmp_path / "m.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        out = " ".join(out.split())  # table cells wrap their lines
        with translation.override("vi"):
            title = translation.gettext("Minutes of the review meeting")  # BIÊN BẢN HỌP BÌNH XÉT
        assert title.upper() in out.upper()
        assert "Lê Thị Hoa" in out and "Hội nghị bình xét" in out  # dot-below letters whole
        assert "Hộ ông Võ Văn Ba" in out and "Nhà văn hóa khu phố 1" in out
        assert "ngày 20 tháng 12 năm 2024" in out and "Lê Thị Hoa" in out
        assert "Chưa đạt tiêu chí" in out


def test_roles_on_the_cycle_pages(hamlet, client_as):  # noqa: F811
    p = hamlet
    a = assessed(p, "Hộ ông Võ Văn Ba", 9)
    meeting = cycle.record_review_meeting(
        p.scope,
        p.tree.hamlet_branch,
        cycle.Meeting(
            2024,
            DAY,
            "Nhà văn hóa",
            "Võ Văn Năm",
            "Lê Thị Hoa",
            20,
            25,
            proposals=[cycle.ProposalRow(a.pk, True, 20)],
        ),
    )
    reads = [
        f"/evaluation/subjects/{a.subject_id}/",
        f"/evaluation/assessments/{a.pk}/",
        meeting.get_absolute_url(),
        f"/evaluation/meetings/{meeting.pk}/minutes.pdf",
    ]
    writes = [f"/evaluation/subjects/{a.subject_id}/assess/2024/"]
    for role in ("principal", "education_officer", "kanoon_leader"):
        c = client_as(p.tree.users[role])
        for url in reads + writes:
            assert c.get(url).status_code == 404, (role, url)
    commune = client_as(p.tree.users["commune_official"])  # compiles: sees everything below
    for url in reads:
        assert commune.get(url).status_code == 200, url
    trainer = client_as(p.tree.users["trainer"])  # reads only
    assert trainer.get(reads[0]).status_code == 200
    assert trainer.get(writes[0]).status_code == 403
    assert trainer.get("/evaluation/meetings/new/").status_code == 403  # reads the branch
    assert trainer.get("/evaluation/subjects/new/").status_code == 404
    assert "Hộ ông Võ Văn Ba" not in text(
        client_as(p.tree.users["principal"]).get("/evaluation/subjects/")
    )
