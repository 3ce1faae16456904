"""Operations that change frameworks: checks, scope, versioning and the shipped set."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from edupact.core.scoping import ReadOnly, Scope
from edupact.core.text import normalise
from edupact.directory.models import AdminUnit, Organisation

from . import exchange, scoring
from .models import (
    NATIONAL_TARGETS,
    Assessment,
    Criterion,
    Framework,
    Indicator,
    IndicatorValue,
    LearningModel,
    Member,
    RecognitionDecision,
    Subject,
    Target,
)
from .places import locks

SHIPPED = Path(__file__).resolve().parent / "frameworks"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _fill(framework: Framework, data: dict) -> Framework:
    """Set the framework's fields from canonical data, then replace its criteria."""
    legal = data["legal_basis"] or {}
    framework.code = data["code"]
    framework.version = data["version"]
    framework.name = data["name"]
    framework.name_i18n = data["name_i18n"]
    framework.model = data["model"]
    framework.description = data["description"]
    framework.valid_from = _date(data["valid_from"])
    framework.valid_to = _date(data["valid_to"])
    framework.legal_number = legal.get("number", "")
    framework.legal_type = legal.get("type", "")
    framework.legal_issuer = legal.get("issuer", "")
    framework.legal_date = _date(legal.get("date"))
    framework.legal_title = legal.get("title", "")
    framework.style = data["style"]
    framework.pass_total = data["pass_total"]
    framework.min_indicator = data["min_indicator"]
    framework.levels = data["levels"]
    framework.bands = data["bands"]
    framework.unconfirmed = data["unconfirmed"]
    framework.full_clean(exclude=["supersedes"], validate_unique=False, validate_constraints=False)
    if (
        Framework.objects.filter(code=framework.code, version=framework.version)
        .exclude(pk=framework.pk)
        .exists()
    ):
        raise ValidationError(
            {"version": [_("This framework already has a version with this label.")]}
        )
    framework.save()
    framework.indicators.all().delete()
    framework.criteria.all().delete()
    for cpos, c in enumerate(data["criteria"], start=1):
        criterion = Criterion.objects.create(
            framework=framework,
            code=c["code"],
            name=c["name"],
            name_i18n=c["name_i18n"],
            position=cpos,
            max=c["max"],
            placeholder=c["placeholder"],
        )
        for ipos, i in enumerate(c["indicators"], start=1):
            Indicator.objects.create(framework=framework, criterion=criterion, position=ipos, **i)
    return framework


@transaction.atomic
def create_framework(scope: Scope, data, owner: Organisation | None = None) -> Framework:
    """A new framework from its JSON form (scorer format plus metadata). A code already
    stored is refused: a new version of it is made by revising it (``revise_framework``),
    so it supersedes the version before it. National frameworks (no owner): platform
    administrators; a local rubric: who writes for its owner, a province's or commune's
    organisation (``framework_owners``)."""
    scope.require_write(Framework(owner=owner))
    if owner is not None and not (
        owner.active
        and AdminUnit.objects.filter(pk=owner.admin_unit_id, level__in=RUBRIC_LEVELS).exists()
    ):
        raise ValidationError(
            {"owner": [_("A local rubric belongs to a province's or commune's organisation.")]}
        )
    clean = exchange.canonical(data)
    same_code = Framework.objects.filter(code=clean["code"])
    if same_code.exists() and not same_code.filter(version=clean["version"]).exists():
        raise ValidationError(
            {
                "code": [
                    _(
                        "A framework with the code %(code)s exists already; edit it to make a "
                        "new version."
                    )
                    % {"code": clean["code"]}
                ]
            }
        )
    return _fill(Framework(owner=owner), clean)


#: Local rubrics belong to the organisations of a province or a commune.
RUBRIC_LEVELS = (AdminUnit.Level.PROVINCE, AdminUnit.Level.COMMUNE)


