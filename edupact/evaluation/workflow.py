"""The yearly cycle's workflow: deadlines, reminders, re-opening, and bottom-up approval.

Data cover 1 January – 31 December. Each step has a deadline per (year, step, level),
editable data seeded by ``DEFAULT_DEADLINES``; a province or commune may set its own.
Reminders go out before a deadline to the users who take the step (e-mail and a notice on
the home page), once per (deadline, user, day).

Approval goes bottom-up: the commune approves each hamlet's year once its households and
clans have been reviewed at the review meeting (bình xét) or decided; the province approves
the commune's year once all its hamlets are approved and what the commune decides directly
(hamlet communities, units, records of retired units mapped onto it) is decided. The
province (the city's association or DOET secretariat) then closes its own year, once every
commune is approved and what is placed in the province itself (a city-level agency, records
of an old district mapped onto the whole city) is decided: the annual statistics are final.
An approval locks the records below it (``locks``); the approving level may re-open them,
with a reason — a province's closure only the national level (platform administrators).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edupact.accounts.models import WRITING_ROLES, Role, RoleGrant, User
from edupact.core.bounds import check_year
from edupact.core.scoping import ReadOnly, Scope
from edupact.directory.models import AdminUnit

from .models import (
    Assessment,
    AssessmentReopening,
    Deadline,
    LearningModel,
    Reminder,
    Step,
    YearApproval,
)
from .places import locks
from .places.selectors import COMMUNE, HAMLET, PROVINCE, communes_of, hamlets_of, retired_onto

log = logging.getLogger(__name__)
APPROVED = YearApproval.State.APPROVED
PENDING = Assessment.Status.SELF_ASSESSED

#: step → (level that takes it, years after the assessed one, month, day). Seeds only: the
#: stored ``Deadline`` rows are what counts, and users change them. [I] marks inferences.
DEFAULT_DEADLINES = {
    Step.REGISTRATION: (HAMLET, 0, 3, 31),  # [I] registration at the start of the year
    Step.SELF_ASSESSMENT: (HAMLET, 0, 12, 10),  # by mid-December
    Step.REVIEW: (HAMLET, 0, 12, 15),  # by mid-December
    Step.HAMLET_APPROVAL: (COMMUNE, 0, 12, 31),  # [I]
    Step.DOSSIER: (COMMUNE, 1, 1, 14),  # before 15 January of the next year
    Step.COMMUNE_APPROVAL: (PROVINCE, 1, 1, 31),  # [I]
    # [I] The brief has the annual statistics go upward after the communes' recognition but
    # gives no date: two months after the communes' approval (docs/evaluation.md).
    Step.PROVINCE_CLOSURE: (PROVINCE, 1, 3, 31),
}
STEP_LEVEL = {step: level for step, (level, *_rest) in DEFAULT_DEADLINES.items()}


# Deadlines ---------------------------------------------------------------------------------------


def default_deadline(year: int, step: str) -> Deadline:
    level, offset, month, day = DEFAULT_DEADLINES[step]
    return Deadline(year=year, step=step, level=level, due=dt.date(year + offset, month, day))


def _shifted(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def seed_deadlines(year: int) -> dict[str, Deadline]:
    """Step → the (unsaved) default deadline a year starts with: the latest earlier year's
    stored default moved to this year (so a default the secretariat changed carries on),
    else the brief's ``DEFAULT_DEADLINES``. One query."""
    seeds = {step: default_deadline(year, step) for step in DEFAULT_DEADLINES}
    latest: dict[str, Deadline] = {}
    for d in Deadline.objects.filter(year__lt=year, admin_unit__isnull=True).order_by("year"):
        latest[d.step] = d
    for step, d in latest.items():
        if step in seeds:
            seeds[step].due = _shifted(d.due, year - d.year)
            seeds[step].remind_days = d.remind_days
    return seeds


@transaction.atomic
def ensure_deadlines(year: int) -> int:
    """Store the default deadlines of a year that are not stored yet; returns how many."""
    check_year(year, field="year")
    have = set(
        Deadline.objects.filter(year=year, admin_unit__isnull=True).values_list("step", flat=True)
    )
    missing = [d for s, d in seed_deadlines(year).items() if s not in have]
    for deadline in missing:  # a handful: saved one by one, so each is audited
        deadline.save()
    return len(missing)


def _chain(unit: AdminUnit | None) -> list[int]:
    from .places.selectors import unit_chain

    return unit_chain(unit) if unit is not None else []


def deadlines_for(unit: AdminUnit | None, year: int) -> dict[str, Deadline]:
    """Step → the deadline that applies to a place: its own or its commune's or province's
    (nearest first), else the stored default, else the seed (unsaved)."""
    check_year(year, field="year")
    chain = _chain(unit)
    rows = Deadline.objects.filter(year=year).filter(
        Q(admin_unit__isnull=True) | Q(admin_unit_id__in=chain)
    )
    rank = {pk: n for n, pk in enumerate(chain)}
    out: dict[str, Deadline] = {}
    for d in sorted(rows, key=lambda d: rank.get(d.admin_unit_id, len(chain))):
        out.setdefault(d.step, d)
    if len(out) < len(DEFAULT_DEADLINES):
        for step, seed in seed_deadlines(year).items():
            out.setdefault(step, seed)
    return dict(sorted(out.items(), key=lambda item: item[1].due))


#: How high each level stands; a place sets the deadlines of the steps taken at its level or
#: below (a pre-2025 district sits between its communes and the province).
_RANK = {HAMLET: 0, COMMUNE: 1, AdminUnit.Level.DISTRICT: 2, PROVINCE: 3}


def settable_at(step: str, admin_unit: AdminUnit | None) -> bool:
    """Whether ``admin_unit`` (None: the defaults) may set its own deadline of ``step``. A
    step taken above the place (a commune and the province's approval or closure) is the
    higher level's to time, for all its places alike."""
    return admin_unit is None or _RANK[STEP_LEVEL[step]] <= _RANK[admin_unit.level]


@transaction.atomic
def set_deadline(
    scope: Scope,
    year: int,
    step: str,
    due: dt.date,
    admin_unit: AdminUnit | None = None,
    remind_days: int | None = None,
) -> Deadline:
    """Set a step's deadline for everyone (platform administrators) or for a province or
    commune and the places below it (those who write for it: ``Deadline.scope``)."""
    check_year(year, field="year")
    if step not in STEP_LEVEL:
        raise ValidationError({"step": [_("Choose a step of the yearly cycle.")]})
    if not settable_at(step, admin_unit):
        raise ValidationError(
            {"step": [_("This step is taken above this place: its deadline is set there.")]}
        )
    scope.require_write(Deadline(year=year, step=step, admin_unit=admin_unit))
    if not dt.date(year, 1, 1) <= due <= dt.date(year + 1, 12, 31):
        raise ValidationError(
            {"due": [_("The deadline must fall in %(year)d or the year after.") % {"year": year}]}
        )
    if remind_days is not None and not 0 <= remind_days <= 60:
        raise ValidationError({"remind_days": [_("Remind from 0 to 60 days before.")]})
    deadline = Deadline.objects.filter(
        year=year, step=step, level=STEP_LEVEL[step], admin_unit=admin_unit
    ).first() or Deadline(year=year, step=step, level=STEP_LEVEL[step], admin_unit=admin_unit)
    deadline.due = due
    if remind_days is not None:
        deadline.remind_days = remind_days
    deadline.full_clean(validate_constraints=False)
    deadline.save()
    return deadline


@transaction.atomic
def clear_deadline(scope: Scope, year: int, step: str, admin_unit: AdminUnit) -> bool:
    """Remove a province's or commune's own deadline of a step, so the one of the place above
    (or the default) applies again; returns whether there was one."""
    check_year(year, field="year")
    scope.require_write(Deadline(year=year, step=step, admin_unit=admin_unit))
    deleted, _rows = Deadline.objects.filter(
        year=year, step=step, level=STEP_LEVEL.get(step), admin_unit=admin_unit
    ).delete()
    return bool(deleted)


# Reminders ---------------------------------------------------------------------------------------

RESPONSIBLE_ROLES = WRITING_ROLES - {Role.PLATFORM_ADMIN}


def _below(unit_id: int, field: str = "organisation__admin_unit") -> Q:
    return (
        Q(**{field: unit_id})
        | Q(**{f"{field}__parent": unit_id})
        | Q(**{f"{field}__parent__parent": unit_id})
    )


