"""Read queries of the evaluation app; every one takes the reader's Scope."""

import datetime as dt

from django.db.models import Count, Q, QuerySet

from edupact.core.scoping import Scope
from edupact.core.text import search_key

from .models import Framework


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
