import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from edupact.accounts.models import ApiToken
from edupact.audit.context import set_actor

LAST_USED_STEP = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ep_…``; revoked tokens fail.

    A request is authenticated once (the Idempotency-Key middleware asks first, the API
    again). ``last_used_at`` is written when it is a minute or more old, not on every request:
    "last used" to the minute, without a write per call."""

    def authenticate(self, request, token):
        known = request.__dict__.get("_edupact_token")
        if known is not None and known[0] == token:
            user = known[1]
        else:
            user = self._look_up(token)
            request._edupact_token = (token, user)
        if user is None:
            return None
        request.user = user
        set_actor(user)
        return user

    @staticmethod
    def _look_up(token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_STEP:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user


AUTH = [TokenAuth(), django_auth]