def framework_owners(scope: Scope):
    """Organisations a user may create a local rubric for: those placed at a province or a
    commune that the user writes for (national frameworks: platform administrators)."""
    qs = Organisation.objects.filter(
        active=True, admin_unit__level__in=RUBRIC_LEVELS
    ).select_related("admin_unit")
    return scope.filter(qs, write=True).order_by("path")


def can_create_framework(scope: Scope) -> bool:
    return scope.everything or framework_owners(scope).exists()


@transaction.atomic
def revise_framework(scope: Scope, framework: Framework, data) -> Framework:
    """Change a framework without changing the past.

    An unused framework is edited in place. A locked one (an assessment used it) stays as it
    was; the change becomes a new version that ``supersedes`` it, under a new version label.
    """
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    scope.require_write(framework)
    clean = exchange.canonical(data)
    if clean["code"] != framework.code:
        raise ValidationError({"code": [_("A revision keeps the framework's code.")]})
    if exchange.to_data(framework) == clean:
        return framework
    if not framework.locked:
        return _fill(framework, clean)
    if clean["version"] == framework.version:
        raise ValidationError(
            {
                "version": [
                    _(
                        "This version has been used and cannot change; "
                        "give the revision a new version label."
                    )
                ]
            }
        )
    return _fill(Framework(owner=framework.owner, supersedes=framework), clean)


def lock_framework(framework: Framework) -> None:
    """Mark a framework as used: from now on changes make a new version (audited, once)."""
    if not framework.locked:
        framework.locked = True
        framework.save(update_fields=["locked"])


@transaction.atomic
def import_frameworks(
    scope: Scope, payload, owner: Organisation | None = None, dry_run: bool = False
) -> list[tuple]:
    """One framework or a list; each is created, updated, revised or left as it is.

    Returns ``(framework, action)`` pairs, action being ``created``, ``updated`` (an
    unused version changed in place), ``revised`` (a new version label for a code already
    stored: it supersedes the newest one) or ``unchanged``. Nothing is stored when any
    framework fails (errors are keyed by the framework's position and code), nor on a dry run.
    """
    items = payload if isinstance(payload, list) else [payload]
    results, errors = [], {}
    for n, item in enumerate(items, start=1):
        label = f"{n}:{item.get('code', '?') if isinstance(item, dict) else '?'}"
        try:
            clean = exchange.canonical(item)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors[f"{label} {key}" if key != "__all__" else label] = messages
            continue
        existing = Framework.objects.filter(code=clean["code"], version=clean["version"]).first()
        try:
            results.append(_import_one(scope, clean, existing, owner))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors[f"{label} {key}"] = messages
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
    if dry_run:
        transaction.set_rollback(True)
    return results


def _import_one(scope, clean, existing, owner):
    if existing is None:
        latest = Framework.objects.filter(code=clean["code"]).order_by("-created_at", "-id").first()
        # The new version names the one it supersedes in its creation (and audit entry).
        owner = latest.owner if latest else owner
        framework = Framework(owner=owner, supersedes=latest)
        scope.require_write(framework)
        framework = _fill(framework, clean)
        return framework, "created" if latest is None else "revised"
    if exchange.to_data(existing) == clean:
        return existing, "unchanged"
    if existing.locked:
        raise ValidationError(
            {
                "version": [
                    _("Version %(version)s has been used and cannot change; give it a new label.")
                    % {"version": existing.version}
                ]
            }
        )
    scope.require_write(existing)
    return _fill(existing, clean), "updated"


PLACEHOLDERS = SHIPPED / "placeholders"


def shipped_frameworks(directory: Path = SHIPPED) -> list[dict]:
    """The frameworks that come with edupact (``frameworks/*.json``), in file order.

    ``frameworks/placeholders/`` holds 2021–2030 household, clan and hamlet frameworks whose
    every criterion is a placeholder; only the demo loads them (``load_frameworks(PLACEHOLDERS)``).
    """
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