def responsible_users(deadline: Deadline, on: dt.date):
    """Active users who take the step: a writing role in an organisation placed at the
    deadline's level (under its place, for a local deadline), except where a more local
    deadline of the same step applies."""
    grants = RoleGrant.objects.filter(
        role__in=RESPONSIBLE_ROLES,
        user__is_active=True,
        organisation__admin_unit__level=deadline.level,
        organisation__admin_unit__valid_to__isnull=True,
    ).filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
    grants = grants.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    if deadline.admin_unit_id:
        grants = grants.filter(_below(deadline.admin_unit_id))
    overrides = Deadline.objects.filter(
        year=deadline.year, step=deadline.step, level=deadline.level, admin_unit__isnull=False
    ).exclude(pk=deadline.pk)
    if deadline.admin_unit_id:  # only overrides below this one's place
        overrides = overrides.filter(_below(deadline.admin_unit_id, "admin_unit")).exclude(
            admin_unit=deadline.admin_unit_id
        )
    for unit_id in overrides.values_list("admin_unit_id", flat=True):
        grants = grants.exclude(_below(unit_id))
    places = set(grants.values_list("organisation__admin_unit_id", flat=True))
    done = finished_places(deadline.year, deadline.step, places)
    if done:  # a place whose step is finished is not reminded of it
        grants = grants.exclude(organisation__admin_unit_id__in=done)
    return User.objects.filter(pk__in=grants.values("user_id")).order_by("pk")


def finished_places(year: int, step: str, unit_ids) -> set[int]:
    """The places (of the step's level) that have finished ``step`` for ``year``, among
    ``unit_ids``; a few grouped queries, whatever the number of places.

    Hamlet steps: a hamlet whose year is approved has finished them all; otherwise it has
    registered when it has a registration for the year, self-assessed when none is still
    only registered, and reviewed when, besides, none of its households and clans waits
    for the meeting. Commune steps: the hamlets' approval when every hamlet is approved,
    the unit dossiers when no unit placed in the commune is still only registered (an
    approved commune has finished both). The province's steps: every commune approved, and
    the province's own closure (its year approved).
    """
    from .services import REVIEWED_IN_HAMLET

    ids = set(unit_ids) - {None}
    if not ids:
        return set()
    approved = set(
        YearApproval.objects.filter(year=year, state=APPROVED, admin_unit_id__in=ids).values_list(
            "admin_unit_id", flat=True
        )
    )
    status = Assessment.Status
    if STEP_LEVEL.get(step) == HAMLET:
        rows = (
            Assessment.objects.filter(year=year, subject__admin_unit_id__in=ids - approved)
            .values("subject__admin_unit_id")
            .annotate(
                n=Count("id"),
                registered=Count("id", filter=Q(status=status.REGISTERED)),
                waiting=Count(
                    "id",
                    filter=Q(status=PENDING, subject__kind__in=REVIEWED_IN_HAMLET),
                ),
            )
        )
        done = {
            Step.REGISTRATION: lambda r: r["n"] > 0,
            Step.SELF_ASSESSMENT: lambda r: r["n"] > 0 and not r["registered"],
            Step.REVIEW: lambda r: r["n"] > 0 and not r["registered"] and not r["waiting"],
        }[step]
        return approved | {r["subject__admin_unit_id"] for r in rows if done(r)}
    if step == Step.PROVINCE_CLOSURE:
        return approved
    if step == Step.DOSSIER:
        open_dossiers = set(
            Assessment.objects.filter(
                year=year,
                status=status.REGISTERED,
                subject__kind=LearningModel.UNIT,
                subject__admin_unit_id__in=ids - approved,
            ).values_list("subject__admin_unit_id", flat=True)
        )
        return ids - open_dossiers
    # The approval of the places below (hamlets by their commune, communes by the province).
    below = AdminUnit.objects.filter(parent_id__in=ids - approved).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=dt.date(year, 1, 1))
    )
    below = below.filter(level=HAMLET if step == Step.HAMLET_APPROVAL else COMMUNE)
    waiting = set(
        below.exclude(
            pk__in=YearApproval.objects.filter(year=year, state=APPROVED).values("admin_unit_id")
        ).values_list("parent_id", flat=True)
    )
    return ids - waiting


def due_for_reminder(on: dt.date):
    """Deadlines whose reminder window (``remind_days`` before, up to the day) includes
    ``on``: a date range in SQL, the window per row in Python (few rows)."""
    rows = Deadline.objects.filter(due__gte=on, due__lte=on + dt.timedelta(days=60))
    return [d for d in rows.select_related("admin_unit") if (d.due - on).days <= d.remind_days]


def send_reminders(on: dt.date | None = None) -> int:
    """Remind every responsible user of every deadline in its window; at most once per
    (deadline, user, day), so running it again the same day sends nothing. Returns how many
    reminders were created."""
    on = on or timezone.localdate()
    sent = 0
    for deadline in due_for_reminder(on):
        for user in responsible_users(deadline, on):
            reminder, created = Reminder.objects.get_or_create(deadline=deadline, user=user, day=on)
            if not created:
                continue
            sent += 1
            if user.email and _email(user, deadline, on):
                Reminder.objects.filter(pk=reminder.pk).update(emailed=True)
    return sent


def reminder_text(deadline: Deadline, on: dt.date) -> str:
    days = (deadline.due - on).days
    step = str(deadline.get_step_display())
    step = step[:1].upper() + step[1:]
    due = deadline.due.strftime("%d/%m/%Y")
    if days == 0:
        return _("%(step)s for %(year)d is due today (%(due)s).") % {
            "step": step,
            "year": deadline.year,
            "due": due,
        }
    return ngettext(
        "%(step)s for %(year)d is due in %(days)d day, on %(due)s.",
        "%(step)s for %(year)d is due in %(days)d days, on %(due)s.",
        days,
    ) % {"step": step, "year": deadline.year, "days": days, "due": due}


def _email(user, deadline: Deadline, on: dt.date) -> bool:
    with translation.override(user.language or "vi"):
        subject = _("Reminder: %(step)s") % {"step": deadline.get_step_display()}
        body = reminder_text(deadline, on)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except (OSError, smtplib.SMTPException):  # no mail server: the home-page notice remains
        log.warning("Reminder e-mail to user %s failed", user.pk, exc_info=True)
        return False
    return True


# Approval and re-opening -------------------------------------------------------------------------


def can_approve(scope: Scope, unit: AdminUnit) -> bool:
    """Only the level above approves a hamlet's or commune's year; a province's year is
    closed by those who write for the province (its association, its DOET)."""
    if unit.level == PROVINCE:
        return unit.valid_to is None and scope.can_write_place(unit)
    if unit.level not in (HAMLET, COMMUNE) or not unit.parent_id:
        return False
    return scope.can_write_place(unit.parent)


def can_reopen(scope: Scope, unit: AdminUnit) -> bool:
    """The level that approved re-opens a hamlet's or commune's year; a province's closed
    year is re-opened by the national level (platform administrators), since the province
    has sent its final statistics upward."""
    if unit.level == PROVINCE:
        return scope.everything and unit.valid_to is None
    return can_approve(scope, unit)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for re-opening.")]})
    return reason


def pending_for_approval(unit: AdminUnit, year: int):
    """The self-assessments an approval of ``unit``'s year still waits for.

    A hamlet: its households and clans not yet weighed by its review meeting (bình xét).
    The hamlet community itself, like units and citizens placed in the hamlet, is decided
    by the commune directly (``services.REVIEWED_IN_HAMLET``), so it does not hold up the
    hamlet; it holds up the commune. A commune: everything placed in it, the models its
    hamlets do not review (the hamlet communities…), and the subjects known only by a
    retired unit re-aggregated onto it, not yet decided. A province: what is placed in the
    province itself and the records of retired units re-aggregated onto the whole province.
    """
    from .services import REVIEWED_IN_HAMLET

    qs = Assessment.objects.filter(year=year, status=PENDING)
    if unit.level == HAMLET:
        return qs.filter(subject__admin_unit=unit, subject__kind__in=REVIEWED_IN_HAMLET)
    condition = Q(subject__admin_unit=unit)
    if unit.level == COMMUNE:
        condition |= Q(subject__admin_unit__parent=unit) & ~Q(subject__kind__in=REVIEWED_IN_HAMLET)
    old = retired_onto(unit)
    if old:
        condition |= Q(subject__admin_unit__isnull=True, subject__former_admin_unit__in=old)
    return qs.filter(condition)


def _approval(unit: AdminUnit, year: int) -> YearApproval | None:
    return YearApproval.objects.select_for_update().filter(admin_unit=unit, year=year).first()


@transaction.atomic
def approve_year(scope: Scope, unit: AdminUnit, year: int, user=None) -> YearApproval:
    """Approve a hamlet's year (the commune) or a commune's year (the province), or close a
    province's year (the province itself).

    Nothing may wait in ``pending_for_approval``; a commune also needs every hamlet
    approved, a province every commune. Approving again changes nothing.
    """
    check_year(year, field="year")
    if not can_approve(scope, unit):
        scope.require_read(YearApproval(admin_unit=unit, year=year))  # else: not found
        if unit.level == PROVINCE:
            raise ReadOnly(_("Only the province may close its year."))
        raise ReadOnly(_("Only the level above may approve this year."))
    current = _approval(unit, year)
    if current is not None and current.state == APPROVED:
        return current
    if unit.level != PROVINCE:  # the level above must still be open
        locks.ensure_open(unit.parent_id, year, locks.DECISIONS)
    count = pending_for_approval(unit, year).count()
    if count:
        raise ValidationError(
            ngettext(
                "%(count)d assessment has not been reviewed yet.",
                "%(count)d assessments have not been reviewed yet.",
                count,
            )
            % {"count": count}
        )
    if unit.level == COMMUNE:
        approved = YearApproval.objects.filter(year=year, state=APPROVED).values("admin_unit_id")
        waiting = list(
            hamlets_of(unit, year).exclude(pk__in=approved).values_list("name", flat=True)
        )
        if waiting:
            raise ValidationError(
                _("These hamlets are not approved yet: %(names)s.") % {"names": ", ".join(waiting)}
            )
    if unit.level == PROVINCE:
        _require_communes_approved(unit, year)
    approval = current or YearApproval(admin_unit=unit, year=year)
    approval.state = APPROVED
    approval.approved_by = user if getattr(user, "pk", None) else None
    approval.approved_at = timezone.now()
    approval.save()
    return approval


def _require_communes_approved(province: AdminUnit, year: int) -> None:
    approved = YearApproval.objects.filter(year=year, state=APPROVED).values("admin_unit_id")
    waiting = communes_of(province, year).exclude(pk__in=approved)
    count = waiting.count()
    if count:
        names = ", ".join(waiting.values_list("name", flat=True)[:10])
        raise ValidationError(
            ngettext(
                "%(count)d commune is not approved yet: %(names)s.",
                "%(count)d communes are not approved yet: %(names)s.",
                count,
            )
            % {"count": count, "names": names + ("…" if count > 10 else "")}
        )


@transaction.atomic
def reopen_year(scope: Scope, unit: AdminUnit, year: int, reason: str, user=None) -> YearApproval:
    """Re-open an approved year (the level that approved it; a province's closed year, the
    national level), which unlocks its records."""
    check_year(year, field="year")
    reason = _reason(reason)
    if not can_reopen(scope, unit):
        scope.require_read(YearApproval(admin_unit=unit, year=year))  # else: not found
        if unit.level == PROVINCE:
            raise ReadOnly(_("Only the national level may re-open a province's closed year."))
        raise ReadOnly(_("Only the level above may re-open this year."))
    approval = _approval(unit, year)
    if approval is None or approval.state != APPROVED:
        raise ValidationError(_("This year is not approved; there is nothing to re-open."))
    if unit.level != PROVINCE:  # top-down: the level above is re-opened first
        locks.ensure_open(unit.parent_id, year, locks.DECISIONS)
    approval.state = YearApproval.State.REOPENED
    approval.reopened_by = user if getattr(user, "pk", None) else None
    approval.reopened_at = timezone.now()
    approval.reason = reason
    approval.save()
    return approval


@transaction.atomic
def reopen_assessment(scope: Scope, assessment: Assessment, reason: str, user=None) -> Assessment:
    """Open a reviewed or decided assessment again for changes, with the reason recorded.

    Refused while an approval locks it, and for one recognised by a recognition decision
    (a legal act: a new decision corrects it).
    """
    from .services import schedule_rollup_refresh

    reason = _reason(reason)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("subject__organisation", "decision")
        .get(pk=assessment.pk)
    )
    scope.require_write(assessment)
    locks.ensure_open(locks.place_of(assessment.subject), assessment.year)
    if assessment.status == PENDING:
        raise ValidationError(_("This assessment is open already."))
    if assessment.decision_id:
        raise ValidationError(
            _("Recognised by decision %(number)s: a new decision is needed to change it.")
            % {"number": assessment.decision.number}
        )
    AssessmentReopening.objects.create(
        assessment=assessment,
        previous_status=assessment.status,
        reason=reason,
        reopened_by=user if getattr(user, "pk", None) else None,
    )
    assessment.status = PENDING
    assessment.save(update_fields=["status", "updated_at"])
    schedule_rollup_refresh(assessment.subject)
    return assessment
