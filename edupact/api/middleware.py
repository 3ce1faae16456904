"""Idempotency-Key on API writes: a retried request gets the first answer, never a duplicate.

The key is claimed by inserting a row under a unique constraint before the view runs, so
two concurrent retries cannot both proceed; the response is stored when it is ready.

As the IETF Idempotency-Key draft says:
- a key belongs to one request: its fingerprint is the method, the path, the query string
  and the body. The same key with any of them different answers 422 (``?step=registration``
  and ``?step=self_assessment`` are two deletes, ``?dry_run=true`` and ``false`` two imports);
- a retry while the first request is still running answers 409;
- an answer refused before the operation ran is not kept under the key, so that a retry
  can succeed once the cause is gone: 401 and 403 (no or a bad token, a failed CSRF check,
  a role that may not do this — until the caller signs in or is granted it) and our own
  failures (5xx).
"""

import hashlib
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from edupact.core.problems import problem

from .models import IdempotentRequest

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NOT_KEPT = {401, 403}  # refused before the operation ran: a retry may succeed


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
        fingerprint = _fingerprint(request)
        row = _claim(request, user, key, fingerprint)
        if row is None:  # claimed by a first request that has since been forgotten: again
            row = _claim(request, user, key, fingerprint)
        if isinstance(row, HttpResponse):
            return row
        if row is None:
            return _in_progress(request)
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in NOT_KEPT:
            row.delete()  # let the client retry
            return response
        IdempotentRequest.objects.filter(pk=row.pk).update(
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response


def _fingerprint(request) -> str:
    """What makes two requests the same request: method, path, query string and body."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        text = part.encode("utf-8", "surrogateescape")
        digest.update(len(text).to_bytes(8, "big") + text)
    digest.update(request.body)
    return digest.hexdigest()


def _claim(request, user, key, fingerprint):
    """The new row that claims ``key`` (the caller goes on), a response to give instead
    (a replay, or a refusal), or None if the key's row vanished between two statements."""
    # Outside a transaction the INSERT is one statement of its own (no BEGIN and COMMIT
    # around it); inside one (a test's), a savepoint keeps a conflict from spoiling it.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            return IdempotentRequest.objects.create(
                user=user,
                key=key,
                method=request.method,
                path=request.path[:500],
                fingerprint=fingerprint,
            )
    except IntegrityError:
        row = IdempotentRequest.objects.filter(user=user, key=key).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        return problem(
            request,
            422,
            _("This Idempotency-Key was used for another request"),
            _(
                "A key names one request: its method, address, query and body. "
                "Send a new key with a new request."
            ),
        )
    if row.status is None:
        return _in_progress(request)
    replay = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    replay["Idempotent-Replayed"] = "true"
    return replay


def _in_progress(request):
    return problem(
        request,
        409,
        _("A request with this Idempotency-Key is still in progress"),
        _("Retry once it has finished."),
    )


def _caller(request, token_auth):
    if request.user.is_authenticated:
        return request.user
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return token_auth.authenticate(request, header[7:].strip())
    return None
