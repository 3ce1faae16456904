"""Read queries of the evaluation app; every one takes the reader's Scope."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, NullIf

from edupact.core.bounds import check_year
from edupact.core.scoping import Scope
from edupact.core.text import matching, search_key
from edupact.directory.models import AdminUnit, Organisation, Person, Translated

from .models import (
    Assessment,
    Framework,
    IndicatorValue,
    LearningModel,
    RecognitionDecision,
    ReviewMeeting,
    Rollup,
    Subject,
    Target,
)
from .places.selectors import unit_chain, unit_roots, units_q


def cycle_years() -> range:
    """The years a cycle page offers, newest first: this year back to 2020, the first year
    of records the 2022–2030 plan compares against."""
    return range(dt.date.today().year, 2019, -1)


def _visible(scope: Scope, write: bool = False) -> QuerySet:
    """National frameworks are reference data every signed-in reader sees (only platform
    administrators change them); a local rubric is seen and changed inside its owner's
    subtree, through the one scoping mechanism."""
    qs = Framework.objects.select_related("owner", "supersedes")
    if write:
        if scope.everything:
            return qs
        return scope.filter(qs.filter(owner__isnull=False), write=True)
    condition = scope.q(Framework)
    if condition is None:
        return qs
    return qs.filter(Q(owner__isnull=True) | condition)


def frameworks(
    scope: Scope,
    *,
    q: str | None = None,
    model: str | None = None,
    style: str | None = None,
    on: dt.date | None = None,
    write: bool = False,
) -> QuerySet:
    qs = _visible(scope, write=write)
    for word in search_key(q).split():
        qs = qs.filter(Q(search_key__contains=word) | Q(code__icontains=word))
    if model:
        qs = qs.filter(model=model)
    if style:
        qs = qs.filter(style=style)
    if on:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on)
        )
    return qs.annotate(indicator_count=Count("indicators")).order_by(
        "model", "code", "-valid_from", "-id"
    )


def framework(scope: Scope, pk: int, write: bool = False) -> Framework:
    """One framework the reader may see (or change); Framework.DoesNotExist otherwise."""
    return _visible(scope, write=write).get(pk=pk)


def in_force(scope: Scope, code: str, on: dt.date) -> Framework | None:
    """The version of ``code`` that applied on ``on`` (the newest if several did)."""
    return (
        frameworks(scope, on=on)
        .filter(code=code)
        .order_by("-valid_from", "-created_at", "-id")
        .first()
    )


def criteria_with_indicators(framework: Framework) -> list:
    """Criteria in order, each with ``indicator_list`` (two queries)."""
    criteria = list(framework.criteria.order_by("position", "id"))
    by_criterion: dict[int, list] = {c.pk: [] for c in criteria}
    for ind in framework.indicators.order_by("position", "id"):
        by_criterion[ind.criterion_id].append(ind)
    for c in criteria:
        c.indicator_list = by_criterion[c.pk]
    return criteria


def versions(scope: Scope, framework: Framework) -> QuerySet:
    """Every version sharing the framework's code that the reader sees, newest first."""
    return _visible(scope).filter(code=framework.code).order_by("-created_at", "-id")


def framework_for(scope: Scope, model: str, year: int) -> Framework | None:
    """The one framework code of ``model`` applying to ``year`` (its newest version that
    does), or None when none or several codes apply (the user must choose)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    qs = (
        _visible(scope)
        .filter(model=model)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lt=end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
    )
    if qs.values("code").distinct().count() != 1:
        return None
    return qs.order_by("-valid_from", "-created_at", "-id").first()


def subjects(
    scope: Scope,
    *,
    q: str | None = None,
    kind: str | None = None,
    admin_unit: int | None = None,
    parent: int | None = None,
) -> QuerySet:
    qs = scope.filter(Subject.objects.select_related("organisation", "admin_unit"))
    qs = matching(qs, q)
    if kind:
        qs = qs.filter(kind=kind)
    if admin_unit:
        qs = qs.filter(admin_unit_id=admin_unit)
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs.order_by("kind", "search_key", "id")


def assessments(
    scope: Scope,
    *,
    year: int | None = None,
    subject: int | None = None,
    kind: str | None = None,
    recognised: bool | None = None,
) -> QuerySet:
    qs = scope.filter(Assessment.objects.select_related("subject", "framework"))
    if year:
        qs = qs.filter(year=year)
    if subject:
        qs = qs.filter(subject_id=subject)
    if kind:
        qs = qs.filter(subject__kind=kind)
    if recognised is not None:
        qs = qs.filter(recognised=recognised)
    return qs.order_by("-year", "subject_id")


def share_recognised(subject: Subject, year: int, kind: str = "citizen") -> dict:
    """A derived indicator: of the ``kind`` subjects inside ``subject`` (e.g. a unit's
    citizens), how many met their criteria in ``year``, as numerator, denominator and %."""
    members = Subject.objects.filter(parent=subject, kind=kind, active=True)
    denominator = members.count()
    numerator = Assessment.objects.filter(subject__in=members, year=year, recognised=True).count()
    percent = round(100 * numerator / denominator, 2) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "percent": percent}


# Places, rollups, targets and the dashboard ----------------------------------------------------

CLOSE = Decimal(5)  # within 5 points of the target: "close"
DASHBOARD_MODELS = ("household", "clan", "hamlet", "unit", "commune", "citizen")


def _with_share(qs: QuerySet) -> QuerySet:
    share = ExpressionWrapper(
        Cast("recognised", FloatField()) * 100.0 / NullIf(F("registered"), 0),
        output_field=FloatField(),
    )
    return qs.annotate(share_value=share)


def rollups(
    scope: Scope,
    *,
    year: int | None = None,
    model: str | None = None,
    level: str | None = None,
    unit: int | None = None,
    parent: int | None = None,
) -> QuerySet:
    """Rollup rows in the reader's places, with ``share_value`` (%, None if none registered)."""
    qs = Rollup.objects.select_related("admin_unit", "parent")
    condition = units_q(scope)
    if condition is not None:
        qs = qs.filter(condition)
    if year:
        qs = qs.filter(year=year)
    if model:
        qs = qs.filter(model=model)
    if level:
        qs = qs.filter(level=level)
    if unit:
        qs = qs.filter(admin_unit_id=unit)
    if parent:
        qs = qs.filter(parent_id=parent)
    return _with_share(qs).order_by("year", "model", "admin_unit__name", "admin_unit_id")


class Targets:
    """The targets linked to learning models, looked up per (model, year, place).

    The target that applies to a year is the one due soonest at or after it (a target "by
    2025" applies to 2023, 2024 and 2025), else the latest one; a place's own target (a local
    plan) wins over its province's, which wins over the national one.
    """

    def __init__(self):
        self.by_model: dict[str, list[Target]] = defaultdict(list)
        for t in Target.objects.exclude(model="").order_by("year", "id"):
            self.by_model[t.model].append(t)

    def for_(self, model: str, year: int, chain: list[int]) -> Target | None:
        candidates = self.by_model.get(model, [])
        for place_id in [*chain, None]:
            here = [t for t in candidates if t.admin_unit_id == place_id]
            if here:
                due = [t for t in here if t.year >= year]
                return due[0] if due else here[-1]
        return None


def light(share, target: Target | None) -> str | None:
    """``met``, ``close`` (within 5 points below) or ``below``; None without both numbers."""
    if share is None or target is None:
        return None
    share = Decimal(str(share))
    if share >= target.value:
        return "met"
    return "close" if share >= target.value - CLOSE else "below"


def _percent(recognised: int, registered: int):
    return round(Decimal(100 * recognised) / registered, 1) if registered else None


RANKED_FIELDS = (
    *("year", "model", "registered", "meeting", "recognised", "approximate", "admin_unit_id"),
    *("admin_unit__name", "admin_unit__name_i18n", "admin_unit__level"),
)


