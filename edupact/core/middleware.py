"""Request middleware: the user's language and calendar; the Content-Security-Policy."""

from django.utils import translation

from . import preferences


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen_calendar = None
        if user is not None and user.is_authenticated:
            cookie = request.COOKIES.get("edupact_language")
            if user.language and not cookie:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            chosen_calendar = user.calendar
        token = preferences.use_calendar(chosen_calendar)
        try:
            return self.get_response(request)
        finally:
            preferences.reset_calendar(token)


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy of ``settings.EDUPACT_CSP`` with every response.

    Django 5.2 has none built in. The policy allows scripts, styles, fonts and requests from
    edupact's own origin only — no inline script, no inline style, no eval — so that text a
    user typed can never run as script even where an escape were forgotten. Pages therefore
    keep their behaviour in static files (``edupact.js``) and configure htmx by a meta tag.
    A response that already carries a policy keeps it. ``EDUPACT_CSP_REPORT_ONLY`` sends the
    same policy as report-only, to try a change of policy on a running site first.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.EDUPACT_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        self.value = "; ".join(
            " ".join([directive, *sources]) for directive, sources in settings.EDUPACT_CSP.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(self.header, self.value)
        return response
