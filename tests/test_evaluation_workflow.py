"""The yearly cycle's workflow: deadlines (editable data with the brief's defaults),
reminders (once per deadline, user and day; e-mail and a home-page notice), bottom-up
approval, locks that every write path obeys, and re-opening with a reason — per role."""

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from factories import OrganisationFactory, RoleGrantFactory, UserFactory
from test_evaluation_rollups import add, places  # noqa: F401 — the shared fixture

from edupact.accounts.models import Role
from edupact.accounts.selectors import scope_for
from edupact.audit.models import AuditEntry
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.directory.models import Organisation
from edupact.evaluation import bulk, selectors, services, workflow
from edupact.evaluation import cycle as cycle_services
from edupact.evaluation.models import (
    Assessment,
    AssessmentReopening,
    Deadline,
    Reminder,
    YearApproval,
)
from edupact.evaluation.places import locks

pytestmark = pytest.mark.django_db
YEAR = 2024
REVIEWED = Assessment.Status.REVIEWED
LOCKED = "has been approved by the level above and is locked; it must be re-opened first."


@pytest.fixture
def cycle(places):  # noqa: F811
    """Hamlet a1 of commune A has two households (one self-assessed, one reviewed); a2 has
    none. Users: the hamlet branch (a1), the commune official (A), a city secretariat
    officer (the province level, HCMC)."""
    p = places
    t = p.tree
    p.hamlet = scope_for(t.users["hamlet_branch"])
    p.commune = scope_for(t.users["commune_official"])
    p.city_user = UserFactory(username="city", email="city@example.vn")
    RoleGrantFactory(user=p.city_user, role=Role.SECRETARIAT, organisation=t.vn_association)
    p.province = scope_for(p.city_user)
    p.ba = add(p, place=p.a1, name="Hộ ông Võ Văn Ba")
    p.ba.code = "A1-001"
    p.ba.save()
    p.tu = add(p, place=p.a1, name="Hộ bà Lê Thị Tư")
    p.a_ba = services.record_assessment(p.hamlet, p.ba, YEAR, {"I1": 9})
    p.a_tu = services.record_assessment(p.hamlet, p.tu, YEAR, {"I1": 8})
    Assessment.objects.filter(pk=p.a_tu.pk).update(status=REVIEWED)
    return p


def review_all(p):
    Assessment.objects.filter(year=YEAR).update(status=REVIEWED)


# Deadlines ---------------------------------------------------------------------------------------


def test_the_default_deadlines_follow_the_brief_and_are_stored_once(cycle):
    p = cycle
    due = {step: d.due for step, d in workflow.deadlines_for(p.a1, YEAR).items()}
    assert due["self_assessment"] == dt.date(2024, 12, 10)
    assert due["review"] == dt.date(2024, 12, 15)
    assert due["dossier"] == dt.date(2025, 1, 14)  # before 15 January of the next year
    assert due["province_closure"] == dt.date(2025, 3, 31)  # [I] the brief gives no date
    assert list(due)[0] == "registration"  # in date order
    assert workflow.ensure_deadlines(YEAR) == 7
    assert workflow.ensure_deadlines(YEAR) == 0
    assert Deadline.objects.filter(year=YEAR).count() == 7


def test_a_commune_sets_its_own_deadline_which_applies_below_it_only(cycle):
    p = cycle
    workflow.ensure_deadlines(YEAR)
    local = workflow.set_deadline(p.commune, YEAR, "review", dt.date(2024, 12, 5), p.a, 3)
    assert (local.level, local.remind_days) == ("hamlet", 3)
    assert workflow.deadlines_for(p.a1, YEAR)["review"].due == dt.date(2024, 12, 5)
    assert workflow.deadlines_for(p.b1, YEAR)["review"].due == dt.date(2024, 12, 15)
    with pytest.raises(NotFound):  # the commune is out of the hamlet branch's sight
        workflow.set_deadline(p.hamlet, YEAR, "review", dt.date(2024, 12, 1), p.a)
    with pytest.raises(ReadOnly, match="Only platform administrators set the default"):
        workflow.set_deadline(p.commune, YEAR, "review", dt.date(2024, 12, 1))
    with pytest.raises(ValidationError):
        workflow.set_deadline(Scope(everything=True), YEAR, "review", dt.date(2027, 1, 1))


# Reminders ---------------------------------------------------------------------------------------


def test_reminders_go_once_a_day_to_those_who_take_the_step(cycle, client_as):
    p = cycle
    t = p.tree
    year = dt.date.today().year + 1  # deadlines still to come, so the home page shows them
    hamlet_user = t.users["hamlet_branch"]
    hamlet_user.email, hamlet_user.language = "ap3@example.vn", "en"
    hamlet_user.save()
    workflow.ensure_deadlines(year)
    assert workflow.send_reminders(dt.date(year, 11, 30)) == 0  # before every window
    assert workflow.send_reminders(dt.date(year, 12, 9)) == 2  # self-assessment and review
    assert {r.user for r in Reminder.objects.all()} == {hamlet_user}
    assert sorted(m.subject for m in mail.outbox) == [
        "Reminder: review meeting (bình xét)",
        "Reminder: self-assessment",
    ]
    assert f"Self-assessment for {year} is due in 1 day, on 10/12/{year}." in {
        m.body for m in mail.outbox
    }
    assert workflow.send_reminders(dt.date(year, 12, 9)) == 0  # the same day: nothing again
    assert len(mail.outbox) == 2
    home = client_as(hamlet_user, "en").get("/")
    assert "Deadlines coming up" in home.text
    assert f"Review meeting (bình xét) for {year}" in home.text
    # The commune official is reminded of the commune's steps, not the hamlets'.
    out = io.StringIO()
    call_command("evaluation", "remind", "--on", f"{year}-12-28", stdout=out)
    assert out.getvalue().strip() == "Reminders: 1 sent."
    assert Reminder.objects.get(day=dt.date(year, 12, 28)).user == t.users["commune_official"]


# Approval and locks ------------------------------------------------------------------------------


def test_a_hamlet_is_approved_by_its_commune_only_once_everything_is_reviewed(cycle):
    p = cycle
    with pytest.raises(ValidationError) as exc:
        workflow.approve_year(p.commune, p.a1, YEAR)
    assert exc.value.messages == ["1 assessment has not been reviewed yet."]
    review_all(p)
    with pytest.raises(ReadOnly):  # the hamlet branch does not approve itself
        workflow.approve_year(p.hamlet, p.a1, YEAR)
    approval = workflow.approve_year(p.commune, p.a1, YEAR, user=p.tree.users["commune_official"])
    assert approval.state == "approved" and approval.approved_by.username == "commune_official"
    assert workflow.approve_year(p.commune, p.a1, YEAR) == approval  # again: unchanged


def test_the_province_approves_a_commune_only_after_all_its_hamlets(cycle):
    p = cycle
    review_all(p)
    workflow.approve_year(p.commune, p.a1, YEAR)
    with pytest.raises(ReadOnly):  # the commune does not approve itself
        workflow.approve_year(p.commune, p.a, YEAR)
    with pytest.raises(ValidationError) as exc:
        workflow.approve_year(p.province, p.a, YEAR)
    assert exc.value.messages == ["These hamlets are not approved yet: Khu phố 2."]
    workflow.approve_year(p.commune, p.a2, YEAR)
    assert workflow.approve_year(p.province, p.a, YEAR).state == "approved"


def test_an_approved_hamlet_is_locked_for_the_service_the_import_and_the_api(cycle, api_client):
    p = cycle
    review_all(p)
    workflow.approve_year(p.commune, p.a1, YEAR)
    with pytest.raises(ValidationError) as exc:
        services.record_assessment(p.hamlet, p.ba, YEAR, {"I1": 10})
    assert exc.value.messages == [f"Khu phố 1's year 2024 {LOCKED}"]
    report = bulk.import_assessments(p.hamlet, b"code,I1\nA1-001,10\n", "x.csv", YEAR, "household")
    assert [(e.row, str(e.message)) for e in report.errors] == [
        (2, f"Khu phố 1's year 2024 {LOCKED}")
    ]
    client = api_client(p.tree.users["hamlet_branch"], **{"Accept-Language": "en"})
    response = client.post(
        "/api/v1/evaluation/assessments",
        data=json.dumps({"subject_id": p.ba.pk, "year": YEAR, "answers": {"I1": 10}}),
        content_type="application/json",
    )
    assert response.status_code == 422 and LOCKED in response.text
    assert Assessment.objects.get(pk=p.a_ba.pk).answers == {"I1": 9}
    # Another year of the same hamlet is open.
    services.record_assessment(p.hamlet, p.ba, YEAR - 1, {"I1": 10})
    # The commune still decides (a recognition decision) until the province approves it.
    services.decide_assessment(p.commune, p.a_ba, True)


