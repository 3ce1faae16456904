"""Errors as RFC 9457 problem details (application/problem+json): the one builder of the body.

The API's exception handlers (``api.problems.install``), Django's error handlers under
``/api/`` (``web.errors``), the API middleware and the few domain endpoints whose refusal
carries a body of its own all answer through ``problem``, so that every error of the API
has the same shape. It lives in the kernel so that a domain app builds one without
importing ``api`` (domain apps sit below the entry points).
"""

from django.http import JsonResponse

PROBLEM = "application/problem+json"


def problem(request, status: int, title: str, detail: str = "", **extra) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )
