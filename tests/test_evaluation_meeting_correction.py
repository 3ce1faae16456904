"""Correcting a recorded review meeting (bình xét): the hamlet branch corrects attendees,
minutes and proposals with a reason; the earlier version is kept and shown; refused once the
commune has acted on it or an approval locks the hamlet's year — per role, on the pages and
the API."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from test_evaluation_cycle import DAY, assessed, hamlet, meeting  # noqa: F401
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import NotFound, ReadOnly
from edupact.evaluation import cycle, services, workflow
from edupact.evaluation.models import Assessment, MeetingRevision, Proposal

pytestmark = pytest.mark.django_db
S = Assessment.Status


@pytest.fixture
def held(hamlet):  # noqa: F811
    """Hộ Ba (9 points, proposed) and Hộ Tư (8, not proposed) weighed at Khu phố 1's
    meeting; Hộ Năm (9) self-assessed but forgotten."""
    p = hamlet
    p.ba = assessed(p, "Hộ ông Ba", 9)
    p.tu = assessed(p, "Hộ bà Tư", 8)
    p.nam = assessed(p, "Hộ ông Năm", 9)
    p.meeting = meeting(
        p,
        [
            cycle.ProposalRow(p.ba.pk, True, 20, 3, 2),
            cycle.ProposalRow(p.tu.pk, False, 5, 18, 2, "Thiếu minh chứng"),
        ],
    )
    p.commune = scope_for(p.tree.users["commune_official"])
    return p


def corrected(p, proposals, **extra):
    return cycle.Meeting(
        year=2024,
        date=extra.pop("date", DAY),
        place="Nhà văn hóa khu phố 1",
        chair="Võ Văn Năm",
        secretary=extra.pop("secretary", "Lê Thị Hoa"),
        present=25,
        invited=30,
        minutes=extra.pop("minutes", "Hội nghị thống nhất đề nghị công nhận hộ ông Ba."),
        attendees=extra.pop("attendees", [cycle.AttendeeRow(name="Trần Văn Sáu", role="Trưởng")]),
        proposals=proposals,
    )


def test_a_correction_keeps_the_earlier_version_with_its_reason(held):
    p = held
    user = p.tree.users["hamlet_branch"]
    data = corrected(
        p,
        [
            cycle.ProposalRow(p.ba.pk, True, 21, 2, 2),  # the votes were miscounted
            cycle.ProposalRow(p.nam.pk, True, 25),  # forgotten at the first entry
        ],  # Hộ Tư left out: back to self-assessed, for the next meeting
        secretary="Lê Thị Hoa Mai",
    )
    cycle.correct_review_meeting(p.scope, p.meeting, data, "Đếm phiếu sai; sót hộ ông Năm", user)
    p.meeting.refresh_from_db()
    assert (p.meeting.secretary, p.meeting.minutes) == (
        "Lê Thị Hoa Mai",
        "Hội nghị thống nhất đề nghị công nhận hộ ông Ba.",
    )
    assert [a.name for a in p.meeting.attendees.all()] == ["Trần Văn Sáu"]
    assert {(pr.assessment_id, pr.proposed, pr.votes_for) for pr in p.meeting.proposals.all()} == {
        (p.ba.pk, True, 21),
        (p.nam.pk, True, 25),
    }
    status = dict(Assessment.objects.values_list("pk", "status"))
    assert (status[p.ba.pk], status[p.tu.pk], status[p.nam.pk]) == (
        S.PROPOSED,
        S.SELF_ASSESSED,
        S.PROPOSED,
    )
    revision = MeetingRevision.objects.get()
    assert (revision.number, revision.reason, revision.corrected_by) == (
        1,
        "Đếm phiếu sai; sót hộ ông Năm",
        user,
    )
    old = revision.record
    assert old["secretary"] == "Lê Thị Hoa" and old["minutes"].startswith("Hội nghị thống nhất")
    assert [a["name"] for a in old["attendees"]] == [p.tree.hamlet_head.full_name, "Trần Văn Sáu"]
    assert [(x["subject"], x["proposed"], x["votes_for"]) for x in old["proposals"]] == [
        ("Hộ ông Ba", True, 20),
        ("Hộ bà Tư", False, 5),
    ]
    assert AuditEntry.objects.filter(
        content_type__model="meetingrevision", object_id=str(revision.pk), action="create"
    ).exists()
    # A second correction is version 2; the first stays as it was.
    cycle.correct_review_meeting(
        p.scope, p.meeting, corrected(p, [cycle.ProposalRow(p.ba.pk, True, 21, 2, 2)]), "Bỏ hộ Năm"
    )
    assert list(p.meeting.revisions.values_list("number", flat=True)) == [2, 1]
    assert MeetingRevision.objects.get(number=1).record == old
    assert Assessment.objects.get(pk=p.nam.pk).status == S.SELF_ASSESSED


def test_a_bad_correction_changes_nothing(held):
    p = held
    before = cycle.meeting_record(p.meeting)
    with pytest.raises(ValidationError) as exc:
        cycle.correct_review_meeting(
            p.scope,
            p.meeting,
            corrected(p, [cycle.ProposalRow(p.tu.pk, True, 30)], date=dt.date(2023, 5, 1)),
            "  ",
        )
    assert exc.value.message_dict == {
        "date": ["A meeting on 2024 cannot be held before that year."],
        "reason": ["Give the reason for the correction."],
        "proposals": ["Hộ bà Tư: more votes than members present."],
    }
    assert cycle.meeting_record(p.meeting) == before
    assert not MeetingRevision.objects.exists()


def test_only_the_branch_corrects_and_never_after_the_commune_acted_or_approved(held):
    p = held
    data = corrected(p, [cycle.ProposalRow(p.ba.pk, True, 21)])
    with pytest.raises(ReadOnly):  # reads the branch's meeting, changes nothing
        cycle.correct_review_meeting(scope_for(p.tree.users["trainer"]), p.meeting, data, "x")
    with pytest.raises(NotFound):  # another country's school: no such meeting
        cycle.correct_review_meeting(scope_for(p.tree.users["principal"]), p.meeting, data, "x")
    # The commune recognises Hộ Ba: the meeting's record is now the basis of a decision.
    services.decide_assessment(p.commune, p.ba, True)
    with pytest.raises(ValidationError) as exc:
        cycle.correct_review_meeting(p.scope, p.meeting, data, "Sửa biên bản")
    assert exc.value.messages == [
        "The commune has already acted on Hộ ông Ba from this meeting; "
        "the meeting can no longer be corrected."
    ]
    # Undone (re-opened assessment, re-proposed); then the commune approves the hamlet's year.
    Assessment.objects.filter(pk=p.ba.pk).update(status=S.PROPOSED)
    Assessment.objects.filter(pk=p.nam.pk).update(status=S.REVIEWED)
    workflow.approve_year(p.commune, p.a1, 2024)
    with pytest.raises(ValidationError) as exc:
        cycle.correct_review_meeting(p.scope, p.meeting, data, "Sửa biên bản")
    assert exc.value.messages == [
        "Khu phố 1's year 2024 has been approved by the level above and is locked; "
        "it must be re-opened first."
    ]
    workflow.reopen_year(p.commune, p.a1, 2024, "Sửa biên bản bình xét")
    cycle.correct_review_meeting(p.scope, p.meeting, data, "Sửa biên bản")
    assert Proposal.objects.get(assessment=p.ba).votes_for == 21


def test_the_pages_show_the_history_and_correct_per_role(held, client_as):
    p = held
    url = f"/evaluation/meetings/{p.meeting.pk}/"
    branch = client_as(p.tree.users["hamlet_branch"], "en")
    page = branch.get(url)
    assert 'id="correct-meeting"' in page.text and "Earlier versions" not in page.text
    form = branch.get(url + "correct/")
    assert form.status_code == 200 and "Lê Thị Hoa" in form.text
    post = {
        "date": "20/12/2024",
        "place": "Nhà văn hóa khu phố 1",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa",
        "invited": "30",
        "present": "25",
        "minutes": "Biên bản đã sửa.",
        "reason": "",
        "attendees-TOTAL_FORMS": "1",
        "attendees-INITIAL_FORMS": "0",
        "attendees-MIN_NUM_FORMS": "0",
        "attendees-MAX_NUM_FORMS": "1000",
        "attendees-0-name": "Trần Văn Sáu",
        "attendees-0-role": "Trưởng khu phố",
        f"p{p.ba.pk}_proposed": "on",
        f"p{p.ba.pk}_for": "22",
        f"p{p.tu.pk}_for": "5",
    }
    refused = branch.post(url + "correct/", post)
    assert refused.status_code == 200 and "This field is required." in refused.text
    assert not MeetingRevision.objects.exists()
    done = branch.post(url + "correct/", post | {"reason": "Sửa số phiếu"})
    assert done.status_code == 302
    page = branch.get(url)
    assert "Earlier versions" in page.text and "Sửa số phiếu" in page.text
    assert "Hội nghị thống nhất đề nghị công nhận." in page.text  # the earlier minutes
    assert "Biên bản đã sửa." in page.text
    assert Proposal.objects.get(assessment=p.ba).votes_for == 22
    trainer = client_as(p.tree.users["trainer"])  # reads the association's subtree
    assert trainer.get(url).status_code == 200
    assert 'id="correct-meeting"' not in trainer.get(url).text
    assert trainer.get(url + "correct/").status_code == 403
    assert trainer.post(url + "correct/", post | {"reason": "x"}).status_code == 403
    for role in ("principal", "member"):
        assert client_as(p.tree.users[role]).get(url + "correct/").status_code == 404
    services.decide_assessment(p.commune, p.ba, True)
    page = branch.get(url)
    assert 'id="correct-meeting"' not in page.text and "can no longer be corrected" in page.text


def test_the_api_corrects_and_lists_the_earlier_versions(held, api_client):
    p = held
    body = {
        "reason": "Thư ký ghi sai tên",
        "date": "2024-12-20",
        "place": "Nhà văn hóa khu phố 1",
        "chair": "Võ Văn Năm",
        "secretary": "Lê Thị Hoa Mai",
        "present": 25,
        "invited": 30,
        "attendees": [{"name": "Trần Văn Sáu", "role": "Trưởng khu phố"}],
        "proposals": [
            {"assessment_id": p.ba.pk, "proposed": True, "votes_for": 20},
            {"assessment_id": p.tu.pk, "proposed": False, "votes_against": 18},
        ],
    }
    url = f"/api/v1/evaluation/review-meetings/{p.meeting.pk}"
    trainer = api_client(p.tree.users["trainer"])
    assert trainer.put(url, json.dumps(body), content_type="application/json").status_code == 403
    outsider = api_client(p.tree.users["principal"])
    assert outsider.put(url, json.dumps(body), content_type="application/json").status_code == 404
    assert outsider.get(url + "/revisions").status_code == 404
    client = api_client(p.tree.users["hamlet_branch"], **{"Accept-Language": "en"})
    bad = client.put(url, json.dumps(body | {"reason": ""}), content_type="application/json")
    assert bad.status_code == 422 and "Give the reason for the correction." in bad.text
    response = client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.text
    assert response.json()["secretary"] == "Lê Thị Hoa Mai"
    revisions = client.get(url + "/revisions").json()
    assert [(r["number"], r["reason"]) for r in revisions] == [(1, "Thư ký ghi sai tên")]
    assert revisions[0]["record"]["secretary"] == "Lê Thị Hoa"
    assert trainer.get(url + "/revisions").status_code == 200


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_correction_page_of_a_decided_meeting_says_why_not_a_500(held, client_as, language):
    """Once a decision covers the meeting, ``/correct/`` answered 500 (AttributeError, issue 9
    §4): it answers 409 with the translated refusal and no form, for a GET and a POST."""
    from django.utils import translation

    p = held
    services.decide_assessment(p.commune, p.ba, True)
    url = f"/evaluation/meetings/{p.meeting.pk}/correct/"
    branch = client_as(p.tree.users["hamlet_branch"], language)
    with translation.override(language):
        expected = translation.gettext(
            "The commune has already acted on %(subject)s from this meeting; "
            "the meeting can no longer be corrected."
        ) % {"subject": "Hộ ông Ba"}
    for response in (branch.get(url), branch.post(url, {"reason": "Sửa"})):
        assert response.status_code == 409
        text = response.content.decode()
        assert expected in text and 'id="meeting-correction"' not in text
        assert f'href="/evaluation/meetings/{p.meeting.pk}/"' in text
    assert not MeetingRevision.objects.exists()