def test_an_approved_commune_locks_decisions_and_reopening_goes_top_down(cycle):
    p = cycle
    review_all(p)
    for hamlet in (p.a1, p.a2):
        workflow.approve_year(p.commune, hamlet, YEAR)
    workflow.approve_year(p.province, p.a, YEAR)
    with pytest.raises(ValidationError) as exc:
        services.decide_assessment(p.commune, p.a_ba, True)
    assert exc.value.messages == [f"Phường An Khánh's year 2024 {LOCKED}"]
    with pytest.raises(ValidationError) as exc:
        services.issue_recognition_decision(
            p.commune,
            p.tree.commune_branch,
            "1/QĐ-UBND",
            dt.date(2025, 1, 20),
            services.Signer("Nguyễn Văn Hùng", "CHỦ TỊCH"),
            [p.a_ba],
        )
    assert exc.value.message_dict["assessments"] == [f"Phường An Khánh's year 2024 {LOCKED}"]
    with pytest.raises(ValidationError):  # the hamlet waits for its commune to re-open
        workflow.reopen_year(p.commune, p.a1, YEAR, "Sai điểm hộ ông Ba")
    with pytest.raises(ValidationError) as exc:
        workflow.reopen_year(p.province, p.a, YEAR, "  ")
    assert exc.value.message_dict == {"reason": ["Give the reason for re-opening."]}
    with pytest.raises(ReadOnly):
        workflow.reopen_year(p.commune, p.a, YEAR, "Sai sót")
    workflow.reopen_year(p.province, p.a, YEAR, "Ấp 1 khai sai điểm", user=p.city_user)
    reopened = workflow.reopen_year(p.commune, p.a1, YEAR, "Sai điểm hộ ông Ba")
    assert (reopened.state, reopened.reason) == ("reopened", "Sai điểm hộ ông Ba")
    entry = AuditEntry.objects.filter(object_id=str(reopened.pk), action="update").latest("id")
    assert entry.changes["reason"] == ["", "Sai điểm hộ ông Ba"]
    Assessment.objects.filter(pk=p.a_ba.pk).update(status=Assessment.Status.SELF_ASSESSED)
    assert services.record_assessment(p.hamlet, p.ba, YEAR, {"I1": 10}).total == 10


def test_reopening_an_assessment_needs_a_reason_and_an_open_year(cycle):
    p = cycle
    with pytest.raises(ValidationError) as exc:
        workflow.reopen_assessment(p.commune, p.a_tu, "")
    assert exc.value.message_dict == {"reason": ["Give the reason for re-opening."]}
    with pytest.raises(ValidationError):  # self-assessed: open already
        workflow.reopen_assessment(p.commune, p.a_ba, "x")
    user = p.tree.users["commune_official"]
    opened = workflow.reopen_assessment(p.commune, p.a_tu, "Thiếu minh chứng", user=user)
    assert opened.status == Assessment.Status.SELF_ASSESSED
    record = AssessmentReopening.objects.get()
    assert (record.previous_status, record.reason, record.reopened_by) == (
        "reviewed",
        "Thiếu minh chứng",
        user,
    )
    with pytest.raises(NotFound):  # another organisation's records
        workflow.reopen_assessment(scope_for(p.tree.users["principal"]), p.a_tu, "x")
    review_all(p)
    workflow.approve_year(p.commune, p.a1, YEAR)
    with pytest.raises(ValidationError) as exc:
        workflow.reopen_assessment(p.commune, p.a_tu, "Lần nữa")
    assert LOCKED in exc.value.messages[0]


# Pages and API -----------------------------------------------------------------------------------


def test_the_commune_page_shows_progress_and_lets_each_role_act(cycle, client_as):
    p = cycle
    url = f"/evaluation/cycle/{p.a.pk}/{YEAR}/"
    commune = client_as(p.tree.users["commune_official"], "en")
    page = commune.get(url)
    assert page.status_code == 200
    assert f'data-hamlet="{p.a1.pk}"' in page.text and "awaiting the review" in page.text
    assert "Approve the commune&#x27;s year" not in page.text
    response = commune.post(f"{url}approve/", {"unit": p.a1.pk}, follow=True)
    assert "1 assessment has not been reviewed yet." in response.text
    review_all(p)
    commune.post(f"{url}approve/", {"unit": p.a1.pk})
    commune.post(f"{url}approve/", {"unit": p.a2.pk})
    assert YearApproval.objects.filter(state="approved").count() == 2
    assert client_as(p.tree.users["hamlet_branch"]).get(url).status_code == 404
    city = client_as(p.city_user, "vi")
    page = city.get(url)
    assert page.status_code == 200 and 'lang="vi"' in page.text
    city.post(f"{url}approve/", {"unit": p.a.pk})
    assert YearApproval.objects.get(admin_unit=p.a).state == "approved"
    # A commune official reads but cannot re-open the commune's year: the level above does.
    refused = commune.post(f"{url}reopen/", {"unit": p.a.pk, "reason": "x"})
    assert refused.status_code == 403
    assert "Only the level above may re-open this year." in refused.text
    response = city.post(f"{url}reopen/", {"unit": p.a.pk, "reason": ""}, follow=True)
    assert YearApproval.objects.get(admin_unit=p.a).state == "approved"
    city.post(f"{url}reopen/", {"unit": p.a.pk, "reason": "Kiểm tra lại"})
    assert YearApproval.objects.get(admin_unit=p.a).state == "reopened"