def load_frameworks(directory: Path = SHIPPED) -> dict[str, int]:
    """Create or refresh the shipped frameworks; running it again changes nothing.

    A shipped framework that differs from a stored, locked version of the same label is
    left alone and counted as ``kept``: its assessments were scored by the stored rules.
    """
    counts = {"created": 0, "updated": 0, "revised": 0, "unchanged": 0, "kept": 0}
    everything = Scope(everything=True)
    with transaction.atomic():
        for data in shipped_frameworks(directory):
            clean = exchange.canonical(data)
            existing = Framework.objects.filter(
                code=clean["code"], version=clean["version"]
            ).first()
            if existing is not None and existing.locked and exchange.to_data(existing) != clean:
                counts["kept"] += 1
                continue
            _, action = _import_one(everything, clean, existing, None)
            counts[action] += 1
    return counts


# Subjects and assessments -----------------------------------------------------------------------


@transaction.atomic
def save_subject(scope: Scope, subject: Subject) -> Subject:
    """Register or update a household, clan, hamlet, unit, citizen… inside the user's subtree."""
    if subject.pk:
        before = Subject.objects.select_related("organisation").get(pk=subject.pk)
        scope.require_write(before)
    scope.require_write(subject)  # the organisation it is (or moves) in
    if subject.parent_id:  # a parent out of sight is not found, as one that does not exist
        scope.resolve_one(Subject, subject.parent_id, field="parent")
    subject.full_clean()
    subject.save()
    return subject


@transaction.atomic
def add_member(scope: Scope, subject: Subject, member: Member) -> Member:
    scope.require_write(subject)
    if subject.kind not in (LearningModel.HOUSEHOLD, LearningModel.CLAN):
        raise ValidationError(_("Only households and clans have members."))
    member.subject = subject
    member.full_clean()
    member.save()
    return member


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def framework_applies(framework: Framework, year: int) -> bool:
    """Whether the framework was valid at some point of the calendar year."""
    start, end = _year_bounds(year)
    return (framework.valid_from is None or framework.valid_from < end) and (
        framework.valid_to is None or framework.valid_to > start
    )


# Recording a self-assessment: one rule for every path ------------------------------------------
#
# ``record_assessment`` (the assessment form, both API endpoints) is ``check_record_assessment``
# then ``do_record_assessment``. The bulk import (``bulk.import_assessments``: the bulk-entry
# page, ``POST /assessments/import``, ``edupact evaluation import-assessments``) checks each
# row with the same ``check_answers_change`` and writes set-based, audited by
# ``audit.registry.written_in_bulk``; ``tests/test_evaluation_assessment_paths.py`` proves it
# leaves what ``record_assessment`` would.

#: Statuses whose answers may still be recorded: the hamlet's review meeting has not weighed
#: them yet.
ANSWERS_OPEN = (Assessment.Status.REGISTERED, Assessment.Status.SELF_ASSESSED)
DECIDED = (Assessment.Status.RECOGNISED, Assessment.Status.NOT_RECOGNISED)
#: What a recording of answers sets; the rest of the row (subject, year, decision) stays.
ANSWER_FIELDS = (
    "framework",
    "answers",
    "result",
    "total",
    "level",
    "recognised",
    "band",
    "status",
    "notes",
)


def check_assessment_year(year: int) -> None:
    """Assessments are of a calendar year from 2000 to next year (a registration at the
    start of next year's cycle)."""
    today = dt.date.today()
    if not 2000 <= year <= today.year + 1:
        raise ValidationError({"year": [_("Choose a year from 2000 to next year.")]})


def stored_answers(answers: dict) -> dict:
    """Answers as the row keeps them: indicator codes as text, numbers as JSON numbers."""
    return {str(k): scoring.plain(v) if isinstance(v, Decimal) else v for k, v in answers.items()}


@dataclass
class AssessmentChange:
    """A checked recording of answers: the row (stored and locked, or new without a key)
    carrying the values to write, or unchanged when it already holds them."""

    assessment: Assessment
    changed: bool


def check_answers_change(
    assessment: Assessment, framework: Framework, answers: dict, result: dict, notes=None
) -> AssessmentChange:
    """The rule of recording a subject's answers, scored (``result``) by ``framework``, on
    its assessment of the year; the caller has checked the write scope, the year, the
    locks and that the framework applies.

    The same framework version, answers and notes (``None``: notes not given, kept) are
    not a change: nothing is written, whatever the status, so a file or a request sent
    again is harmless. Otherwise a decided assessment, or one the review meeting has
    weighed (proposed or not), is refused; a registered or self-assessed one (or a new
    row) gets the values and becomes ``self_assessed``. The values are checked as the
    model's fields (e.g. a total of at most two decimals) and set on ``assessment``, which
    is not saved here.
    """
    answers = stored_answers(answers)
    if (
        assessment.pk is not None
        and assessment.framework_id == framework.pk
        and assessment.answers == answers
        and (notes is None or notes == assessment.notes)
    ):
        return AssessmentChange(assessment, changed=False)
    if assessment.status in DECIDED:
        raise ValidationError(_("This assessment has been decided; it can no longer be changed."))
    if assessment.status not in ANSWERS_OPEN:
        raise ValidationError(
            _("The review meeting has been held: this assessment can no longer change.")
        )
    assessment.framework = framework
    assessment.answers = answers
    assessment.result = result
    assessment.total = result["total"]
    assessment.level = result["level"]
    assessment.recognised = result["recognised"]
    assessment.band = (result.get("band") or {}).get("code", "")
    assessment.status = Assessment.Status.SELF_ASSESSED
    if notes is not None:
        assessment.notes = notes
    # The fields' own checks, without the queries of the foreign keys and the unique
    # constraint: the subject and framework are loaded, the row was looked up by its key.
    assessment.full_clean(
        exclude=["subject", "framework", "decision"],
        validate_unique=False,
        validate_constraints=False,
    )
    return AssessmentChange(assessment, changed=True)


def check_record_assessment(
    scope: Scope,
    subject: Subject,
    year: int,
    answers: dict,
    framework: Framework | None = None,
    notes: str | None = None,
) -> AssessmentChange:
    """Check a recording for one subject: write scope, year, locks, the framework (the
    one version of the subject's model in force for the year unless given), the scorer,
    then ``check_answers_change`` on the row, locked for the transaction."""
    scope.require_write(Assessment(subject=subject))
    check_assessment_year(year)
    locks.ensure_open(locks.place_of(subject), year)
    if framework is None:
        from .selectors import framework_for

        framework = framework_for(scope, subject.kind, year)
        if framework is None:
            raise ValidationError(
                {"framework": [_("Choose the framework: none or several apply to this year.")]}
            )
    if framework.model != subject.kind:
        raise ValidationError({"framework": [_("This framework is for another learning model.")]})
    if not framework_applies(framework, year):
        raise ValidationError(
            {
                "framework": [
                    _("This framework version does not apply to %(year)d.") % {"year": year}
                ]
            }
        )
    try:
        result = scoring.score(exchange.to_data(framework), answers)
    except scoring.ScoringError as exc:
        raise ValidationError(exc.by_key()) from exc
    assessment = Assessment.objects.select_for_update().filter(
        subject=subject, year=year
    ).first() or Assessment(subject=subject, year=year)
    return check_answers_change(assessment, framework, answers, result, notes)


def do_record_assessment(change: AssessmentChange) -> Assessment:
    """Write a checked recording (audited by the ``post_save`` signal), lock its framework
    version and refresh the rollups after commit; an unchanged one writes nothing."""
    assessment = change.assessment
    if not change.changed:
        return assessment
    lock_framework(assessment.framework)
    assessment.save()
    schedule_rollup_refresh(assessment.subject)
    return assessment


@transaction.atomic
def record_assessment(
    scope: Scope,
    subject: Subject,
    year: int,
    answers: dict,
    framework: Framework | None = None,
    notes: str | None = None,
) -> Assessment:
    """Score and store a subject's assessment for a calendar year (data 1/1–31/12).

    The framework defaults to the one version of the subject's model that applies on
    31 December; it is locked on first use, so the result can be reproduced forever.
    Once the review meeting has weighed it or the commune decided, it cannot change
    (``check_answers_change``: the rule every path shares). ``notes`` None keeps them.
    """
    return do_record_assessment(
        check_record_assessment(scope, subject, year, answers, framework, notes)
    )


