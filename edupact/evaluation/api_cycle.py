"""API of the hamlet's cycle: registration with members, the self-assessment, evidence
files and review meetings; scoped like the pages (404 outside the scope, 403 read-only)."""

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core.bounds import Year
from edupact.core.downloads import stored_file_response
from edupact.directory.models import Organisation

from . import cycle, selectors, services
from .models import Assessment, EvidenceFile, Framework, LearningModel, ReviewMeeting, Subject

router = Router(tags=["evaluation cycle"])


class MemberIn(Schema):
    full_name: str
    birth_year: int | None = None
    relation: str = ""


class MemberOut(MemberIn):
    id: int


class RegistrationIn(Schema):
    kind: LearningModel
    name: str
    code: str = ""
    organisation_id: int
    admin_unit_id: int | None = None
    former_admin_unit_id: int | None = None
    parent_id: int | None = None
    year: Year
    members: list[MemberIn] = []
    branches: list[str] = []


class HistoryOut(Schema):
    id: int
    year: int
    status: str
    framework_id: int | None
    framework_version: str | None
    total: float | None
    level: int | None
    recognised: bool

    @staticmethod
    def resolve_framework_version(obj):
        return obj.framework.version if obj.framework else None


class SubjectDetail(Schema):
    id: int
    kind: str
    name: str
    code: str
    organisation_id: int
    admin_unit_id: int | None
    former_admin_unit_id: int | None
    parent_id: int | None
    members: list[MemberOut]
    assessments: list[HistoryOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())

    @staticmethod
    def resolve_assessments(obj):
        return list(selectors.history_of(obj))


class SelfAssessmentIn(Schema):
    year: Year
    framework_id: int | None = None
    answers: dict[str, Any]
    notes: str = ""


class EvidenceOut(Schema):
    id: int
    assessment_id: int
    original_name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: dt.datetime


class AttendeeIn(Schema):
    person_id: int | None = None
    name: str = ""
    role: str = ""


class AttendeeOut(Schema):
    person_id: int | None
    name: str
    role: str


class ProposalIn(Schema):
    assessment_id: int
    proposed: bool
    votes_for: int = 0
    votes_against: int = 0
    votes_abstain: int = 0
    note: str = ""


class ProposalOut(ProposalIn):
    status: str

    @staticmethod
    def resolve_status(obj):
        return obj.assessment.status


class MeetingRecordIn(Schema):
    """What a review meeting records; the proposals are the complete list."""

    date: dt.date
    place: str
    chair: str
    secretary: str
    present: int
    invited: int
    minutes: str = ""
    attendees: list[AttendeeIn] = []
    proposals: list[ProposalIn]


class MeetingIn(MeetingRecordIn):
    organisation_id: int
    year: Year


class MeetingOut(Schema):
    id: int
    organisation_id: int
    admin_unit_id: int | None
    year: int
    date: dt.date
    place: str
    chair: str
    secretary: str
    present: int
    invited: int
    minutes: str
    attendees: list[AttendeeOut]
    proposals: list[ProposalOut]

    @staticmethod
    def resolve_attendees(obj):
        return list(obj.attendees.all())

    @staticmethod
    def resolve_proposals(obj):
        return list(selectors.meeting_proposals(obj))


@router.get("/subjects/{pk}/detail", response=SubjectDetail)
def subject_detail(request, pk: int):
    """A subject with its members and its assessment history (year, framework version)."""
    return scoped_get_or_404(request.user, Subject, pk)


@router.post("/registrations", response={201: SubjectDetail})
def register(request, data: RegistrationIn):
    """Register a new subject for a year, with a household's members or a clan's branches."""
    organisation = scoped_get_or_404(request.user, Organisation, data.organisation_id)
    subject = Subject(
        kind=data.kind,
        name=data.name,
        code=data.code,
        organisation=organisation,
        admin_unit_id=data.admin_unit_id,
        former_admin_unit_id=data.former_admin_unit_id,
        parent_id=data.parent_id,
    )
    registration = cycle.Registration(
        data.year,
        members=[cycle.MemberRow(m.full_name, m.birth_year, m.relation) for m in data.members],
        branches=data.branches,
    )
    cycle.register(scope_for(request.user), subject, registration, user=request.user)
    return Status(201, subject)


