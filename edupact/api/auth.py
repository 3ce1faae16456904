import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from edupact.accounts.models import ApiToken
from edupact.accounts.selectors import token_owner
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
        now = timezone.now()
        user = token_owner(token, used_before=now - LAST_USED_STEP)
        if user is None:
            return None
        if user.token_stale:
            ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
        return user


AUTH = [TokenAuth(), django_auth]
