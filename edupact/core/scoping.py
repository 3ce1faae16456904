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

A change is checked by the service that makes it, with ``Scope.require_write(obj)``: the
one write-permission check (docs/decisions/0002-one-rule-one-place.md §8). It decides in
memory from the paths the model's rule names (callers ``select_related`` them, as they do
to show the record), so an unsaved record is checked by the organisation it would belong to
and a record that moves is checked before and after. Only a refusal asks the database,
once, whether the user may at least read the record: if not, ``NotFound`` (404, the words of
a record that does not exist); if so, ``ReadOnly`` (403, "You may only read these records.").
``Scope.filter(…, write=True)`` reads the same rule, so the lists of what a user may change
and the check of one change agree (tests/test_scoping_write.py proves it on both databases).

A write that names other records by id (a meeting's proposals and attendees, a decision's
assessments, a subject's parent…) resolves them with ``Scope.resolve``: an id outside the
scope is refused exactly as an id that names nothing (``not_found``: the same message, no
name, no hint which), so a refusal never tells a writer what exists elsewhere.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import reduce

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Manager, Model, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .bounds import INT64_MAX

READ_ONLY = gettext_lazy("You may only read these records.")


class Acting(Enum):
    """In whose name a change is made: the operation says it, the model's rule says who."""

    WRITERS = "writers"  # who write for the record's organisation (or place): the default
    OWNER = "owner"  # also the person the record belongs to (``ScopeRule.person``)
    PERSONALLY = "person"  # that person only (a guarantor confirming, a member voting)


class NotFound(Http404):
    """A record the user may not even read: answered exactly as one that does not exist
    (404; the message, "… not found.", is for logs and never names the record)."""

    def __init__(self, model):
        super().__init__(capfirst(_("%(model)s not found.") % {"model": model._meta.verbose_name}))


class ReadOnly(PermissionDenied):
    """A record the user reads but may not change (403, with the reason: by default "You
    may only read these records.", or the rule's ``unowned``/``personally`` message)."""

    def __init__(self, message: str | Promise | None = None):
        self.message = message or READ_ONLY
        super().__init__(self.message)

    def __str__(self) -> str:  # translated when shown, in the reader's language
        return str(self.message)


@dataclass(frozen=True)
class ScopeRule:
    """How a model reaches the organisations (or the place) that govern it.

    ``org_paths``/``person``/``related`` decide who reads; ``write_paths`` (default
    ``org_paths``) who changes, ``new_paths`` (default ``write_paths``) who creates a record
    not saved yet. ``place`` names an AdminUnit field for records that belong to a place
    rather than an organisation. ``unowned`` is the refusal of a record with no organisation
    or place (platform administrators only), ``unowned_public`` says every signed-in user
    reads such records, ``public`` that every signed-in user reads every record (reference
    data: a refused change is then always ``ReadOnly``, never ``NotFound``); ``personally``
    is the refusal of an ``Acting.PERSONALLY`` act by
    anyone but the record's person.
    """

    org_paths: list[str] = field(default_factory=list)
    person: str | None = None
    # (related model attribute on the model, its FK back to us, its org path lookup)
    related: list[tuple[str, str, str]] = field(default_factory=list)
    write_paths: list[str] | None = None
    new_paths: list[str] | None = None
    place: str | None = None
    unowned: Promise | str | None = None
    unowned_public: bool = False
    public: bool = False
    personally: Promise | str | None = None

    def writing(self, new: bool = False) -> list[str]:
        """The paths that govern a change (of a record not saved yet when ``new``)."""
        paths = self.org_paths if self.write_paths is None else self.write_paths
        return paths if not new or self.new_paths is None else self.new_paths


@dataclass(frozen=True)
class Scope:
    """What one user may read and write; built once per request."""

    everything: bool = False
    read_paths: tuple[str, ...] = ()
    write_paths: tuple[str, ...] = ()
    person_id: int | None = None

    def paths(self, write: bool) -> tuple[str, ...]:
        return self.write_paths if write else self.read_paths

    def q(self, model, write: bool = False, pk=None) -> Q | None:
        """The condition for ``model``; None when everything is visible.

        One ``pk IN (SELECT … UNION SELECT …)`` rather than an OR of a joined path test,
        correlated EXISTS and the person's own id: the database builds the set of keys in
        scope once, from the path and foreign-key indexes, instead of testing every row
        of the table (docs/performance.md). With ``pk`` (one record wanted) every branch
        looks for that key alone: SQLite otherwise builds the whole set before testing the
        one key (52 ms instead of 1.4 ms for an account of a fund of 200,000, bench/funds;
        PostgreSQL carries ``pk = x`` into the branches itself, the same 0.6–0.8 ms).
        """
        if self.everything:
            return None
        rule: ScopeRule = model.scope
        if rule.public and not write:
            return None
        paths = _outermost(self.paths(write))
        one = {} if pk is None else {"pk": pk}
        keys = [
            _keys(model, **one, **{f"{lookup}__startswith": p})
            for lookup in (rule.writing() if write else rule.org_paths)
            for p in paths
        ]
        # A record with its own organisation is changed through it alone: a person holding a
        # position in my subtree is visible to me, but edited by their home organisation.
        related = rule.related if not (write and rule.org_paths) else []
        for attr, back, lookup in related:
            related_model = model._meta.get_field(attr).related_model
            back_one = {} if pk is None else {back: pk}
            keys += [
                _keys(related_model, back, **back_one, **{f"{lookup}__startswith": p})
                for p in paths
            ]
        if rule.person and self.person_id and not write:
            keys.append(_keys(model, **one, **{rule.person: self.person_id}))
        if not keys:
            return Q(pk__in=[])
        return Q(pk__in=reduce(lambda a, b: a.union(b), keys))

    def filter(self, queryset: QuerySet, write: bool = False, pk=None) -> QuerySet:
        """``queryset`` in scope; with ``pk``, only that record (if in scope)."""
        if pk is not None:
            queryset = queryset.filter(pk=pk)
        condition = self.q(queryset.model, write, pk)
        return queryset if condition is None else queryset.filter(condition)

    def can_write_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.write_paths)

    # The one write-permission check ------------------------------------------------------

    def can_read(self, obj) -> bool:
        """Whether the user reads ``obj``: in memory from its organisation paths; else (the
        person's own record, a record seen through a related one) one keyed query."""
        if self.everything:
            return True
        rule: ScopeRule = type(obj).scope
        if rule.public:
            return True
        if rule.place:
            unit = _value(obj, rule.place)
            if unit is None:
                return rule.unowned_public
            return self._place_organisations(unit, write=False).exists()
        new = obj.pk is None
        values = _paths_of(obj, rule.writing(new=True) if new else rule.org_paths)
        if not any(values) and rule.unowned_public:
            return True
        if _under(values, self.read_paths):
            return True
        if new or not (self.read_paths or self.person_id):
            return False
        return self.filter(type(obj)._base_manager.all(), pk=obj.pk).exists()

    def can_write(self, obj, *, acting: Acting = Acting.WRITERS) -> bool:
        """Whether the user may change ``obj`` (create it, when it is not saved yet), in
        memory: the rule's write paths under a granted subtree — or the place, for a record
        that belongs to one — and, as ``acting`` says, the record's own person."""
        rule: ScopeRule = type(obj).scope
        if acting is Acting.PERSONALLY:
            return self._owns(obj)
        if self.everything or (acting is Acting.OWNER and self._owns(obj)):
            return True
        if rule.place:
            unit = _value(obj, rule.place)
            return unit is not None and self.can_write_place(unit)
        lookups = rule.writing(new=obj.pk is None)
        if not lookups and rule.related:  # a record governed only through related ones
            return (
                obj.pk is not None
                and self.filter(type(obj)._base_manager.all(), write=True, pk=obj.pk).exists()
            )
        return _under(_paths_of(obj, lookups), self.write_paths)

    def require_read(self, obj) -> None:
        """Refuse a record the user may not read as one that does not exist (404)."""
        if not self.can_read(obj):
            raise NotFound(type(obj))

    def require_write(self, obj, *, acting: Acting = Acting.WRITERS) -> None:
        """Refuse a change of ``obj``: ``NotFound`` when the user may not read it (nothing is
        revealed, message and status alike), ``ReadOnly`` (403, "You may only read these
        records." or the rule's unowned/personally message) when they read but may not
        change it. Nothing is asked of the database unless the change is refused."""
        if self.can_write(obj, acting=acting):
            return
        rule: ScopeRule = type(obj).scope
        if acting is Acting.PERSONALLY:
            if self.can_read(obj):
                raise ReadOnly(rule.personally)
            raise NotFound(type(obj))
        if rule.unowned and self._unowned(obj):
            # nothing to hide: a new record at the top, or reference data all read
            if obj.pk is None or rule.unowned_public or self.can_read(obj):
                raise ReadOnly(rule.unowned)
            raise NotFound(type(obj))
        if self.can_read(obj):
            raise ReadOnly()
        raise NotFound(type(obj))

    def can_write_place(self, unit) -> bool:
        """Whether the user writes for a place (an AdminUnit): through an organisation placed
        there or above that they may change. No place (national figures, default deadlines):
        platform administrators only."""
        if self.everything:
            return True
        if unit is None:
            return False
        return self._place_organisations(unit, write=True).exists()

    def _place_organisations(self, unit, *, write: bool) -> QuerySet:
        """The organisations placed at ``unit`` or above it that the user reads (or changes),
        found through the unit's own relation: core does not import the directory."""
        organisation = unit._meta.get_field("organisations").related_model
        placed = organisation._base_manager.filter(admin_unit_id__in=unit_chain(unit))
        return self.filter(placed, write=write)

    def _owns(self, obj) -> bool:
        """Whether ``obj`` is the user's own record (the rule's ``person``)."""
        rule: ScopeRule = type(obj).scope
        if not (rule.person and self.person_id):
            return False
        value = _value(obj, rule.person)
        return (value.pk if isinstance(value, Model) else value) == self.person_id

    def _unowned(self, obj) -> bool:
        rule: ScopeRule = type(obj).scope
        if rule.place:
            return _value(obj, rule.place) is None
        return not any(_paths_of(obj, rule.writing(new=obj.pk is None)))

    def resolve(
        self, queryset, ids: Iterable, *, field: str | None = None, write: bool = False
    ) -> dict:
        """The records of ``queryset`` (a model or a queryset, locked or not) named by
        ``ids``, by id — each one that exists *and* is in scope — or ``not_found`` when any
        is missing, before any other check runs on them. The one way a service follows ids
        a client sent: whether an id names nothing or a record outside the scope, the
        answer is the same, so a refusal never confirms that a record exists, nor names it.
        Ids that no row can have (not whole numbers, out of the 64-bit range) are missing
        too, without a query that the database would refuse.
        """
        qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
        wanted = {record_key(i) for i in ids}
        if not wanted:
            return {}
        if None in wanted:
            raise not_found(qs.model, field=field)
        found = {o.pk: o for o in self.filter(qs.filter(pk__in=wanted), write=write)}
        if len(found) != len(wanted):
            raise not_found(qs.model, field=field)
        return found

    def resolve_one(self, queryset, pk, *, field: str | None = None, write: bool = False):
        """``resolve`` of one id: the record, or ``not_found``."""
        return self.resolve(queryset, [pk], field=field, write=write)[record_key(pk)]


