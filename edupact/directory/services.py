"""Operations that change the directory: validation, scope checks and tree upkeep.

Every change is checked by ``Scope.require_write`` on the record (before and after, when it
moves): who only reads it is told so (403), who does not even read it finds nothing (404).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from edupact.core.scoping import ReadOnly, Scope

from .models import COUNTRY_DEFAULTS, AdminUnit, Organisation, Person, Position

SEGMENT = 7  # width of one id in a path ("0000042.")


def path_segment(pk: int) -> str:
    """One organisation's part of a materialised path; public because the demo's bulk insert
    writes paths without ``save()`` and must write exactly what ``save()`` would."""
    return f"{pk:06d}."


@transaction.atomic
def save_organisation(scope: Scope, org: Organisation) -> Organisation:
    """Create or update an organisation; moving it moves its whole subtree in one UPDATE."""
    creating = org.pk is None
    if creating:
        scope.require_write(org)  # by who writes for the parent; at the top, administrators
        for field, value in COUNTRY_DEFAULTS.get(org.country, {}).items():
            if (
                not getattr(org, field)
                or getattr(org, field) == Organisation._meta.get_field(field).default
            ):
                setattr(org, field, value)
    else:
        before = Organisation.objects.select_for_update().get(pk=org.pk)
        scope.require_write(before)
        if org.parent_id != before.parent_id:  # moved: as if created under the new parent
            scope.require_write(Organisation(parent=org.parent))
    org.full_clean()
    old_path = org.path
    org.path = org.path or "pending."
    org.save()
    parent_path = org.parent.path if org.parent_id else ""
    new_path = parent_path + path_segment(org.pk)
    if new_path != old_path:
        org.path, org.depth = new_path, new_path.count(".") - 1
        Organisation.objects.filter(pk=org.pk).update(path=org.path, depth=org.depth)
        if old_path and not creating:
            _move_descendants(old_path, new_path)
    return org


def _move_descendants(old: str, new: str) -> None:
    shift = new.count(".") - old.count(".")
    Organisation.objects.filter(path__startswith=old).exclude(path=old).update(
        path=Concat(Value(new), Substr("path", len(old) + 1)), depth=F("depth") + shift
    )


@transaction.atomic
def save_person(scope: Scope, person: Person) -> Person:
    """Create or update a person inside an organisation the user may change."""
    if person.pk:
        scope.require_write(Person.objects.select_related("home_organisation").get(pk=person.pk))
    scope.require_write(person)  # by the home organisation it has now
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def save_position(scope: Scope, position: Position) -> Position:
    scope.require_write(position)
    position.full_clean()
    position.save()
    return position


@transaction.atomic
def save_hamlet(scope: Scope, hamlet: AdminUnit) -> AdminUnit:
    """Hamlets and quarters have no national code; commune users keep them."""
    if hamlet.level != AdminUnit.Level.HAMLET or not hamlet.parent_id:
        raise ValidationError(_("A hamlet belongs to a commune."))
    if hamlet.parent.level != AdminUnit.Level.COMMUNE:
        raise ValidationError({"parent": [_("A hamlet belongs to a commune.")]})
    if not scope.can_write_place(hamlet.parent):  # places are read by all: a 403, with why
        raise ReadOnly(_("You may not change places of this commune."))
    hamlet.country = hamlet.parent.country
    hamlet.full_clean()
    hamlet.save()
    return hamlet