@dataclass(frozen=True, slots=True)
class RankedPlace:
    """A ranked place as the dashboard shows it, read with its rollup row: a city ranks 168
    communes, and loading each as an AdminUnit (with its audit snapshot) cost more than the
    SQL."""

    pk: int
    name: str
    name_i18n: dict
    level: str
    name_in = Translated.name_in

    def __str__(self) -> str:
        return self.name


def dashboard(scope: Scope, unit: AdminUnit, year: int | None = None, model: str | None = None):
    """What the dashboard shows for a place (already checked with ``place``): the share
    recognised by model against its target, the trend over the years, and the places below
    ranked laggards first for one model."""
    rows = list(Rollup.objects.filter(admin_unit=unit).order_by("year", "model"))
    years = sorted({r.year for r in rows})
    if year is None or year not in years:
        year = years[-1] if years else None
    targets = Targets()
    chain = unit_chain(unit)
    present = [m for m in DASHBOARD_MODELS if any(r.model == m for r in rows)]
    labels = dict(LearningModel.choices)

    def described(r):
        target = targets.for_(r.model, r.year, chain)
        share = _percent(r.recognised, r.registered)
        return {
            "model": r.model,
            "label": labels.get(r.model, r.model),
            "year": r.year,
            "registered": r.registered,
            "meeting": r.meeting,
            "recognised": r.recognised,
            "share": share,
            "target": target,
            "light": light(share, target),
            "approximate": r.approximate,
        }

    current = [described(r) for m in present for r in rows if r.model == m and r.year == year]
    trend = [
        {
            "model": m,
            "label": labels.get(m, m),
            "cells": [
                next((described(r) for r in rows if r.model == m and r.year == y), None)
                for y in years
            ],
        }
        for m in present
    ]
    model = model if model in present else (present[0] if present else None)
    children = []
    if model and year:
        child_rows = (
            _with_share(Rollup.objects.filter(parent=unit, year=year, model=model))
            .order_by(F("share_value").asc(nulls_first=True), "admin_unit__name")
            .values(*RANKED_FIELDS)
        )
        for row in child_rows:
            item = described(SimpleNamespace(**row))
            item["target"] = targets.for_(model, year, [row["admin_unit_id"], *chain])
            item["light"] = light(item["share"], item["target"])
            item["unit"] = RankedPlace(
                row["admin_unit_id"],
                row["admin_unit__name"],
                row["admin_unit__name_i18n"],
                row["admin_unit__level"],
            )
            children.append(item)
    return {
        "unit": unit,
        "year": year,
        "years": years,
        "model": model,
        "models": [(m, labels.get(m, m)) for m in present],
        "current": current,
        "trend": trend,
        "children": children,
        "below": sum(1 for c in children if c["light"] == "below"),
    }


def indicator_share(code: str, year: int, unit: AdminUnit | None = None, source: str | None = None):
    """Recompute a level from stored figures: the place's own figure if it has one, else the
    sum of the numerators and denominators of the places directly below it (or, nationally,
    of every province)."""
    qs = IndicatorValue.objects.filter(code=code, year=year)
    if source:
        qs = qs.filter(source=source)
    own = qs.filter(admin_unit=unit).aggregate(n=Sum("numerator"), d=Sum("denominator"))
    if not own["d"]:
        below = (
            qs.filter(admin_unit__parent=unit)
            if unit is not None
            else qs.filter(admin_unit__level=AdminUnit.Level.PROVINCE)
        )
        own = below.aggregate(n=Sum("numerator"), d=Sum("denominator"))
    if not own["d"]:
        return None
    return {
        "numerator": own["n"],
        "denominator": own["d"],
        "percent": round(Decimal(100 * own["n"]) / own["d"], 2),
    }


def targets(*, indicator: str | None = None, model: str | None = None) -> QuerySet:
    """Targets are reference data that every signed-in reader sees."""
    qs = Target.objects.all()
    if indicator:
        qs = qs.filter(indicator=indicator)
    if model:
        qs = qs.filter(model=model)
    return qs.order_by("indicator", "year", "admin_unit_id", "source")


# Recognition decisions ---------------------------------------------------------------------------


def issuers(scope: Scope, write: bool = True) -> QuerySet:
    """Organisations the user may issue recognition decisions for (People's Committees and
    associations they write for; with ``write=False``, those they read)."""
    from .services import ISSUERS

    qs = Organisation.objects.filter(kind__in=ISSUERS, active=True).select_related("admin_unit")
    return scope.filter(qs, write=write).order_by("path")


def awaiting_decision(organisation: Organisation, year: int, model: str | None = None) -> QuerySet:
    """Assessments of ``year`` in the organisation's area that meet their criteria and
    await a decision: proposed by their hamlet's review meeting (households, clans) or
    self-assessed (the models no hamlet reviews)."""
    from .services import area_q, awaiting_q

    qs = Assessment.objects.filter(year=year, recognised=True).filter(
        awaiting_q(), area_q(organisation)
    )
    if model:
        qs = qs.filter(subject__kind=model)
    return qs.select_related("subject__admin_unit", "framework").order_by(
        "subject__kind", "subject__admin_unit__name", "subject__search_key", "pk"
    )


def decisions(scope: Scope, organisation: Organisation | None = None) -> QuerySet:
    qs = scope.filter(RecognitionDecision.objects.select_related("organisation"))
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return qs.annotate(recognised_count=Count("assessments")).order_by("-date", "-id")


def decision(scope: Scope, pk: int) -> RecognitionDecision:
    """A decision the reader may see; RecognitionDecision.DoesNotExist otherwise."""
    return scope.filter(RecognitionDecision.objects.select_related("organisation")).get(pk=pk)


def rollups_with_targets(scope: Scope, **filters) -> list:
    """``rollups`` rows, each with the target that applies to it, its source and its light.

    Targets are looked up once per place chain, not per row.
    """
    rows = list(rollups(scope, **filters))
    targets = Targets()
    chains: dict[int, list[int]] = {}
    for r in rows:
        if r.admin_unit_id not in chains:
            chains[r.admin_unit_id] = unit_chain(r.admin_unit)
        target = targets.for_(r.model, r.year, chains[r.admin_unit_id])
        r.target = float(target.value) if target else None
        r.target_source = target.source if target else None
        r.light = light(r.share_value, target)
    return rows


# The hamlet's part of the yearly cycle ------------------------------------------------------------


def subject_list(
    scope: Scope,
    *,
    q: str | None = None,
    kind: str | None = None,
    unit: int | None = None,
    year: int | None = None,
    status: str | None = None,
) -> QuerySet:
    """Subjects in scope for the list page: by model, by place (a hamlet, or a commune with
    its hamlets), by the status of their assessment in ``year`` (``none``: not registered)."""
    qs = matching(scope.filter(Subject.objects.select_related("admin_unit", "parent")), q)
    if kind:
        qs = qs.filter(kind=kind)
    if unit:
        qs = qs.filter(Q(admin_unit_id=unit) | Q(admin_unit__parent_id=unit))
    if year and status == "none":
        qs = qs.exclude(assessments__year=year)
    elif year and status:
        qs = qs.filter(assessments__year=year, assessments__status=status)
    if year:
        this_year = Assessment.objects.filter(subject=OuterRef("pk"), year=year)
        qs = qs.annotate(year_status=Subquery(this_year.values("status")[:1]))
    return qs.order_by("kind", "search_key", "id")


def history_of(subject: Subject) -> QuerySet:
    """The subject's assessments, newest year first, with framework version and proposal."""
    return (
        subject.assessments.select_related("framework", "decision", "proposal__meeting")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-year")
    )


