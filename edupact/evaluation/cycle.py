"""The hamlet branch's part of the yearly cycle: registration at the start of the year,
evidence for the self-assessment, and the review meeting (bình xét) with its proposals.

The steps share ``Assessment.status``: ``registered`` → ``self_assessed`` (by
``services.record_assessment``) → ``proposed`` or ``reviewed`` (by the meeting) → decided by
the commune (``services.issue_recognition_decision``). Households and clans are reviewed at
their hamlet's meeting before the commune decides (``services.REVIEWED_IN_HAMLET``). The
hamlet community (ấp/khu phố học tập) is not reviewed by its own hamlet's meeting — a hamlet
does not judge itself —: like units and citizens, it goes from its self-assessment (entered
by the hamlet's board) straight to the commune, which decides on it.

A recorded meeting is corrected, not overwritten (``correct_review_meeting``): the earlier
attendees, minutes and proposals are kept as a numbered revision with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from edupact.core.downloads import EXTENSIONS, sniff
from edupact.core.scoping import Scope
from edupact.core.text import normalise
from edupact.directory.models import AdminUnit, Organisation

from . import services
from .models import (
    Assessment,
    Attendee,
    EvidenceFile,
    LearningModel,
    MeetingRevision,
    Member,
    Proposal,
    ReviewMeeting,
    Subject,
)
from .places import locks
from .selectors import meeting_people
from .services import REVIEWED_IN_HAMLET

Status = Assessment.Status

#: Before the meeting: evidence may still be added or removed, as the answers may change.
BEFORE_REVIEW = services.ANSWERS_OPEN


# Registration -----------------------------------------------------------------------------------


@dataclass
class MemberRow:
    full_name: str
    birth_year: int | None = None
    relation: str = ""


@dataclass
class Registration:
    """What a registration form or API call carries besides the subject itself."""

    year: int
    members: list[MemberRow] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)


def _check_year(year: int) -> None:
    today = dt.date.today()
    if not 2000 <= year <= today.year + 1:
        raise ValidationError({"year": [_("Choose a year from 2000 to next year.")]})


def _member_errors(rows: list[MemberRow], year: int) -> list[str]:
    errors = []
    for n, row in enumerate(rows, start=1):
        if not normalise(row.full_name):
            errors.append(_("Member %(n)d: enter the full name.") % {"n": n})
        if row.birth_year is not None and not 1900 <= row.birth_year <= year:
            errors.append(
                _("Member %(n)d: the year of birth must be from 1900 to %(year)d.")
                % {"n": n, "year": year}
            )
    return errors


@transaction.atomic
def register(scope: Scope, subject: Subject, registration: Registration, user=None) -> Assessment:
    """Register a subject for a year (creating it, its members and a clan's branches when
    new). The registration is the year's assessment row with status ``registered``; the
    framework version in force is attached when exactly one applies."""
    from .selectors import framework_for

    year = registration.year
    _check_year(year)
    errors = _member_errors(registration.members, year)
    if registration.members and subject.kind not in REVIEWED_IN_HAMLET:
        errors.append(_("Only households and clans have members."))
    if registration.branches and subject.kind != LearningModel.CLAN:
        errors.append(_("Only clans have branches."))
    if errors:
        raise ValidationError({"members": errors})
    locks.ensure_open(locks.place_of(subject), year)
    services.save_subject(scope, subject)
    if Assessment.objects.filter(subject=subject, year=year).exists():
        raise ValidationError(
            {
                "year": [
                    _("%(subject)s is already registered for %(year)d.")
                    % {"subject": subject.name, "year": year}
                ]
            }
        )
    for row in registration.members:
        Member.objects.create(
            subject=subject,
            full_name=row.full_name,
            birth_year=row.birth_year,
            relation=normalise(row.relation),
        )
    for name in filter(None, (normalise(b) for b in registration.branches)):
        services.save_subject(
            scope,
            Subject(
                kind=LearningModel.CLAN,
                name=name,
                organisation=subject.organisation,
                admin_unit=subject.admin_unit,
                former_admin_unit=subject.former_admin_unit,
                parent=subject,
            ),
        )
    assessment = Assessment(
        subject=subject,
        year=year,
        framework=framework_for(scope, subject.kind, year),
        status=Status.REGISTERED,
    )
    assessment.full_clean(validate_constraints=False)
    assessment.save()
    services.schedule_rollup_refresh(subject)
    return assessment


# Evidence files ---------------------------------------------------------------------------------


def max_evidence_bytes() -> int:
    return getattr(settings, "EDUPACT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


def evidence_storage() -> FileSystemStorage:
    """Files live under ``MEDIA_ROOT/evidence``; nothing serves that folder directly."""
    return FileSystemStorage(location=Path(settings.MEDIA_ROOT) / "evidence", base_url=None)


def _assessment_for_write(scope: Scope, assessment: Assessment) -> Assessment:
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("subject__organisation")
        .get(pk=assessment.pk)
    )
    scope.require_write(assessment)
    locks.ensure_open(locks.place_of(assessment.subject), assessment.year)
    return assessment


@transaction.atomic
def attach_evidence(
    scope: Scope, assessment: Assessment, name: str, content: bytes, user=None
) -> EvidenceFile:
    """Keep a PDF, JPEG or PNG file as evidence for an assessment not yet reviewed."""
    assessment = _assessment_for_write(scope, assessment)
    if assessment.status not in BEFORE_REVIEW:
        raise ValidationError(
            _("The review meeting has been held: its evidence can no longer change.")
        )
    limit = max_evidence_bytes()
    if len(content) > limit:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}]}
        )
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    content_type = sniff(content[:16])
    if content_type is None:
        raise ValidationError({"file": [_("Attach a PDF, JPEG or PNG file.")]})
    digest = hashlib.sha256(content).hexdigest()
    if assessment.evidence.filter(sha256=digest).exists():
        raise ValidationError({"file": [_("This file is already attached.")]})
    storage = evidence_storage()
    stored = f"{digest[:2]}/{digest}{EXTENSIONS[content_type]}"
    if not storage.exists(stored):
        storage.save(stored, ContentFile(content))
    original = normalise(Path(name or "").name)[:255] or stored.rsplit("/", 1)[-1]
    try:
        with transaction.atomic():
            return EvidenceFile.objects.create(
                assessment=assessment,
                stored_name=stored,
                original_name=original,
                size=len(content),
                content_type=content_type,
                sha256=digest,
                uploaded_by=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError as exc:  # the same file, attached concurrently
        raise ValidationError({"file": [_("This file is already attached.")]}) from exc


@transaction.atomic
def delete_evidence(scope: Scope, evidence: EvidenceFile) -> None:
    """Remove an evidence file before the review meeting; the stored bytes go with the last
    row that names them."""
    assessment = _assessment_for_write(scope, evidence.assessment)
    if assessment.status not in BEFORE_REVIEW:
        raise ValidationError(
            _("The review meeting has been held: its evidence can no longer change.")
        )
    stored = evidence.stored_name
    evidence.delete()
    if not EvidenceFile.objects.filter(stored_name=stored).exists():
        transaction.on_commit(lambda: evidence_storage().delete(stored))


def evidence_bytes(evidence: EvidenceFile) -> bytes:
    with evidence_storage().open(evidence.stored_name, "rb") as handle:
        return handle.read()


# The review meeting -----------------------------------------------------------------------------


def meeting_area_q(organisation: Organisation, unit: AdminUnit | None) -> Q:
    """The subjects a hamlet's meeting reviews: registered by its branch (or below it), or
    placed in its hamlet."""
    condition = Q(subject__organisation__path__startswith=organisation.path)
    if unit is not None:
        condition |= Q(subject__admin_unit=unit)
    return condition


@dataclass
class AttendeeRow:
    """One attendee: a name as typed, or a directory person by id (followed through the
    writer's scope: a person they cannot see is not found)."""

    name: str = ""
    role: str = ""
    person_id: int | None = None


@dataclass
class ProposalRow:
    assessment: int
    proposed: bool
    votes_for: int = 0
    votes_against: int = 0
    votes_abstain: int = 0
    note: str = ""


@dataclass
class Meeting:
    """The facts of a meeting as entered: who, when, where, and what it proposed."""

    year: int
    date: dt.date | None
    place: str
    chair: str
    secretary: str
    present: int
    invited: int
    minutes: str = ""
    attendees: list[AttendeeRow] = field(default_factory=list)
    proposals: list[ProposalRow] = field(default_factory=list)


def _references(
    scope: Scope, data: Meeting, organisation: Organisation, own: frozenset = frozenset()
) -> tuple[dict, dict]:
    """The assessments (locked) and the directory people the meeting names. Those it does
    not already hold (``own``, when it is corrected) are followed through the writer's
    scope (``Scope.resolve``): an id outside it is refused as one that names nothing, first
    and alone, so the refusal names no household and tells nothing of other places. People
    are resolved among the branch's (``selectors.meeting_people``), the list the meeting
    form offers: another hamlet's person, one out of sight and a missing id alike."""
    assessments = (
        Assessment.objects.select_for_update(of=("self",)).select_related("subject").order_by("pk")
    )
    ids = {p.assessment for p in data.proposals}
    rows = scope.resolve(assessments, ids - own, field="proposals")
    rows |= {a.pk: a for a in assessments.filter(pk__in=own)}
    people = scope.resolve(
        meeting_people(scope, organisation),
        [a.person_id for a in data.attendees if a.person_id],
        field="attendees",
    )
    return rows, people


def _meeting_errors(data: Meeting) -> dict[str, list]:
    errors: dict[str, list] = {}
    if data.date is None:
        errors["date"] = [_("Enter the meeting date.")]
    elif data.date > dt.date.today():
        errors["date"] = [_("The meeting date cannot be in the future.")]
    elif data.date < dt.date(data.year, 1, 1):
        errors["date"] = [
            _("A meeting on %(year)d cannot be held before that year.") % {"year": data.year}
        ]
    for key, value in (("place", data.place), ("chair", data.chair)):
        if not normalise(value):
            errors[key] = [_("This field is required.")]
    if not normalise(data.secretary):
        errors["secretary"] = [_("This field is required.")]
    if data.invited < 1 or data.present < 1:
        errors["present"] = [_("Enter how many members were invited and how many came.")]
    elif data.present > data.invited:
        errors["present"] = [_("More members present than invited.")]
    for n, row in enumerate(data.attendees, start=1):
        if not normalise(row.name) and row.person_id is None:
            errors.setdefault("attendees", []).append(
                _("Attendee %(n)d: enter the name.") % {"n": n}
            )
    return errors


def _proposal_errors(
    data: Meeting, rows: dict[int, Assessment], in_area: set[int], own: frozenset = frozenset()
) -> list:
    """What is wrong with the proposals; ``own`` are the assessments the meeting being
    corrected already weighed (proposed or reviewed by it, so not awaiting review)."""
    problems, seen = [], set()
    if not data.proposals:
        problems.append(_("The meeting reviews at least one self-assessment."))
    for p in data.proposals:
        a = rows[p.assessment]  # every id resolved in the writer's scope (``_references``)
        values = {"subject": a.subject.name, "year": data.year}
        if p.assessment in seen:
            problems.append(_("%(subject)s is proposed twice.") % values)
            continue
        seen.add(p.assessment)
        if p.assessment not in in_area:
            problems.append(_("%(subject)s is not reviewed by this hamlet.") % values)
        elif a.year != data.year:
            problems.append(_("%(subject)s: the assessment is not for %(year)d.") % values)
        elif a.subject.kind not in REVIEWED_IN_HAMLET:
            problems.append(
                _(
                    "%(subject)s (%(model)s) is evaluated by the commune directly, "
                    "not at a hamlet's review meeting."
                )
                % {**values, "model": a.subject.get_kind_display()}
            )
        elif a.status == Status.REGISTERED:
            problems.append(_("%(subject)s has no self-assessment for %(year)d yet.") % values)
        elif a.status != Status.SELF_ASSESSED and a.pk not in own:
            problems.append(_("%(subject)s has already been reviewed for %(year)d.") % values)
        elif p.proposed and not a.recognised:
            problems.append(
                _("%(subject)s does not meet the criteria and cannot be proposed.") % values
            )
        votes = (p.votes_for, p.votes_against, p.votes_abstain)
        if min(votes) < 0 or sum(votes) > data.present:
            problems.append(_("%(subject)s: more votes than members present.") % values)
    return problems


@transaction.atomic
def record_review_meeting(
    scope: Scope,
    organisation: Organisation,
    data: Meeting,
    unit: AdminUnit | None = None,
    user=None,
) -> ReviewMeeting:
    """Record a hamlet's review meeting, its attendees and its proposals, and move each
    reviewed assessment to ``proposed`` or ``reviewed``. Any error refuses the whole
    meeting, with every message, and changes nothing; an assessment or person the writer
    cannot see is refused first, alone, exactly as one that does not exist."""
    scope.require_write(ReviewMeeting(organisation=organisation))  # by the branch holding it
    _check_year(data.year)
    unit = unit or organisation.admin_unit
    ids = [p.assessment for p in data.proposals]
    rows, people = _references(scope, data, organisation)
    errors = _meeting_errors(data)
    in_area = set(
        Assessment.objects.filter(pk__in=ids)
        .filter(meeting_area_q(organisation, unit))
        .values_list("pk", flat=True)
    )
    problems = _proposal_errors(data, rows, in_area)
    closed = locks.locked(
        data.year, {unit.pk if unit else None, *(locks.place_of(a.subject) for a in rows.values())}
    )
    problems += sorted({locks.message(data.year, by) for by in closed.values()})
    if problems:
        errors["proposals"] = problems
    if errors:
        raise ValidationError(errors)
    meeting = ReviewMeeting(
        organisation=organisation,
        admin_unit=unit,
        year=data.year,
        date=data.date,
        place=data.place,
        chair=data.chair,
        secretary=data.secretary,
        present=data.present,
        invited=data.invited,
        minutes=(data.minutes or "").strip(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    meeting.full_clean(validate_constraints=False)
    meeting.save()
    _write_attendees(meeting, data.attendees, people)
    _write_proposals(meeting, data.proposals, rows)
    return meeting


def _write_attendees(meeting: ReviewMeeting, attendees: list[AttendeeRow], people: dict) -> None:
    for row in attendees:
        person = people.get(row.person_id)
        name = normalise(row.name) or (person.full_name if person else "")
        Attendee.objects.create(meeting=meeting, person=person, name=name, role=row.role)


def _write_proposals(
    meeting: ReviewMeeting, proposals: list[ProposalRow], rows: dict[int, Assessment]
) -> None:
    """Create or update the meeting's proposals and move each assessment to ``proposed`` or
    ``reviewed`` (one save each: the audit trail records every change)."""
    current = {p.assessment_id: p for p in meeting.proposals.all()}
    for p in proposals:
        proposal = current.get(p.assessment) or Proposal(
            meeting=meeting, assessment_id=p.assessment
        )
        values = {
            "proposed": p.proposed,
            "votes_for": p.votes_for,
            "votes_against": p.votes_against,
            "votes_abstain": p.votes_abstain,
            "note": normalise(p.note),
        }
        if proposal.pk is None or any(getattr(proposal, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(proposal, key, value)
            proposal.save()
        a = rows[p.assessment]
        status = Status.PROPOSED if p.proposed else Status.REVIEWED
        if a.status != status:
            a.status = status
            a.save(update_fields=["status", "updated_at"])


# Correcting a recorded meeting ------------------------------------------------------------------

#: The statuses an assessment has while its meeting's word is the last one.
WEIGHED = (Status.PROPOSED, Status.REVIEWED)


def meeting_record(meeting: ReviewMeeting) -> dict:
    """A meeting's record as it stands (kept as a ``MeetingRevision`` before a correction)."""
    return {
        "date": meeting.date.isoformat(),
        "place": meeting.place,
        "chair": meeting.chair,
        "secretary": meeting.secretary,
        "present": meeting.present,
        "invited": meeting.invited,
        "minutes": meeting.minutes,
        "attendees": [
            {"name": a.name, "role": a.role, "person": a.person_id}
            for a in meeting.attendees.order_by("pk")
        ],
        "proposals": [
            {
                "assessment": p.assessment_id,
                "subject": p.assessment.subject.name,
                "proposed": p.proposed,
                "votes_for": p.votes_for,
                "votes_against": p.votes_against,
                "votes_abstain": p.votes_abstain,
                "note": p.note,
            }
            for p in meeting.proposals.select_related("assessment__subject").order_by("pk")
        ],
    }


def correction_refused(meeting: ReviewMeeting) -> str | None:
    """Why the meeting can no longer be corrected, or None: once the commune has decided on
    one of its assessments (it compiled the proposals), or the hamlet's year is approved."""
    decided = (
        Assessment.objects.filter(proposal__meeting=meeting)
        .exclude(status__in=WEIGHED)
        .select_related("subject")
        .order_by("pk")
        .first()
    )
    if decided is not None:
        return _(
            "The commune has already acted on %(subject)s from this meeting; "
            "the meeting can no longer be corrected."
        ) % {"subject": decided.subject.name}
    places = {meeting.admin_unit_id} | {
        a.subject.admin_unit_id or a.subject.former_admin_unit_id
        for a in Assessment.objects.filter(proposal__meeting=meeting).select_related("subject")
    }
    closed = locks.locked(meeting.year, places)
    if closed:
        return locks.message(meeting.year, sorted(closed.values(), key=lambda u: u.pk)[0])
    return None


@transaction.atomic
def correct_review_meeting(
    scope: Scope, meeting: ReviewMeeting, data: Meeting, reason: str, user=None
) -> ReviewMeeting:
    """Correct a recorded meeting (its facts, minutes, attendees and proposals) with the
    reason, keeping the earlier version as a ``MeetingRevision``; never a silent overwrite.

    ``data.proposals`` is the whole corrected list: a proposal may change, an assessment of
    the hamlet still awaiting review may be added, and one left out goes back to
    ``self_assessed``. Refused, changing nothing, by whoever does not write for the branch
    that held it, without a reason, once the commune has acted on one of its assessments or
    an approval locks the hamlet's year, and for the same errors as a new meeting.
    """
    meeting = (
        ReviewMeeting.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=meeting.pk)
    )
    scope.require_write(meeting)
    reason = " ".join((reason or "").split())
    refused = correction_refused(meeting)
    if refused:
        raise ValidationError(refused)
    data.year = meeting.year
    own = frozenset(meeting.proposals.values_list("assessment_id", flat=True))
    ids = [p.assessment for p in data.proposals]
    rows, people = _references(scope, data, meeting.organisation, own)
    errors = _meeting_errors(data)
    if not reason:
        errors["reason"] = [_("Give the reason for the correction.")]
    in_area = own | set(
        Assessment.objects.filter(pk__in=ids)
        .filter(meeting_area_q(meeting.organisation, meeting.admin_unit))
        .values_list("pk", flat=True)
    )
    problems = _proposal_errors(data, rows, in_area, own)
    closed = locks.locked(data.year, {locks.place_of(rows[i].subject) for i in ids if i in rows})
    problems += sorted({locks.message(data.year, by) for by in closed.values()})
    if problems:
        errors["proposals"] = problems
    if errors:
        raise ValidationError(errors)
    before = meeting_record(meeting)
    number = meeting.revisions.count() + 1
    MeetingRevision.objects.create(
        meeting=meeting,
        number=number,
        record=before,
        reason=reason,
        corrected_by=user if getattr(user, "pk", None) else None,
    )
    for key in ("date", "place", "chair", "secretary", "present", "invited"):
        setattr(meeting, key, getattr(data, key))
    meeting.minutes = (data.minutes or "").strip()
    meeting.full_clean(validate_constraints=False)
    meeting.save()
    meeting.attendees.all().delete()  # the earlier list is in the revision
    _write_attendees(meeting, data.attendees, people)
    dropped = own - set(ids)
    for proposal in meeting.proposals.filter(assessment_id__in=dropped):
        proposal.delete()
        a = rows[proposal.assessment_id]
        a.status = Status.SELF_ASSESSED
        a.save(update_fields=["status", "updated_at"])
    _write_proposals(meeting, data.proposals, rows)
    return meeting
