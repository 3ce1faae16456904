"""Build a user's Scope from their role grants (cached on the request)."""

from django.db.models import Q
from django.utils import timezone

from edupact.core.scoping import Scope

from .models import SELF_ONLY_ROLES, WRITING_ROLES, Role, RoleGrant


def active_grants(user):
    today = timezone.localdate()
    return (
        RoleGrant.objects.filter(user=user)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .select_related("organisation")
    )


def scope_for(user) -> Scope:
    """What ``user`` may see and change; nothing for anonymous users."""
    if user is None or not user.is_authenticated:
        return Scope()
    cached = getattr(user, "_edupact_scope", None)
    if cached is not None:
        return cached
    grants = list(active_grants(user))
    roles = {g.role for g in grants}
    if user.is_superuser or Role.PLATFORM_ADMIN in roles:
        scope = Scope(everything=True)
    else:
        read = tuple(g.organisation.path for g in grants if g.role not in SELF_ONLY_ROLES)
        write = tuple(g.organisation.path for g in grants if g.role in WRITING_ROLES)
        scope = Scope(
            read_paths=read, write_paths=write, person_id=user.person_id, own_records_writable=False
        )
    user._edupact_scope = scope
    return scope


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {g.role for g in active_grants(user)} | (
        {Role.PLATFORM_ADMIN} if user.is_superuser else set()
    )


def scoped_get_or_404(user, queryset, pk, *, write: bool = False, select: tuple = ()):
    """The record ``pk`` of ``queryset`` (a model or queryset) if ``user`` may see it — or
    change it when ``write`` — else Http404: outside the scope a record does not exist."""
    from django.shortcuts import get_object_or_404

    qs = queryset.objects.all() if isinstance(queryset, type) else queryset
    if select:
        qs = qs.select_related(*select)
    return get_object_or_404(scope_for(user).filter(qs, write=write, pk=pk))
