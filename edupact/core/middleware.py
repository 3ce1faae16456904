"""Activate a signed-in user's language and calendar for the request."""

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
