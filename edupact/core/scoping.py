"""One mechanism decides which records a user may see or change.

A role is granted on an organisation subtree. Organisations carry a materialised
``path`` ("0001.0007.0042."), so "inside the subtree" is one indexed prefix test.
A scoped model says how it reaches an organisation path and, for members who see
only their own records, which field names the person::

    class Person(models.Model):
        scope = ScopeRule(org_paths=["home_organisation__path"], person="id",
                          related=[("positions", "person", "organisation__path")])

``Scope.filter(queryset)`` is what every selector, view, API endpoint and export
calls; an object outside the scope is simply not found (404, never 403).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet


@dataclass(frozen=True)
class ScopeRule:
    org_paths: list[str] = field(default_factory=list)
    person: str | None = None
    # (related model attribute on the model, its FK back to us, its org path lookup)
    related: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """What one user may read and write; built once per request."""

    everything: bool = False
    read_paths: tuple[str, ...] = ()
    write_paths: tuple[str, ...] = ()
    person_id: int | None = None
    own_records_writable: bool = False

    def paths(self, write: bool) -> tuple[str, ...]:
        return self.write_paths if write else self.read_paths

    def q(self, model, write: bool = False) -> Q | None:
        """The condition for ``model``; None when everything is visible."""
        if self.everything:
            return None
        rule: ScopeRule = model.scope
        paths = _outermost(self.paths(write))
        parts = [Q(**{f"{lookup}__startswith": p}) for lookup in rule.org_paths for p in paths]
        # A record with its own organisation is changed through it alone: a person holding a
        # position in my subtree is visible to me, but edited by their home organisation.
        related = rule.related if not (write and rule.org_paths) else []
        for attr, back, lookup in related:
            related_model = model._meta.get_field(attr).related_model
            for p in paths:
                inner = related_model.objects.filter(
                    **{back: OuterRef("pk"), f"{lookup}__startswith": p}
                )
                parts.append(Q(Exists(inner)))
        if rule.person and self.person_id and (self.own_records_writable or not write):
            parts.append(Q(**{rule.person: self.person_id}))
        return reduce(or_, parts) if parts else Q(pk__in=[])

    def filter(self, queryset: QuerySet, write: bool = False) -> QuerySet:
        condition = self.q(queryset.model, write)
        return queryset if condition is None else queryset.filter(condition)

    def can_write_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.write_paths)


def _outermost(paths: tuple[str, ...]) -> list[str]:
    """Drop paths already inside another granted subtree: fewer OR branches."""
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept
