"""Errors as RFC 9457 problem details (application/problem+json), translated.

Every answer of the API that is not a success is a problem, whatever raised it: a record not
found or outside the caller's scope (404), a missing or bad token (401), a refusal of the
domain (403, 409), invalid data (422; ``errors`` maps each field to its messages), a body
that is not JSON (400), and anything unexpected (500, logged with its traceback like any
Django error and answered without internals). ``openapi.ProblemsSchema`` declares the same
answers on every operation of the OpenAPI document; the body itself is built by
``core.problems.problem``, which pages and domain endpoints use too.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict

from edupact.core.bounds import schema_message
from edupact.core.errors import Refused
from edupact.core.problems import problem

logger = logging.getLogger("django.request")


class RowProblem(Schema):
    """One refused row of an import."""

    row: int
    column: str
    message: str


class Problem(Schema):
    """What every error answer of the API holds (RFC 9457); refusals of the domain add
    ``code``, invalid data ``errors`` (field → messages; an import's refused rows), imports
    their report."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int
    instance: str
    detail: str | None = None
    code: str | None = None
    errors: dict[str, list[str]] | list[RowProblem] | None = None


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as field → messages (``__all__`` for errors of the whole record)."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def install(api) -> None:
    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(request, 404, _("Not found"))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return problem(request, 403, _("Not allowed"), str(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return problem(request, 401, _("Sign-in required"))

    @api.exception_handler(AuthorizationError)
    def unauthorised(request, exc):
        return problem(request, 403, _("Not allowed"))

    @api.exception_handler(Refused)
    def refused(request, exc):
        """A refusal of the domain: its status (409 unless the rule says otherwise) and its
        stable ``code``; checked before ``ValidationError``, of which it is a kind."""
        return problem(request, exc.status, _("Refused"), exc.messages[0], code=exc.reason)

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        return problem(request, 422, _("The data is not valid"), errors=field_errors(exc))

    @api.exception_handler(NinjaValidationError)
    def schema_invalid(request, exc):
        errors = {
            ".".join(str(p) for p in e.get("loc", [])): [schema_message(e)] for e in exc.errors
        }
        return problem(request, 422, _("The data is not valid"), errors=errors)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        cause = exc.__cause__
        if isinstance(cause, ValidationError):  # text the parser refused inside the body
            return invalid(request, cause)
        if exc.status_code == 400 and isinstance(cause, ValueError):  # incl. JSON, UTF-8
            return problem(request, 400, _("The request body is not valid JSON."))
        if exc.status_code == 403:  # django-ninja's only one: a signed-in session's CSRF check
            return problem(
                request,
                403,
                _("Not allowed"),
                _("The security check of this session failed (CSRF). Reload the page and retry."),
            )
        return problem(request, exc.status_code, str(exc))

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        """A failure of ours: logged with its traceback (as Django logs an error of a page),
        answered as a problem that tells nothing of the code, the data or the database."""
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exc,
            extra={"status_code": 500, "request": request},
        )
        response = problem(
            request,
            500,
            _("Something went wrong on our side"),
            _("The error has been recorded. Please try again later."),
        )
        response._has_been_logged = True  # Django would log the 500 a second time
        return response
