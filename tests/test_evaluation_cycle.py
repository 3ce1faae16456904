"""The hamlet's part of the yearly cycle: a household registered in January, self-assessed
with evidence in December, reviewed at the hamlet's meeting (bình xét) and proposed to the
commune, whose recognition decision then lists it; each step refused outside its rules."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from test_evaluation_rollups import add, places  # noqa: F401 — the shared fixture

from edupact.accounts.selectors import scope_for
from edupact.core.scoping import NotFound, ReadOnly
from edupact.evaluation import cycle, rollups, selectors, services
from edupact.evaluation.models import (
    Assessment,
    EvidenceFile,
    Member,
    Proposal,
    ReviewMeeting,
    Rollup,
    Subject,
)

pytestmark = pytest.mark.django_db
S = Assessment.Status
PDF = b"%PDF-1.4\n% bien ban\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
DAY = dt.date(2024, 12, 20)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def hamlet(places):  # noqa: F811
    places.scope = scope_for(places.tree.users["hamlet_branch"])
    return places


def register(p, name="Hộ ông Võ Văn Ba", year=2024, **extra):
    subject = Subject(
        kind="household", name=name, organisation=p.tree.hamlet_branch, admin_unit=p.a1
    )
    members = extra.pop("members", [cycle.MemberRow("Võ Văn Ba", 1970, "chủ hộ")])
    return cycle.register(p.scope, subject, cycle.Registration(year, members=members, **extra))


def assessed(p, name, points, year=2024):
    a = register(p, name, year)
    return services.record_assessment(p.scope, a.subject, year, {"I1": points})


def meeting(p, proposals, **extra):
    data = cycle.Meeting(
        year=extra.pop("year", 2024),
        date=extra.pop("date", DAY),
        place="Nhà văn hóa khu phố 1",
        chair="Võ Văn Năm",
        secretary="Lê Thị Hoa",
        present=extra.pop("present", 25),
        invited=30,
        minutes="Hội nghị thống nhất đề nghị công nhận.",
        attendees=[
            cycle.AttendeeRow(person_id=p.tree.hamlet_head.pk, role="Chi hội trưởng"),
            cycle.AttendeeRow(name="Trần Văn Sáu", role="Trưởng khu phố"),
        ],
        proposals=proposals,
        **extra,
    )
    return cycle.record_review_meeting(p.scope, p.tree.hamlet_branch, data)


def test_registration_at_the_start_of_the_year_counts_as_registered(hamlet):
    p = hamlet
    a = register(p)
    assert a.status == S.REGISTERED and a.framework == p.framework and a.answers == {}
    assert [(m.full_name, m.birth_year, m.relation) for m in Member.objects.all()] == [
        ("Võ Văn Ba", 1970, "chủ hộ")
    ]
    rollups.refresh()
    row = Rollup.objects.get(admin_unit=p.a1, model="household", year=2024)
    assert (row.registered, row.meeting, row.recognised) == (1, 0, 0)
    with pytest.raises(ValidationError) as exc:
        cycle.register(p.scope, a.subject, cycle.Registration(2024))
    assert "already registered for 2024" in str(exc.value)
    # The next year registers the same household again, without a second subject.
    cycle.register(p.scope, a.subject, cycle.Registration(2025))
    assert Subject.objects.count() == 1 and Assessment.objects.count() == 2


def test_a_bad_member_row_registers_nothing(hamlet):
    with pytest.raises(ValidationError) as exc:
        register(hamlet, members=[cycle.MemberRow("Võ Văn Ba", 1970), cycle.MemberRow(" ", 2030)])
    messages = exc.value.message_dict["members"]
    assert "Member 2: enter the full name." in messages
    assert "Member 2: the year of birth must be from 1900 to 2024." in messages
    assert not Subject.objects.exists() and not Assessment.objects.exists()


def test_a_clan_is_registered_with_its_branches(hamlet):
    p = hamlet
    clan = Subject(kind="clan", name="Dòng họ Nguyễn", organisation=p.tree.hamlet_branch)
    cycle.register(p.scope, clan, cycle.Registration(2024, branches=["Chi 1", "Chi 2", " "]))
    assert sorted(c.name for c in clan.children.all()) == ["Chi 1", "Chi 2"]
    unit = Subject(kind="unit", name="Trường", organisation=p.tree.hamlet_branch)
    with pytest.raises(ValidationError):
        cycle.register(p.scope, unit, cycle.Registration(2024, branches=["Chi 1"]))


def test_the_self_assessment_moves_the_registration_on(hamlet):
    a = assessed(hamlet, "Hộ ông Võ Văn Ba", 9)
    assert a.status == S.SELF_ASSESSED and a.recognised and a.total == 9
    assert Assessment.objects.count() == 1  # the registration row, now scored


def test_other_roles_may_not_register(hamlet):
    p = hamlet
    for role in ("principal", "trainer", "education_officer"):
        scope = scope_for(p.tree.users[role])
        subject = Subject(kind="household", name="Hộ X", organisation=p.tree.hamlet_branch)
        with pytest.raises(ReadOnly if role == "trainer" else NotFound):  # the trainer reads
            cycle.register(scope, subject, cycle.Registration(2024))
    assert not Subject.objects.exists()
    commune = scope_for(p.tree.users["commune_official"])  # compiles: sees the hamlet's subjects
    register(p)
    assert selectors.subjects(commune).count() == 1
    assert not selectors.subjects(scope_for(p.tree.users["principal"])).exists()


# Evidence ---------------------------------------------------------------------------------------


def test_evidence_is_kept_by_content_and_only_pdf_jpeg_png(hamlet, media, settings):
    p = hamlet
    a = assessed(p, "Hộ ông Võ Văn Ba", 9)
    user = p.tree.users["hamlet_branch"]
    evidence = cycle.attach_evidence(p.scope, a, "giấy khen.pdf", PDF, user=user)
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.original_name == "giấy khen.pdf" and evidence.uploaded_by == user
    assert cycle.evidence_bytes(evidence) == PDF
    assert (media / "evidence" / evidence.stored_name).read_bytes() == PDF
    png = cycle.attach_evidence(p.scope, a, "anh.png", PNG)
    assert png.content_type == "image/png"
    refusals = {
        "a.exe": b"MZ\x90\x00 not a document",
        "fake.pdf": b"<html>not a pdf</html>",
        "empty.pdf": b"",
        "again.pdf": PDF,
    }
    for name, content in refusals.items():
        with pytest.raises(ValidationError):
            cycle.attach_evidence(p.scope, a, name, content)
    settings.EDUPACT_EVIDENCE_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        cycle.attach_evidence(p.scope, a, "big.pdf", PDF + b"0" * 1024 * 1024)
    assert "larger than 1 MB" in str(exc.value)
    assert EvidenceFile.objects.count() == 2
    with pytest.raises(ReadOnly):
        cycle.attach_evidence(scope_for(p.tree.users["trainer"]), a, "x.pdf", PDF + b"x")


def test_evidence_is_deleted_before_the_meeting_only(
    hamlet, media, django_capture_on_commit_callbacks
):
    p = hamlet
    a = assessed(p, "Hộ ông Võ Văn Ba", 9)
    first = cycle.attach_evidence(p.scope, a, "a.pdf", PDF)
    path = media / "evidence" / first.stored_name
    with django_capture_on_commit_callbacks(execute=True):
        cycle.delete_evidence(p.scope, first)
    assert not path.exists() and not EvidenceFile.objects.exists()
    kept = cycle.attach_evidence(p.scope, a, "a.pdf", PDF)
    meeting(p, [cycle.ProposalRow(a.pk, True, 20, 3, 2)])
    with pytest.raises(ValidationError):
        cycle.delete_evidence(p.scope, kept)
    with pytest.raises(ValidationError):
        cycle.attach_evidence(p.scope, a, "b.png", PNG)
    assert EvidenceFile.objects.get() == kept


# The review meeting -----------------------------------------------------------------------------


def test_the_meeting_proposes_and_the_commune_decision_lists_the_proposed(hamlet):
    p = hamlet
    ba = assessed(p, "Hộ ông Võ Văn Ba", 9)
    tu = assessed(p, "Hộ bà Lê Thị Tư", 10)
    nam = assessed(p, "Hộ ông Trần Năm", 3)
    # Before the meeting the commune has nothing to decide for households.
    assert not selectors.awaiting_decision(p.tree.commune_branch, 2024, "household").exists()
    assert set(selectors.to_review(p.scope, p.tree.hamlet_branch, 2024)) == {ba, tu, nam}
    held = meeting(
        p,
        [
            cycle.ProposalRow(ba.pk, True, 22, 1, 2),
            cycle.ProposalRow(tu.pk, False, 5, 18, 2, "Chưa nộp minh chứng"),
            cycle.ProposalRow(nam.pk, False, 0, 25, 0),
        ],
    )
    assert held.admin_unit == p.a1 and held.attendees.count() == 2
    assert held.attendees.first().name == p.tree.hamlet_head.full_name
    statuses = dict(Assessment.objects.values_list("pk", "status"))
    assert statuses == {ba.pk: S.PROPOSED, tu.pk: S.REVIEWED, nam.pk: S.REVIEWED}
    assert list(selectors.awaiting_decision(p.tree.commune_branch, 2024, "household")) == [ba]
    assert not selectors.to_review(p.scope, p.tree.hamlet_branch, 2024).exists()
    # The commune cannot recognise what the hamlet did not propose.
    commune = scope_for(p.tree.users["commune_official"])
    signer = services.Signer(name="Nguyễn Văn Hùng", title="CHỦ TỊCH")
    with pytest.raises(ValidationError) as exc:
        services.issue_recognition_decision(
            commune, p.tree.commune_branch, "1/QĐ-UBND", DAY, signer, [ba, tu]
        )
    assert "Hộ bà Lê Thị Tư was not proposed by the review meeting for 2024." in str(exc.value)
    services.issue_recognition_decision(
        commune, p.tree.commune_branch, "1/QĐ-UBND", DAY, signer, [ba]
    )
    ba.refresh_from_db()
    assert ba.status == S.RECOGNISED
    # Re-scoring after the meeting is refused; the answers it weighed, sent again, are no
    # change (tests/test_evaluation_assessment_paths.py: the same through every path).
    with pytest.raises(ValidationError) as exc:
        services.record_assessment(p.scope, tu.subject, 2024, {"I1": 9})
    assert exc.value.messages == [
        "The review meeting has been held: this assessment can no longer change."
    ]
    same = services.record_assessment(p.scope, tu.subject, 2024, {"I1": 10})
    assert (same.status, same.answers) == (S.REVIEWED, {"I1": 10})


def test_an_unreviewed_household_is_not_decided(hamlet):
    p = hamlet
    ba = assessed(p, "Hộ ông Võ Văn Ba", 9)
    commune = scope_for(p.tree.users["commune_official"])
    signer = services.Signer(name="Nguyễn Văn Hùng", title="CHỦ TỊCH")
    with pytest.raises(ValidationError) as exc:
        services.issue_recognition_decision(
            commune, p.tree.commune_branch, "1/QĐ-UBND", DAY, signer, [ba]
        )
    assert "has not been reviewed by its hamlet's meeting" in str(exc.value)


def test_a_bad_meeting_records_nothing(hamlet):
    p = hamlet
    ba = assessed(p, "Hộ ông Võ Văn Ba", 9)
    nam = assessed(p, "Hộ ông Trần Năm", 3)
    only_registered = register(p, "Hộ bà Đào Thị Bảy")
    far = Assessment.objects.create(
        subject=add(p, place=p.b1, name="Hộ ông Đặng Sáu", org=p.tree.vn_association),
        year=2024,
        framework=p.framework,
        answers={"I1": 9},
        recognised=True,
        status=S.SELF_ASSESSED,
    )
    with pytest.raises(ValidationError) as exc:
        meeting(
            p,
            [
                cycle.ProposalRow(ba.pk, True, 20, 10, 0),  # 30 votes, 25 present
                cycle.ProposalRow(nam.pk, True),  # fails the criteria
                cycle.ProposalRow(only_registered.pk, False),
            ],
        )
    problems = exc.value.message_dict["proposals"]
    assert "Hộ ông Võ Văn Ba: more votes than members present." in problems
    assert "Hộ ông Trần Năm does not meet the criteria and cannot be proposed." in problems
    assert "Hộ bà Đào Thị Bảy has no self-assessment for 2024 yet." in problems
    # A household the hamlet cannot see is not named: it is not found, as no household.
    for unseen in (far.pk, 10**9):
        with pytest.raises(ValidationError) as exc:
            meeting(p, [cycle.ProposalRow(ba.pk, True), cycle.ProposalRow(unseen, True)])
        assert exc.value.message_dict == {"proposals": ["Assessment not found."]}
    for bad in ({"present": 31}, {"date": dt.date.today() + dt.timedelta(days=1)}):
        with pytest.raises(ValidationError):
            meeting(p, [cycle.ProposalRow(ba.pk, True)], **bad)
    assert not ReviewMeeting.objects.exists() and not Proposal.objects.exists()
    assert set(Assessment.objects.values_list("status", flat=True)) == {
        S.SELF_ASSESSED,
        S.REGISTERED,
    }
    with pytest.raises(ReadOnly):
        cycle.record_review_meeting(
            scope_for(p.tree.users["trainer"]),
            p.tree.hamlet_branch,
            cycle.Meeting(
                2024, DAY, "x", "x", "x", 1, 1, proposals=[cycle.ProposalRow(ba.pk, True)]
            ),
        )


def test_once_the_commune_approves_the_hamlets_year_its_cycle_is_locked(hamlet, media):
    from edupact.evaluation import workflow

    p = hamlet
    ba = assessed(p, "Hộ ông Võ Văn Ba", 9)
    meeting(p, [cycle.ProposalRow(ba.pk, True, 20, 1, 0)])
    late = assessed(p, "Hộ bà Lê Thị Tư", 9, year=2023)  # another year stays open
    commune = scope_for(p.tree.users["commune_official"])
    workflow.approve_year(commune, p.a1, 2024)
    with pytest.raises(ValidationError, match="locked"):
        register(p, "Hộ ông Trần Năm")
    with pytest.raises(ValidationError, match="locked"):
        cycle.attach_evidence(p.scope, ba, "bien-ban.pdf", PDF)
    assert not EvidenceFile.objects.exists()
    cycle.attach_evidence(p.scope, late, "bien-ban.pdf", PDF)