def to_review(scope: Scope, organisation: Organisation, year: int) -> QuerySet:
    """Self-assessments of ``year`` the organisation's review meeting still has to weigh:
    its households and clans (the hamlet community, units and citizens go to the commune)."""
    from .cycle import meeting_area_q
    from .services import REVIEWED_IN_HAMLET

    qs = Assessment.objects.filter(
        year=year, status=Assessment.Status.SELF_ASSESSED, subject__kind__in=REVIEWED_IN_HAMLET
    ).filter(meeting_area_q(organisation, organisation.admin_unit))
    return (
        scope.filter(qs)
        .select_related("subject", "framework")
        .order_by("subject__search_key", "pk")
    )


def meetings(scope: Scope, year: int | None = None) -> QuerySet:
    qs = scope.filter(ReviewMeeting.objects.select_related("organisation", "admin_unit"))
    if year:
        qs = qs.filter(year=year)
    return qs.annotate(proposal_count=Count("proposals")).order_by("-year", "-date", "-id")


def meeting_proposals(meeting: ReviewMeeting) -> QuerySet:
    return meeting.proposals.select_related(
        "assessment__subject", "assessment__framework"
    ).order_by("-proposed", "assessment__subject__search_key", "pk")


def meeting_revisions(meeting: ReviewMeeting) -> QuerySet:
    """The earlier versions of a meeting's record, newest first, with who corrected it."""
    return meeting.revisions.select_related("corrected_by").order_by("-number")


def registering_organisations(scope: Scope, write: bool = True) -> QuerySet:
    """Organisations the user registers subjects for (those they write for, in Vietnam;
    with ``write=False``, those they read)."""
    qs = Organisation.objects.filter(active=True, country="VN").select_related("admin_unit")
    return scope.filter(qs, write=write).order_by("path")


def meeting_people(scope: Scope, organisation: Organisation) -> QuerySet:
    """Who may be named, by id, as an attendee of a meeting ``organisation`` holds: a person
    of its branch — home organisation or a position inside its subtree, the directory's own
    "in a subtree" (``Person.scope``) — whom the writer sees. The meeting form offers these
    and the service resolves attendee ids in them (``cycle._references``), so web, API and
    service agree; anyone else attends by written name."""
    branch = Scope(read_paths=(organisation.path,)).q(Person)
    return scope.filter(Person.objects.filter(branch)).order_by("sort_key", "pk")


# Bulk entry and the yearly cycle ---------------------------------------------------------------


def entry_places(scope: Scope) -> QuerySet:
    """Hamlets and communes (current ones) the reader's places cover: where a template for
    bulk entry, or a commune's cycle page, can be asked for."""
    qs = AdminUnit.objects.filter(
        country="VN",
        level__in=[AdminUnit.Level.COMMUNE, AdminUnit.Level.HAMLET],
        valid_to__isnull=True,
    )
    roots = unit_roots(scope)
    if roots is not None:
        qs = qs.filter(Q(pk__in=roots) | Q(parent__in=roots) | Q(parent__parent__in=roots))
    return qs.select_related("parent").order_by("parent__name", "level", "name", "id")


def cycle_provinces(scope: Scope) -> QuerySet:
    """Current provinces the reader sees whole (an organisation placed in the province):
    whose year, with each commune's approval, the province's cycle page shows."""
    qs = AdminUnit.objects.filter(
        country="VN", level=AdminUnit.Level.PROVINCE, valid_to__isnull=True
    )
    roots = unit_roots(scope)
    if roots is not None:
        qs = qs.filter(pk__in=roots)
    return qs.order_by("name", "id")


def _deadline_light(done: bool, deadline, today: dt.date) -> str:
    """``done``, ``overdue``, ``soon`` (inside the reminder window) or ``open``."""
    if done:
        return "done"
    if today > deadline.due:
        return "overdue"
    if (deadline.due - today).days <= deadline.remind_days:
        return "soon"
    return "open"


def commune_cycle(commune: AdminUnit, year: int, today: dt.date | None = None) -> dict:
    """A commune's year: each hamlet's progress (its households and clans registered,
    self-assessed, reviewed; approved) with a light against the review deadline, the status
    of the hamlet community (which the commune decides, not the hamlet's meeting), the
    steps' deadlines with lights (the province's closure too), and the commune's own
    approval. Five grouped queries, whatever the number of hamlets."""
    check_year(year, field="year")
    from .models import YearApproval
    from .places.selectors import hamlets_of
    from .services import REVIEWED_IN_HAMLET
    from .workflow import deadlines_for

    today = today or dt.date.today()
    hamlets = list(hamlets_of(commune, year))
    ids = [h.pk for h in hamlets]
    registered = dict(
        Subject.objects.filter(active=True, admin_unit_id__in=ids, kind__in=REVIEWED_IN_HAMLET)
        .values("admin_unit_id")
        .annotate(n=Count("id"))
        .values_list("admin_unit_id", "n")
    )
    community = {
        a.subject.admin_unit_id: a
        for a in Assessment.objects.filter(
            year=year, subject__admin_unit_id__in=ids, subject__kind=LearningModel.HAMLET
        ).select_related("subject")
    }
    assessed = {
        r["subject__admin_unit_id"]: r
        for r in Assessment.objects.filter(
            year=year, subject__admin_unit_id__in=ids, subject__kind__in=REVIEWED_IN_HAMLET
        )
        .values("subject__admin_unit_id")
        .annotate(
            assessed=Count("id", filter=~Q(status=Assessment.Status.REGISTERED)),
            reviewed=Count(
                "id",
                filter=~Q(
                    status__in=[Assessment.Status.REGISTERED, Assessment.Status.SELF_ASSESSED]
                ),
            ),
        )
    }
    approvals = {
        a.admin_unit_id: a
        for a in YearApproval.objects.filter(
            year=year, admin_unit_id__in=[*ids, commune.pk, commune.parent_id]
        )
    }
    deadlines = deadlines_for(commune, year)
    review = deadlines["review"]
    rows = []
    for h in hamlets:
        counts = assessed.get(h.pk, {})
        approval = approvals.get(h.pk)
        done = approval is not None and approval.state == YearApproval.State.APPROVED
        n_assessed, n_reviewed = counts.get("assessed", 0), counts.get("reviewed", 0)
        rows.append(
            {
                "unit": h,
                "registered": registered.get(h.pk, 0),
                "assessed": n_assessed,
                "reviewed": n_reviewed,
                "approval": approval,
                "approved": done,
                "community": community.get(h.pk),
                "ready": not done and n_assessed == n_reviewed,
                "light": _deadline_light(
                    done or (n_assessed and n_assessed == n_reviewed), review, today
                ),
            }
        )
    all_approved = all(r["approved"] for r in rows)
    progress = {
        "registration": all(r["registered"] for r in rows),
        "self_assessment": all(r["assessed"] >= r["registered"] for r in rows),
        "review": all(r["reviewed"] == r["assessed"] for r in rows),
        "hamlet_approval": all_approved,
        "commune_approval": (a := approvals.get(commune.pk)) is not None
        and a.state == YearApproval.State.APPROVED,
        "province_closure": (a := approvals.get(commune.parent_id)) is not None
        and a.state == YearApproval.State.APPROVED,
    }
    steps = [
        {
            "deadline": d,
            "done": progress.get(step),
            "light": _deadline_light(bool(progress.get(step)), d, today)
            if step in progress
            else None,
        }
        for step, d in deadlines.items()
    ]
    return {
        "commune": commune,
        "year": year,
        "hamlets": rows,
        "steps": steps,
        "approval": approvals.get(commune.pk),
        "approved": progress["commune_approval"],
        "all_hamlets_approved": all_approved,
    }