def test_the_api_approves_reopens_and_reports_progress(cycle, api_client):
    p = cycle
    base = "/api/v1/evaluation"
    commune = api_client(p.tree.users["commune_official"], **{"Accept-Language": "en"})
    body = commune.get(f"{base}/cycle/{p.a.pk}/{YEAR}").json()
    a1 = next(h for h in body["hamlets"] if h["id"] == p.a1.pk)
    assert (a1["registered"], a1["self_assessed"], a1["reviewed"], a1["approved"]) == (
        2,
        2,
        1,
        False,
    )
    assert a1["can_approve"] and not body["can_approve"]
    refused = commune.post(f"{base}/cycle/{p.a1.pk}/{YEAR}/approve")
    assert refused.status_code == 422
    reopened = commune.post(
        f"{base}/assessments/{p.a_tu.pk}/reopen",
        data=json.dumps({"reason": "Thiếu minh chứng"}),
        content_type="application/json",
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "self_assessed"
    review_all(p)
    approved = commune.post(f"{base}/cycle/{p.a1.pk}/{YEAR}/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    hamlet = api_client(p.tree.users["hamlet_branch"])
    assert (
        hamlet.post(
            f"{base}/cycle/{p.a1.pk}/{YEAR}/reopen",
            data=json.dumps({"reason": "x"}),
            content_type="application/json",
        ).status_code
        == 403
    )
    deadlines = commune.get(f"{base}/deadlines", {"year": YEAR, "unit": p.a.pk}).json()
    assert {d["step"]: d["due"] for d in deadlines}["dossier"] == "2025-01-14"
    changed = commune.put(
        f"{base}/deadlines",
        data=json.dumps(
            {"year": YEAR, "step": "dossier", "due": "2025-01-10", "admin_unit_id": p.a.pk}
        ),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["level"] == "commune"


# Reminders skip finished places; former-only subjects; the hamlet community ---------------------


def test_reminders_skip_a_hamlet_or_commune_that_has_finished_the_step(cycle):
    """Worked example, review deadline 15/12: hamlet a1 (branch 1) has reviewed both its
    households, hamlet a2 (branch 2) still has one self-assessed, hamlet b1 (branch 3)
    had its year approved by commune B. On 9/12 only branch 2 is reminded of the review;
    of the hamlets' approval (31/12) only commune A's official, as commune B's hamlet is
    approved."""
    p = cycle
    t = p.tree
    year = dt.date.today().year + 1
    branches = {}
    for name, place in (("a2", p.a2), ("b1", p.b1)):
        org = OrganisationFactory(
            name=f"Chi hội {name}", kind=t.hamlet_branch.kind, parent=t.commune_branch
        )
        org.admin_unit = place
        org.save()
        branches[name] = UserFactory(username=f"branch_{name}")
        RoleGrantFactory(user=branches[name], role=Role.HAMLET_BRANCH, organisation=org)
    commune_b = OrganisationFactory(
        name="Chi hội xã Bình Chánh", kind=t.commune_branch.kind, parent=t.vn_association
    )
    commune_b.admin_unit = p.b
    commune_b.save()
    official_b = UserFactory(username="official_b")
    RoleGrantFactory(user=official_b, role=Role.COMMUNE_OFFICIAL, organisation=commune_b)
    a1_done = add(p, place=p.a1, name="Hộ a1")
    a2_open = add(p, place=p.a2, name="Hộ a2", org=Organisation.objects.get(name="Chi hội a2"))
    b1_hh = add(p, place=p.b1, name="Hộ b1", org=Organisation.objects.get(name="Chi hội b1"))
    everything = Scope(everything=True)
    services.record_assessment(everything, a1_done, year, {"I1": 9})
    services.record_assessment(everything, a2_open, year, {"I1": 9})
    services.record_assessment(everything, b1_hh, year, {"I1": 9})
    Assessment.objects.filter(year=year, subject__in=[a1_done, b1_hh]).update(status=REVIEWED)
    workflow.approve_year(everything, p.b1, year)
    workflow.ensure_deadlines(year)
    review = Deadline.objects.get(year=year, step="review", admin_unit=None)
    on = dt.date(year, 12, 9)
    assert workflow.finished_places(year, "review", [p.a1.pk, p.a2.pk, p.b1.pk]) == {
        p.a1.pk,
        p.b1.pk,
    }
    assert list(workflow.responsible_users(review, on)) == [branches["a2"]]
    # Self-assessment: every hamlet has no registration left, so nobody is reminded.
    assert not workflow.responsible_users(
        Deadline.objects.get(year=year, step="self_assessment", admin_unit=None), on
    ).exists()
    workflow.send_reminders(on)
    assert {(r.deadline.step, r.user.username) for r in Reminder.objects.all()} == {
        ("review", "branch_a2")
    }
    hamlet_approval = Deadline.objects.get(year=year, step="hamlet_approval", admin_unit=None)
    assert list(workflow.responsible_users(hamlet_approval, dt.date(year, 12, 28))) == [
        t.users["commune_official"]
    ]
    # Once a2's meeting has reviewed it, nobody is reminded of the review any more.
    Assessment.objects.filter(subject=a2_open).update(status=REVIEWED)
    assert not workflow.responsible_users(review, on).exists()
    assert workflow.send_reminders(dt.date(year, 12, 10)) == 0


def test_approving_the_new_commune_locks_records_known_only_by_a_retired_district(cycle):
    """A household of 2024 recorded only against district D (retired; its records count
    towards commune A): the province's approval of A must lock it, as it locks A's own."""
    p = cycle
    old = add(p, place=None, former=p.d, name="Hộ bà Quận Hai")
    split = add(p, place=None, former=p.e, name="Hộ ông Huyện")  # E → A (first), B: approx.
    a_old = services.record_assessment(p.hamlet, old, YEAR, {"I1": 9})
    services.record_assessment(p.hamlet, split, YEAR, {"I1": 9})
    review_all(p)
    Assessment.objects.filter(pk=a_old.pk).update(status=Assessment.Status.SELF_ASSESSED)
    for hamlet in (p.a1, p.a2):
        workflow.approve_year(p.commune, hamlet, YEAR)
    with pytest.raises(ValidationError) as exc:  # the commune's approval waits for it too
        workflow.approve_year(p.province, p.a, YEAR)
    assert exc.value.messages == ["1 assessment has not been reviewed yet."]
    services.decide_assessment(p.commune, a_old, True)
    workflow.approve_year(p.province, p.a, YEAR)
    by = {p.d.pk: p.a, p.e.pk: p.a, p.a1.pk: p.a1}  # a1: its own approval
    assert locks.locked(YEAR, [p.d.pk, p.e.pk, p.a1.pk]) == by
    for subject in (old, split):
        with pytest.raises(ValidationError) as exc:
            services.record_assessment(p.hamlet, subject, YEAR, {"I1": 10})
        assert exc.value.messages == [f"Phường An Khánh's year 2024 {LOCKED}"]
    with pytest.raises(ValidationError):
        services.decide_assessment(p.commune, Assessment.objects.get(subject=split), True)
    report = bulk.import_assessments(
        p.hamlet, f"code,I1\n#{old.pk},10\n".encode(), "x.csv", YEAR, "household"
    )
    assert [str(e.message) for e in report.errors] == [f"Phường An Khánh's year 2024 {LOCKED}"]
    assert Assessment.objects.get(pk=a_old.pk).answers == {"I1": 9}
    # Another year, or the province re-opening A, unlocks them.
    services.record_assessment(p.hamlet, old, YEAR - 1, {"I1": 10})
    workflow.reopen_year(p.province, p.a, YEAR, "Sửa hồ sơ quận cũ")
    assert locks.locked(YEAR, [p.d.pk]) == {}


def test_the_hamlet_community_is_evaluated_by_the_commune_not_its_own_meeting(cycle):
    """Khu phố 1 as a learning community: its board self-assesses it, its own meeting may
    not weigh it (nor does it hold up the hamlet's approval), the commune decides on it,
    and the province's approval of the commune waits for that decision."""
    p = cycle
    framework = services.create_framework(
        Scope(everything=True),
        {
            "code": "T-AP",
            "version": "1",
            "name": "Ấp thử",
            "model": "hamlet",
            "style": "points",
            "pass_total": 8,
            "criteria": [
                {
                    "code": "TC1",
                    "name": "TC1",
                    "indicators": [{"code": "I1", "name": "I1", "max": 10}],
                }
            ],
        },
    )
    community = add(p, kind="hamlet", place=p.a1, name="Khu phố 1")
    a_comm = services.record_assessment(p.hamlet, community, YEAR, {"I1": 9}, framework)
    review_all(p)
    Assessment.objects.filter(pk=a_comm.pk).update(status=Assessment.Status.SELF_ASSESSED)
    assert list(selectors.to_review(p.hamlet, p.tree.hamlet_branch, YEAR)) == []
    meeting = cycle_services.Meeting(
        year=YEAR,
        date=dt.date(2024, 12, 14),
        place="Nhà văn hóa",
        chair="A",
        secretary="B",
        present=5,
        invited=6,
        proposals=[cycle_services.ProposalRow(assessment=a_comm.pk, proposed=True, votes_for=5)],
    )
    with pytest.raises(ValidationError) as exc:
        cycle_services.record_review_meeting(p.hamlet, p.tree.hamlet_branch, meeting, p.a1)
    assert exc.value.message_dict["proposals"] == [
        "Khu phố 1 (learning community (hamlet or quarter)) is evaluated by the commune "
        "directly, not at a hamlet's review meeting."
    ]
    workflow.approve_year(p.commune, p.a1, YEAR)  # the community does not hold the hamlet up
    workflow.approve_year(p.commune, p.a2, YEAR)
    assert list(selectors.awaiting_decision(p.tree.commune_branch, YEAR, "hamlet")) == [a_comm]
    with pytest.raises(ValidationError) as exc:
        workflow.approve_year(p.province, p.a, YEAR)
    assert exc.value.messages == ["1 assessment has not been reviewed yet."]
    decision = services.issue_recognition_decision(
        p.commune,
        p.tree.commune_branch,
        "7/QĐ-UBND",
        dt.date(2025, 1, 10),
        services.Signer("Nguyễn Văn Hùng", "CHỦ TỊCH"),
        [a_comm],
    )
    assert Assessment.objects.get(pk=a_comm.pk).decision == decision
    assert workflow.approve_year(p.province, p.a, YEAR).state == "approved"
    row = selectors.commune_cycle(p.a, YEAR)["hamlets"][0]
    assert (row["unit"], row["assessed"], row["community"].pk) == (p.a1, 2, a_comm.pk)
