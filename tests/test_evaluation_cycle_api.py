"""The API of the hamlet's cycle: registration with members, self-assessment, evidence
upload and download, review meetings; scoped, with problem+json errors."""

import json

import pytest
from test_evaluation_cycle import DAY, PDF, hamlet, media  # noqa: F401
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.evaluation.models import Assessment, EvidenceFile, ReviewMeeting

pytestmark = pytest.mark.django_db
BASE = "/api/v1/evaluation"
PROBLEM = "application/problem+json"


def post(client, path, body, method="post"):
    return getattr(client, method)(
        f"{BASE}{path}", data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def clients(hamlet, api_client):  # noqa: F811
    users = hamlet.tree.users
    return {
        role: api_client(users[role], **{"Accept-Language": "en"})
        for role in ("hamlet_branch", "commune_official", "trainer", "principal")
    }


def registration(p, name="Hộ ông Võ Văn Ba"):
    return {
        "kind": "household",
        "name": name,
        "organisation_id": p.tree.hamlet_branch.pk,
        "admin_unit_id": p.a1.pk,
        "year": 2024,
        "members": [
            {"full_name": "Võ Văn Ba", "birth_year": 1970, "relation": "chủ hộ"},
            {"full_name": "Lê Thị Hoa", "birth_year": 1975, "relation": "vợ"},
        ],
    }


def test_the_cycle_through_the_api(hamlet, clients, media):  # noqa: F811
    p = hamlet
    branch = clients["hamlet_branch"]
    created = post(branch, "/registrations", registration(p))
    assert created.status_code == 201, created.content
    subject = created.json()
    assert [m["full_name"] for m in subject["members"]] == ["Võ Văn Ba", "Lê Thị Hoa"]
    assert subject["assessments"][0]["status"] == "registered"
    sid = subject["id"]
    bad = post(
        branch, f"/subjects/{sid}/self-assessment", {"year": 2024, "answers": {"I1": 11}}, "put"
    )
    assert (
        bad.status_code == 422 and bad["Content-Type"] == PROBLEM and "I1" in bad.json()["errors"]
    )
    saved = post(
        branch, f"/subjects/{sid}/self-assessment", {"year": 2024, "answers": {"I1": 9}}, "put"
    )
    assert saved.status_code == 200 and saved.json()["status"] == "self_assessed"
    aid = saved.json()["id"]
    assert saved.json()["framework_id"] == p.framework.pk

    upload = branch.post(f"{BASE}/assessments/{aid}/evidence", {"file": _file("a.pdf", PDF)})
    assert upload.status_code == 201, upload.content
    evidence = upload.json()
    assert evidence["content_type"] == "application/pdf" and evidence["size"] == len(PDF)
    refused = branch.post(f"{BASE}/assessments/{aid}/evidence", {"file": _file("a.txt", b"hello")})
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    download = branch.get(f"{BASE}/evidence/{evidence['id']}")
    assert download.status_code == 200 and download.content == PDF

    meeting = {
        "organisation_id": p.tree.hamlet_branch.pk,
        "year": 2024,
        "date": DAY.isoformat(),
        "place": "Nhà văn hóa khu phố 1",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa",
        "present": 25,
        "invited": 30,
        "minutes": "Thống nhất đề nghị.",
        "attendees": [
            {"person_id": p.tree.hamlet_head.pk, "role": "Chi hội trưởng"},
            {"name": "Trần Văn Sáu", "role": "Trưởng khu phố"},
        ],
        "proposals": [{"assessment_id": aid, "proposed": True, "votes_for": 40}],
    }
    too_many = post(branch, "/review-meetings", meeting)
    assert too_many.status_code == 422 and "proposals" in too_many.json()["errors"]
    meeting["proposals"][0]["votes_for"] = 24
    recorded = post(branch, "/review-meetings", meeting)
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["proposals"] == [
        {
            "assessment_id": aid,
            "proposed": True,
            "votes_for": 24,
            "votes_against": 0,
            "votes_abstain": 0,
            "note": "",
            "status": "proposed",
        }
    ]
    assert [a["name"] for a in body["attendees"]][1] == "Trần Văn Sáu"
    assert (
        clients["commune_official"].get(f"{BASE}/review-meetings/{body['id']}").status_code == 200
    )
    # After the meeting the evidence stays.
    gone = branch.delete(f"{BASE}/evidence/{evidence['id']}")
    assert gone.status_code == 422 and EvidenceFile.objects.count() == 1


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_scope_and_write_permission(hamlet, clients, media):  # noqa: F811
    p = hamlet
    sid = post(clients["hamlet_branch"], "/registrations", registration(p)).json()["id"]
    aid = Assessment.objects.get().pk
    principal, trainer = clients["principal"], clients["trainer"]
    for path in (f"/subjects/{sid}/detail", f"/assessments/{aid}/evidence"):
        response = principal.get(f"{BASE}{path}")
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        assert trainer.get(f"{BASE}{path}").status_code == 200
    write = post(
        trainer, f"/subjects/{sid}/self-assessment", {"year": 2024, "answers": {"I1": 9}}, "put"
    )
    assert write.status_code == 403 and write["Content-Type"] == PROBLEM
    assert post(trainer, "/registrations", registration(p, "Hộ khác")).status_code == 403
    assert post(principal, "/registrations", registration(p, "Hộ khác")).status_code == 404
    upload = trainer.post(f"{BASE}/assessments/{aid}/evidence", {"file": _file("a.pdf", PDF)})
    assert upload.status_code == 403
    assert not EvidenceFile.objects.exists() and not ReviewMeeting.objects.exists()