@router.put("/subjects/{pk}/self-assessment", response=dict)
def self_assessment(request, pk: int, data: SelfAssessmentIn):
    """Record or change the subject's self-assessment for a year (before the meeting)."""
    subject = scoped_get_or_404(request.user, Subject, pk, select=("organisation",))
    framework = None  # the service refuses a reader (403, with the reason)
    if data.framework_id:
        try:
            framework = selectors.framework(scope_for(request.user), data.framework_id)
        except Framework.DoesNotExist as exc:
            raise Http404 from exc
    a = services.record_assessment(
        scope_for(request.user), subject, data.year, data.answers, framework, data.notes
    )
    return {
        "id": a.pk,
        "status": a.status,
        "framework_id": a.framework_id,
        "result": a.result,
        "recognised": a.recognised,
    }


@router.get("/assessments/{pk}/evidence", response=list[EvidenceOut])
def list_evidence(request, pk: int):
    return list(scoped_get_or_404(request.user, Assessment, pk).evidence.all())


@router.post("/assessments/{pk}/evidence", response={201: EvidenceOut})
def upload_evidence(request, pk: int, file: File[UploadedFile]):
    """Attach a PDF, JPEG or PNG file (multipart ``file``) to an assessment."""
    a = scoped_get_or_404(request.user, Assessment, pk, select=("subject__organisation",))
    content = file.read(cycle.max_evidence_bytes() + 1)
    evidence = cycle.attach_evidence(
        scope_for(request.user), a, file.name, content, user=request.user
    )
    return Status(201, evidence)


@router.get("/evidence/{pk}")
def download_evidence(request, pk: int):
    """The file, typed and named by its bytes whatever the uploaded name said."""
    obj = scoped_get_or_404(request.user, EvidenceFile, pk)
    return stored_file_response(cycle.evidence_bytes(obj), obj.original_name)


@router.delete("/evidence/{pk}", response={204: None})
def delete_evidence(request, pk: int):
    obj = scoped_get_or_404(
        request.user, EvidenceFile, pk, select=("assessment__subject__organisation",)
    )
    cycle.delete_evidence(scope_for(request.user), obj)
    return Status(204, None)


def _meeting_data(data, year: int) -> cycle.Meeting:
    """The service's ``Meeting`` from the request; the service follows the ids it names."""
    attendees = [cycle.AttendeeRow(a.name, a.role, a.person_id) for a in data.attendees]
    return cycle.Meeting(
        year=year,
        date=data.date,
        place=data.place,
        chair=data.chair,
        secretary=data.secretary,
        present=data.present,
        invited=data.invited,
        minutes=data.minutes,
        attendees=attendees,
        proposals=[
            cycle.ProposalRow(
                p.assessment_id, p.proposed, p.votes_for, p.votes_against, p.votes_abstain, p.note
            )
            for p in data.proposals
        ],
    )


@router.post("/review-meetings", response={201: MeetingOut})
def record_meeting(request, data: MeetingIn):
    """Record a hamlet's review meeting with its attendees and a proposal per assessment."""
    scope = scope_for(request.user)
    organisation = scoped_get_or_404(request.user, Organisation, data.organisation_id)
    meeting = cycle.record_review_meeting(
        scope, organisation, _meeting_data(data, data.year), user=request.user
    )
    return Status(201, meeting)


@router.get("/review-meetings/{pk}", response=MeetingOut)
def get_meeting(request, pk: int):
    return scoped_get_or_404(request.user, ReviewMeeting, pk)


class MeetingCorrectionIn(MeetingRecordIn):
    """The whole corrected record and the reason for the correction."""

    reason: str


class RevisionOut(Schema):
    number: int
    reason: str
    corrected_by_id: int | None
    corrected_at: dt.datetime
    record: dict[str, Any]


@router.put("/review-meetings/{pk}", response=MeetingOut)
def correct_meeting(request, pk: int, data: MeetingCorrectionIn):
    """Correct a recorded meeting with a reason; the earlier version is kept
    (``GET /review-meetings/{pk}/revisions``)."""
    scope = scope_for(request.user)
    meeting = scoped_get_or_404(request.user, ReviewMeeting, pk, select=("organisation",))
    return cycle.correct_review_meeting(
        scope, meeting, _meeting_data(data, meeting.year), data.reason, user=request.user
    )


@router.get("/review-meetings/{pk}/revisions", response=list[RevisionOut])
def meeting_revisions(request, pk: int):
    """The earlier versions of the meeting's record, newest first."""
    return list(selectors.meeting_revisions(scoped_get_or_404(request.user, ReviewMeeting, pk)))