def province_cycle(province: AdminUnit, year: int, today: dt.date | None = None) -> dict:
    """A province's year: each commune's approval (with its hamlets approved out of all)
    and a light against the deadline of the communes' approval, what is placed in the
    province itself (a city-level agency, records of an old district mapped onto the whole
    city) and still waits for a decision, and the province's own closure. A few grouped
    queries, whatever the number of communes."""
    check_year(year, field="year")
    from .models import YearApproval
    from .places.selectors import communes_of, retired_onto
    from .workflow import deadlines_for, pending_for_approval

    today = today or dt.date.today()
    approved = YearApproval.State.APPROVED
    communes = list(communes_of(province, year))
    ids = [c.pk for c in communes]
    approvals = {
        a.admin_unit_id: a
        for a in YearApproval.objects.filter(year=year, admin_unit_id__in=[*ids, province.pk])
    }
    hamlets = (
        AdminUnit.objects.filter(parent_id__in=ids, level=AdminUnit.Level.HAMLET)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=dt.date(year, 1, 1)))
        .values("parent_id")
        .annotate(
            n=Count("id", distinct=True),  # distinct: the join repeats a hamlet per approval
            approved=Count(
                "id",
                distinct=True,
                filter=Q(evaluation_approvals__year=year, evaluation_approvals__state=approved),
            ),
        )
    )
    counts = {r["parent_id"]: r for r in hamlets}
    deadlines = deadlines_for(province, year)
    deadline = deadlines["commune_approval"]
    closure = deadlines["province_closure"]
    rows = []
    for c in communes:
        approval = approvals.get(c.pk)
        done = approval is not None and approval.state == approved
        n = counts.get(c.pk, {})
        rows.append(
            {
                "unit": c,
                "hamlets": n.get("n", 0),
                "hamlets_approved": n.get("approved", 0),
                "approval": approval,
                "approved": done,
                "ready": not done and n.get("approved", 0) == n.get("n", 0),
                "light": _deadline_light(done, deadline, today),
            }
        )
    own = Q(subject__admin_unit=province)
    old = retired_onto(province)
    if old:
        own |= Q(subject__admin_unit__isnull=True, subject__former_admin_unit__in=old)
    approval = approvals.get(province.pk)
    closed = approval is not None and approval.state == approved
    return {
        "province": province,
        "year": year,
        "communes": rows,
        "deadline": deadline,
        "closure_deadline": closure,
        "closure_light": _deadline_light(closed, closure, today),
        "placed_here": Assessment.objects.filter(own, year=year).count(),
        "pending": pending_for_approval(province, year).count(),
        "approval": approval,
        "approved": closed,
        "all_communes_approved": all(r["approved"] for r in rows),
        "communes_approved": sum(1 for r in rows if r["approved"]),
    }


def notices(user, today: dt.date | None = None) -> list:
    """The reminders a user has received for deadlines not yet past, newest deadline
    first, one per deadline: the notices on the home page."""
    from .models import Reminder

    today = today or dt.date.today()
    seen, out = set(), []
    for r in (
        Reminder.objects.filter(user=user, deadline__due__gte=today)
        .select_related("deadline")
        .order_by("deadline__due", "-day")
    ):
        if r.deadline_id not in seen:
            seen.add(r.deadline_id)
            out.append(r)
    return out


# Pages for targets, indicator values and deadlines ------------------------------------------------


def indicator_values(
    scope: Scope,
    *,
    code: str | None = None,
    year: int | None = None,
    unit: AdminUnit | None = None,
    source: str | None = None,
) -> QuerySet:
    """Figures of the reader's places (and national ones), newest year first."""
    qs = IndicatorValue.objects.select_related("admin_unit", "entered_by")
    condition = units_q(scope)
    if condition is not None:
        qs = qs.filter(Q(admin_unit__isnull=True) | condition)
    if code:
        qs = qs.filter(code=code)
    if year:
        qs = qs.filter(year=year)
    if unit is not None:
        qs = qs.filter(Q(admin_unit=unit) | Q(admin_unit__parent=unit))
    if source:
        qs = qs.filter(source=source)
    # National figures (no place) first on SQLite and PostgreSQL alike.
    place_name = F("admin_unit__name").asc(nulls_first=True)
    return qs.order_by("code", "-year", place_name, "source", "id")
