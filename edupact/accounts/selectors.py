"""Build a user's Scope from their role grants (cached on the request)."""

from django.db.models import Q
from django.utils import timezone

from edupact.core.scoping import Scope, record_key

from .models import SELF_ONLY_ROLES, WRITING_ROLES, ApiToken, Role, RoleGrant, User


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
    grants = list(active_grants(user).values_list("role", "organisation__path"))
    roles = {role for role, _ in grants}
    if user.is_superuser or Role.PLATFORM_ADMIN in roles:
        scope = Scope(everything=True)
    else:
        read = tuple(path for role, path in grants if role not in SELF_ONLY_ROLES)
        write = tuple(path for role, path in grants if role in WRITING_ROLES)
        scope = Scope(read_paths=read, write_paths=write, person_id=user.person_id)
    user._edupact_scope = scope
    return scope


# The bearer token's user in one fixed statement: asked on every API request, and the ORM
# spent more CPU building and compiling its join than the database took to answer it.
_TOKEN_OWNER = (
    "SELECT u.*, t.id AS token_id, "
    "CASE WHEN t.last_used_at IS NULL OR t.last_used_at <= %s THEN 1 ELSE 0 END AS token_stale "
    "FROM {users} u JOIN {tokens} t ON t.user_id = u.id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active = %s"
)


def token_owner(raw: str, used_before) -> User | None:
    """The active user of a bearer token that is not revoked, or None. The user carries the
    token's ``token_id`` and ``token_stale``: 1 when the token was last used before
    ``used_before`` (or never), else 0."""
    sql = _TOKEN_OWNER.format(users=User._meta.db_table, tokens=ApiToken._meta.db_table)
    found = User.objects.raw(sql, [used_before, ApiToken.hash(raw), True])
    return next(iter(found), None)


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {g.role for g in active_grants(user)} | (
        {Role.PLATFORM_ADMIN} if user.is_superuser else set()
    )


def scoped_get_or_404(user, queryset, pk, *, select: tuple = ()):
    """The record ``pk`` of ``queryset`` (a model or queryset) if ``user`` may see it, else
    Http404: outside the scope a record does not exist. Pages and endpoints fetch to read;
    whether the user may change the record is the service's question
    (``Scope.require_write``: 403 for a reader, the same 404 for anyone else).

    A page or endpoint fetches the record it is about here; a service that follows ids a
    client sent in a body resolves them with ``Scope.resolve`` (422 ``not_found``), the same
    rule: what is outside the scope answers exactly as what does not exist.
    """
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    if record_key(pk) is None:  # no row has it: not found, without asking the database
        raise Http404
    qs = queryset.objects.all() if isinstance(queryset, type) else queryset
    if select:
        qs = qs.select_related(*select)
    return get_object_or_404(scope_for(user).filter(qs, pk=pk))
