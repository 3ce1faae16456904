"""Record every save and delete of registered models, with the changed fields.

Signals rather than per-service calls: no code path (admin, API, CLI, shell) can
change an audited record without leaving a row. A snapshot taken when the instance
is loaded gives the old values without an extra query.

``bulk_create``, ``bulk_update`` and ``QuerySet.update`` send no signal. A set-based path
that writes registered models with them calls :func:`written_in_bulk` in the same
transaction: it builds, with the same code, the entries ``post_save`` would have written
(one per created or changed instance) and inserts them together
(``evaluation.bulk.import_assessments``; ``tests/test_evaluation_assessment_paths.py``
compares its trail with the service's).
"""

import datetime as dt
import decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_init, post_save

from edupact.core.identifiers import mask

from .context import current_actor
from .models import AuditEntry

SKIP_FIELDS = {"search_key", "sort_key", "path", "depth"}
# Recorded masked: the trail shows that they changed; only the logged reveal shows them whole.
SENSITIVE_FIELDS = {"national_id", "bank_account"}


def _shown(field: str, value):
    return mask(value) if field in SENSITIVE_FIELDS and value else value


def _value(v):
    if isinstance(v, (dt.date, dt.datetime, decimal.Decimal)):
        return str(v)
    return v


_PLAIN = frozenset({int, str, bool, float, type(None)})
_ATTNAMES: dict[type, tuple[str, ...]] = {}


def _attnames(model) -> tuple[str, ...]:
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = tuple(
            f.attname for f in model._meta.concrete_fields if f.attname not in SKIP_FIELDS
        )
    return names


def _snapshot(instance, *, raw: bool = False) -> dict:
    """The audited values of ``instance``. Loaded values are read from ``__dict__`` (a
    deferred field still goes through ``getattr``); ``raw`` leaves dates as objects, for
    the snapshot of every loaded instance (a report of 2,000 loans builds 8,000), which
    ``_on_save`` converts only when it compares."""
    loaded = instance.__dict__
    snapshot = {}
    for name in _attnames(instance.__class__):
        v = loaded[name] if name in loaded else getattr(instance, name, None)
        snapshot[name] = v if raw or v.__class__ in _PLAIN else _value(v)
    return snapshot


def _on_init(sender, instance, **kwargs):
    instance._audit_before = _snapshot(instance, raw=True) if instance.pk else {}


def _entry(instance, action: str, changes: dict) -> AuditEntry:
    actor = current_actor()
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=str(actor) if actor is not None else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )


def _saved(instance, created: bool) -> AuditEntry | None:
    """The entry a save of ``instance`` leaves (None: nothing changed), not yet stored; the
    instance's snapshot becomes its values as saved."""
    after = _snapshot(instance)
    before = {} if created else getattr(instance, "_audit_before", {})
    before = {k: _value(v) for k, v in before.items()}
    changes = {
        k: [_shown(k, before.get(k)), _shown(k, v)]
        for k, v in after.items()
        if before.get(k) != v and k != "id"
    }
    instance._audit_before = after
    if created or changes:
        action = AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
        return _entry(instance, action, changes)
    return None


def _on_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    entry = _saved(instance, created)
    if entry is not None:
        entry.save()


def _on_delete(sender, instance, **kwargs):
    _entry(instance, AuditEntry.Action.DELETE, {}).save()


def written_in_bulk(instances, *, created: bool, batch_size: int = 1000) -> int:
    """Audit instances just written by ``bulk_create`` (``created``) or ``bulk_update``,
    which send no signal: the entries ``post_save`` would have left, built by the same code
    from each instance's snapshot (taken when it was loaded), inserted together. Call it in
    the transaction of the write, after it (created instances need their keys). Returns the
    number of entries."""
    entries = []
    for instance in instances:
        if instance.__class__ not in _REGISTERED:
            raise TypeError(f"{instance.__class__.__name__} is not audited")
        entry = _saved(instance, created)
        if entry is not None:
            entries.append(entry)
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)


_REGISTERED: set[type] = set()


def register(*models) -> None:
    for model in models:
        _REGISTERED.add(model)
        uid = f"audit-{model._meta.label}"
        post_init.connect(_on_init, sender=model, dispatch_uid=uid)
        post_save.connect(_on_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_delete, sender=model, dispatch_uid=uid)