def decide_assessment(scope: Scope, assessment: Assessment, recognised: bool) -> Assessment:
    """Record the decision on an assessment: recognised or not (a decided one stays so)."""
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update()
            .select_related("subject__organisation")
            .get(pk=assessment.pk)
        )
        scope.require_write(assessment)
        locks.ensure_open(locks.place_of(assessment.subject), assessment.year, locks.DECISIONS)
        if recognised and not assessment.recognised:
            raise ValidationError(
                _("An assessment that does not meet the criteria is not recognised.")
            )
        assessment.status = (
            Assessment.Status.RECOGNISED if recognised else Assessment.Status.NOT_RECOGNISED
        )
        assessment.save(update_fields=["status", "updated_at"])
        schedule_rollup_refresh(assessment.subject)
    return assessment


# Recognition decisions --------------------------------------------------------------------------

#: Organisations that issue recognition decisions: a People's Committee or an association
#: (its commune branch), placed in the administrative unit whose subjects they recognise.
ISSUERS = (
    Organisation.Kind.PEOPLES_COMMITTEE,
    Organisation.Kind.ASSOCIATION,
    Organisation.Kind.BRANCH,
)
UNDECIDED = (Assessment.Status.SELF_ASSESSED, Assessment.Status.PROPOSED)
#: Households and clans are decided only once their hamlet's meeting proposed them.
REVIEWED_IN_HAMLET = (LearningModel.HOUSEHOLD, LearningModel.CLAN)


def awaiting_q() -> Q:
    """Assessments a decision may recognise: proposed by their hamlet's review meeting, or
    self-assessed for a model no hamlet reviews (units, citizens, communes…)."""
    return Q(status=Assessment.Status.PROPOSED) | (
        Q(status=Assessment.Status.SELF_ASSESSED) & ~Q(subject__kind__in=REVIEWED_IN_HAMLET)
    )


def _not_awaiting(a: Assessment) -> str:
    """Why an undecidable assessment cannot be recognised yet (or any more)."""
    values = {"subject": a.subject.name, "year": a.year}
    if a.status == Assessment.Status.REGISTERED:
        return _("%(subject)s has no self-assessment for %(year)d yet.") % values
    if a.status == Assessment.Status.REVIEWED:
        return _("%(subject)s was not proposed by the review meeting for %(year)d.") % values
    if a.status == Assessment.Status.SELF_ASSESSED:
        return _("%(subject)s has not been reviewed by its hamlet's meeting for %(year)d.") % values
    return _("%(subject)s has already been decided for %(year)d.") % values


@dataclass(frozen=True)
class Signer:
    """Who signs a decision, as printed under it: "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH", the name."""

    name: str
    title: str
    person_id: int | None = None  # a directory person (followed through the issuer's scope)


def area_q(organisation: Organisation, field: str = "subject") -> Q:
    """The subjects in an organisation's area: registered inside its subtree, or placed in
    its administrative unit or below it (hamlets of a commune, communes of a province)."""
    condition = Q(**{f"{field}__organisation__path__startswith": organisation.path})
    unit = organisation.admin_unit_id
    if unit:
        condition |= (
            Q(**{f"{field}__admin_unit": unit})
            | Q(**{f"{field}__admin_unit__parent": unit})
            | Q(**{f"{field}__admin_unit__parent__parent": unit})
        )
    return condition


@transaction.atomic
def issue_recognition_decision(
    scope: Scope,
    organisation: Organisation,
    number: str,
    date: dt.date,
    signer: Signer,
    assessments,
    user=None,
) -> RecognitionDecision:
    """Record a recognition decision and mark its assessments recognised.

    Every assessment must be of the same year and learning model, in the organisation's
    area (``area_q``), meet its criteria (``recognised``) and not be decided yet. Any
    failure refuses the whole decision, with one message per assessment, and changes
    nothing; an assessment (or a signer) the issuer cannot see is refused first, alone,
    exactly as one that does not exist (``Scope.resolve``). The rollups of the subjects'
    places are refreshed after commit.
    """
    from edupact.directory.models import Person

    scope.require_write(RecognitionDecision(organisation=organisation))
    if organisation.kind not in ISSUERS:  # a People's Committee or an association issues
        raise ValidationError(
            {"organisation": [_("You may not issue decisions for this organisation.")]}
        )
    ids = sorted({a.pk if hasattr(a, "pk") else a for a in assessments})
    if not ids:
        raise ValidationError({"assessments": [_("Choose at least one assessment.")]})
    found = scope.resolve(
        Assessment.objects.select_for_update(of=("self",)).select_related("subject").order_by("pk"),
        ids,
        field="assessments",
    )
    rows = [found[pk] for pk in sorted(found)]
    ids = sorted(found)
    signer_person = (
        scope.resolve_one(Person, signer.person_id, field="signer") if signer.person_id else None
    )
    in_area = set(
        Assessment.objects.filter(pk__in=ids)
        .filter(area_q(organisation))
        .values_list("pk", flat=True)
    )
    awaiting = set(
        Assessment.objects.filter(pk__in=ids).filter(awaiting_q()).values_list("pk", flat=True)
    )
    problems = []
    locked = {}
    for year in {a.year for a in rows}:
        units = {locks.place_of(a.subject) for a in rows if a.year == year}
        locked |= {(year, u): by for u, by in locks.locked(year, units, locks.DECISIONS).items()}
    for a in rows:
        name = a.subject.name
        by = locked.get((a.year, locks.place_of(a.subject)))
        if by is not None:
            problems.append(locks.message(a.year, by))
        elif a.pk not in in_area:
            problems.append(
                _("%(subject)s is outside the area of %(organisation)s.")
                % {"subject": name, "organisation": organisation.name}
            )
        elif a.pk not in awaiting:
            problems.append(_not_awaiting(a))
        elif not a.recognised:
            problems.append(
                _("%(subject)s does not meet the criteria for %(year)d.")
                % {"subject": name, "year": a.year}
            )
    years = {a.year for a in rows}
    kinds = {a.subject.kind for a in rows}
    if len(years) > 1 or len(kinds) > 1:
        problems.append(_("A decision recognises one learning model for one year."))
    errors: dict[str, list] = {}
    if problems:
        errors["assessments"] = problems
    number = normalise(number or "")
    if not number:
        errors["number"] = [_("Enter the decision number, e.g. 125/QĐ-UBND.")]
    elif RecognitionDecision.objects.filter(organisation=organisation, number=number).exists():
        errors["number"] = [_("This organisation has already issued a decision with this number.")]
    year = min(years) if years else None
    if date is None:
        errors["date"] = [_("Enter the decision date.")]
    elif date > dt.date.today():
        errors["date"] = [_("The decision date cannot be in the future.")]
    elif year and date < dt.date(year, 1, 1):
        errors["date"] = [
            _("A decision on %(year)d cannot be dated before that year.") % {"year": year}
        ]
    if not normalise(signer.name or "") or not normalise(signer.title or ""):
        errors["signer"] = [_("Enter the signer's name and title.")]
    if errors:
        raise ValidationError(errors)
    decision = RecognitionDecision(
        organisation=organisation,
        number=number,
        date=date,
        year=year,
        model=kinds.pop(),
        signer_name=signer.name,
        signer_title=signer.title,
        signer=signer_person,
        created_by=user if getattr(user, "pk", None) else None,
    )
    decision.full_clean(validate_constraints=False)
    decision.save()
    places = set()
    for a in rows:  # one save each: the audit trail records every status change
        a.status = Assessment.Status.RECOGNISED
        a.decision = decision
        a.save(update_fields=["status", "decision", "updated_at"])
        places.add(a.subject.admin_unit_id)
    for unit_id in places:
        schedule_place_refresh(unit_id)
    return decision


# Rollups ----------------------------------------------------------------------------------------


def schedule_rollup_refresh(subject: Subject | None = None) -> None:
    """After the current transaction commits, refresh the rollups a subject's change alters
    (its hamlet or commune, and the province); everything when it has no current place."""
    unit_id = None
    if subject is not None and subject.admin_unit_id:
        unit_id = subject.admin_unit_id
    schedule_place_refresh(unit_id)


def schedule_place_refresh(unit_id: int | None) -> None:
    """After the current transaction commits, refresh the rollups of a hamlet or commune
    and the places above it (None: everything)."""
    from .tasks import refresh_rollups

    transaction.on_commit(lambda: refresh_rollups.enqueue(unit_id))


# Targets and indicator values -------------------------------------------------------------------

TARGETS = Path(__file__).resolve().parent / "targets"


def _unit_for(spec) -> AdminUnit | None:
    """A place in a targets file: null (national) or {"country", "level", "code"}."""
    if not spec:
        return None
    return AdminUnit.objects.get(
        country=spec["country"], level=spec["level"], code=spec["code"], valid_to__isnull=True
    )


def load_targets(path: Path | None = None) -> dict[str, int]:
    """Create or update the targets of ``targets/*.json`` (QĐ 387/QĐ-TTg, QĐ 1373/QĐ-TTg);
    running it again changes nothing."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    files = [path] if path else sorted(TARGETS.glob("*.json"))
    with transaction.atomic():
        for file in files:
            data = json.loads(file.read_text(encoding="utf-8"))
            sources = data.get("sources", {})
            for item in data["targets"]:
                unit = _unit_for(item.get("place"))
                source = sources.get(item["source"], {})
                values = {
                    "model": item.get("model", ""),
                    "value": Decimal(str(item["value"])),
                    "name": item["name"],
                    "name_i18n": {"en": item["en"]} if item.get("en") else {},
                    "source_date": _date(source.get("date")),
                }
                target = Target.objects.filter(
                    indicator=item["indicator"],
                    year=item["year"],
                    admin_unit=unit,
                    source=item["source"],
                ).first()
                if target is None:
                    target = Target(
                        indicator=item["indicator"],
                        year=item["year"],
                        admin_unit=unit,
                        source=item["source"],
                        **values,
                    )
                    target.full_clean(validate_constraints=False)
                    target.save()
                    counts["created"] += 1
                elif any(getattr(target, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(target, k, v)
                    target.full_clean(validate_constraints=False)
                    target.save()
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
    return counts


@transaction.atomic
def record_indicator_value(
    scope: Scope,
    code: str,
    year: int,
    numerator: int,
    denominator: int,
    admin_unit: AdminUnit | None = None,
    source: str = "manual",
    note: str = "",
    user=None,
) -> IndicatorValue:
    """Enter a figure from another system (or correct it): one row per (code, year, place,
    source), replaced when entered again. Refused once the place's year is locked by an
    approval (its annual statistics are final). Entered by who writes for the place
    (national figures: platform administrators)."""
    value = IndicatorValue.objects.filter(
        code=code.strip(), year=year, admin_unit=admin_unit, source=source.strip() or "manual"
    ).first() or IndicatorValue(
        code=code.strip(), year=year, admin_unit=admin_unit, source=source.strip() or "manual"
    )
    scope.require_write(value)
    _ensure_value_open(admin_unit.pk if admin_unit else None, year)
    return _save_value(value, numerator, denominator, note, user)


def _save_value(value: IndicatorValue, numerator, denominator, note: str, user) -> IndicatorValue:
    value.numerator = numerator
    value.denominator = denominator
    value.note = note
    value.entered_by = user if getattr(user, "pk", None) else None
    value.full_clean(validate_constraints=False)
    value.save()
    return value


def _ensure_value_open(unit_id: int | None, year: int) -> None:
    """A place's figures are part of its annual statistics: locked like its records once
    its year is approved (a hamlet's or commune's) or closed (a province's). National
    figures have no approval."""
    locks.ensure_open(unit_id, year)


def _locked_value(scope: Scope, value: IndicatorValue) -> IndicatorValue:
    """The stored figure, locked, once the user may change it: who writes for its place
    (national figures: platform administrators). Every stored ``IndicatorValue`` is typed
    in by hand; the platform's own counts are the rollups, rebuilt from the assessments."""
    value = (
        IndicatorValue.objects.select_for_update(of=("self",))
        .select_related("admin_unit")
        .get(pk=value.pk)
    )
    scope.require_write(value)
    _ensure_value_open(value.admin_unit_id, value.year)
    return value


@transaction.atomic
def change_indicator_value(
    scope: Scope,
    value: IndicatorValue,
    numerator: int,
    denominator: int,
    note: str = "",
    user=None,
) -> IndicatorValue:
    """Correct a figure's numerator, denominator and note (its code, year, place and source
    identify it: a figure entered under the wrong ones is deleted and entered again).
    Audited; refused once the place's year is locked."""
    stored = _locked_value(scope, value)
    return _save_value(stored, numerator, denominator, note, user)


@transaction.atomic
def delete_indicator_value(scope: Scope, value: IndicatorValue) -> None:
    """Delete a figure entered by mistake (audited, with its values in the trail of its
    creation); refused once the place's year is locked. The shares recomputed from the
    figures (``selectors.indicator_share``) change at once: nothing precomputed reads them."""
    _locked_value(scope, value).delete()


@transaction.atomic
def add_target(scope: Scope, target: Target) -> Target:
    """A local plan's target for a province or commune; national targets (QĐ 387/QĐ-TTg,
    QĐ 1373/QĐ-TTg) come from ``targets/*.json`` through ``load_targets``."""
    if target.admin_unit_id is None:
        raise ValidationError({"admin_unit": [_("Choose the province or commune of the plan.")]})
    scope.require_write(target)
    _check_target(target)
    target.save()
    return target


def _check_target(target: Target) -> None:
    """The share first (so its message names the field), then everything else."""
    if target.value is not None and not 0 <= Decimal(str(target.value)) <= 100:
        raise ValidationError({"value": [_("A target is a share from 0 to 100 %.")]})
    target.full_clean()


def require_local_target(scope: Scope, target: Target) -> None:
    """A stored target the user may change: a local plan's, at a place they write for. A
    national one is a legal text, refused to platform administrators too (with the words
    of ``Target.scope``, which everyone else gets)."""
    scope.require_write(target)
    if target.admin_unit_id is None:
        raise ReadOnly(NATIONAL_TARGETS)


@transaction.atomic
def change_target(scope: Scope, target: Target) -> Target:
    """Save a changed local target (the instance carries the new values; the audit trail
    keeps the old ones). The place may only move to another place the user writes for;
    national targets (QĐ 387/QĐ-TTg, QĐ 1373/QĐ-TTg) are legal texts, changed only in
    ``targets/*.json`` (``Target.scope``)."""
    stored = (
        Target.objects.select_for_update(of=("self",))
        .select_related("admin_unit")
        .get(pk=target.pk)
    )
    require_local_target(scope, stored)
    if target.admin_unit_id is None:
        raise ValidationError({"admin_unit": [_("Choose the province or commune of the plan.")]})
    if target.admin_unit_id != stored.admin_unit_id:
        scope.require_write(target)  # and at the place it moves to
    _check_target(target)
    target.save()
    return target


@transaction.atomic
def delete_target(scope: Scope, target: Target, today: dt.date | None = None) -> None:
    """Delete a local target that is still to come. One due in a past year stays: the
    dashboards and reports of those years were read against it (correct it instead)."""
    target = (
        Target.objects.select_for_update(of=("self",))
        .select_related("admin_unit")
        .get(pk=target.pk)
    )
    require_local_target(scope, target)
    today = today or dt.date.today()
    if target.year < today.year:
        raise ValidationError(
            _(
                "The target for %(year)d is part of the record the reports of that year were "
                "read against; it cannot be deleted. Correct it if it was entered wrongly."
            )
            % {"year": target.year}
        )
    target.delete()