def not_found(model, *, field: str | None = None) -> ValidationError:
    """The refusal of a reference the reader cannot follow, with the same words whether the
    record does not exist or is outside the reader's scope (422 in the API)."""
    message = capfirst(_("%(model)s not found.") % {"model": model._meta.verbose_name})
    error = ValidationError(message, code="not_found")
    return ValidationError({field: [error]}) if field else error


def record_key(value) -> int | None:
    """An id as the database can hold it (a whole number from 1 to 2^63 − 1), or None: an id
    no row can have is simply not found, never an overflow in the database driver."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and 1 <= value <= INT64_MAX:
        return value
    return None


def unit_chain(unit) -> list[int]:
    """The place and the places above it, nearest first, by ``parent_id`` (one query per
    level, so the chain is kept on the instance for the next question of the same request)."""
    kept = unit.__dict__.get("_unit_chain")
    if kept is not None and kept[0] == unit.parent_id:
        return list(kept[1])
    model = type(unit)._base_manager
    chain, parent = [unit.pk], unit.parent_id
    while parent and len(chain) < 6:
        chain.append(parent)
        parent = model.filter(pk=parent).values_list("parent_id", flat=True).first()
    unit.__dict__["_unit_chain"] = (unit.parent_id, tuple(chain))
    return chain


def _value(obj, lookup: str):
    """Follow ``lookup`` ("fund__organisation__path") from ``obj`` through forward relations,
    in memory when the caller selected them; None when a link on the way is empty."""
    for part in lookup.split("__"):
        if obj is None:
            return None
        try:
            obj = getattr(obj, part)
        except ObjectDoesNotExist:  # a required relation not set yet on an unsaved record
            return None
        if isinstance(obj, Manager):
            raise TypeError(f"{lookup}: a scope path is followed through forward relations only")
    return obj


def _paths_of(obj, lookups: list[str]) -> list[str]:
    return [_value(obj, lookup) or "" for lookup in lookups]


def _under(values: list[str], granted: tuple[str, ...]) -> bool:
    return any(v.startswith(p) for v in values if v for p in granted)


def _keys(model, column: str = "pk", **conditions) -> QuerySet:
    """``SELECT column FROM model WHERE conditions``, unordered: one branch of the UNION."""
    return model._base_manager.order_by().filter(**conditions).values(column)


def _outermost(paths: tuple[str, ...]) -> list[str]:
    """Drop paths already inside another granted subtree: fewer OR branches."""
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept
