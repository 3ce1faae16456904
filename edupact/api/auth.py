from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from edupact.accounts.models import ApiToken
from edupact.audit.context import set_actor


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ep_…``; revoked tokens fail."""

    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        set_actor(row.user)
        return row.user


AUTH = [TokenAuth(), django_auth]
