"""Read queries of the evaluation app; every one takes the reader's Scope."""

import datetime as dt

from django.db.models import Count, Q, QuerySet

from edupact.core.scoping import Scope
from edupact.core.text import search_key

from .models import Assessment, Framework, Subject


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
    for word in search_key(q).split():
        qs = qs.filter(search_key__contains=word)
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
