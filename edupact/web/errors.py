"""The product's own error pages, in the reader's language; problem+json under /api/.

Django answers an error that no view handled (a URL that matches nothing, a refusal raised
in a view, an exception nobody caught) with these handlers (``edupact.urls``):

- under ``/api/`` the answer is a problem (``core.problems``), like every other error of the
  API: a client that asks ``/api/v1/rotating/0.35`` gets JSON, not an HTML page;
- elsewhere it is a page of the product: 400, 403 and 404 inside the usual layout (menu and
  language switch), so that the reader can go on;
- 500 is a page of its own that needs neither the database nor the request's context
  processors (whatever failed may be the database): the active language (chosen by the
  cookie, the browser or the user's preference before the failure), the stylesheet if the
  static files can name it, and a link home. If even that cannot be rendered, plain text.
"""

import logging

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from edupact.core.problems import problem
from edupact.core.scoping import ReadOnly

logger = logging.getLogger(__name__)


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _page(request, status: int, title: str, message: str) -> HttpResponse:
    context = {"status": status, "title": title, "message": message}
    try:
        return render(request, "errors/error.html", context, status=status)
    except Exception:  # the layout needs the database (the menu): the page without it
        logger.exception("The layout of a %s page failed; the plain page is shown", status)
        return _plain(status, title, message)


def _plain(status: int, title: str, message: str) -> HttpResponse:
    try:
        stylesheet = static("edupact/edupact.css")
    except Exception:  # a manifest without the stylesheet: the page still says what happened
        stylesheet = ""
    try:
        body = loader.get_template("errors/plain.html").render(
            {
                "status": status,
                "title": title,
                "message": message,
                "stylesheet": stylesheet,
                "bidi": get_language_bidi(),
            }
        )
    except Exception:
        logger.exception("The plain %s page failed; text is shown", status)
        body = f"{title}\n\n{message}\n"
        return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    title, message = _("Bad request"), _("The request could not be understood.")
    if _api(request):
        return problem(request, 400, title, message)
    return _page(request, 400, title, message)


def permission_denied(request, exception=None):
    """403; a record the reader may read but not change says so (``ReadOnly``'s reason)."""
    title = _("Not allowed")
    message = _("You may not open this page. Ask your organisation for the role it needs.")
    if isinstance(exception, ReadOnly):
        message = str(exception)
    if _api(request):
        return problem(request, 403, title, str(exception or "") or message)
    return _page(request, 403, title, message)


def page_not_found(request, exception=None):
    title, message = _("Not found"), _("This page does not exist, or it is not yours to see.")
    if _api(request):
        return problem(request, 404, title)
    return _page(request, 404, title, message)


def server_error(request):
    title = _("Something went wrong on our side")
    message = _("The error has been recorded. Please try again later.")
    if _api(request):
        try:
            return problem(request, 500, title, message)
        except Exception:
            return HttpResponseServerError(f"{title}\n", content_type="text/plain; charset=utf-8")
    return _plain(500, title, message)
