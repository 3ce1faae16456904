"""Idempotency-Key on API writes: a retried request gets the first answer, never a duplicate.

The key is claimed by inserting a row under a unique constraint before the view runs, so
two concurrent retries cannot both proceed; the response is stored when it is ready.
The same key with a different body or path is refused (422).
"""

import hashlib
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse

from .models import IdempotentRequest
from .problems import problem

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key")
        if not key or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        return self._once(request, key[:255])

    def _once(self, request, key):
        from .auth import TokenAuth

        user = _caller(request, TokenAuth())
        if user is None:  # let the API answer 401 itself
            return self.get_response(request)
        fingerprint = hashlib.sha256(
            request.method.encode() + request.path.encode() + request.body
        ).hexdigest()
        # Outside a transaction the INSERT is one statement of its own (no BEGIN and COMMIT
        # around it); inside one (a test's), a savepoint keeps a conflict from spoiling it.
        guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
        try:
            with guard:
                row = IdempotentRequest.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    fingerprint=fingerprint,
                )
        except IntegrityError:
            row = IdempotentRequest.objects.get(user=user, key=key)
            if row.fingerprint != fingerprint:
                return problem(request, 422, "Idempotency-Key reused with a different request")
            if row.status is None:
                return problem(request, 409, "A request with this Idempotency-Key is in progress")
            replay = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = self.get_response(request)
        if response.status_code >= 500:
            row.delete()  # let the client retry a failure of ours
            return response
        IdempotentRequest.objects.filter(pk=row.pk).update(
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response


def _caller(request, token_auth):
    if request.user.is_authenticated:
        return request.user
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return token_auth.authenticate(request, header[7:].strip())
    return None
