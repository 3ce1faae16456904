"""Errors as RFC 9457 problem details (application/problem+json), translated."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from edupact.core.bounds import schema_message

PROBLEM = "application/problem+json"


def problem(request, status: int, title: str, detail: str = "", **extra) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )


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

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return problem(request, 422, _("The data is not valid"), errors=errors)

    @api.exception_handler(NinjaValidationError)
    def schema_invalid(request, exc):
        errors = {
            ".".join(str(p) for p in e.get("loc", [])): [schema_message(e)] for e in exc.errors
        }
        return problem(request, 422, _("The data is not valid"), errors=errors)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return problem(request, exc.status_code, str(exc))
