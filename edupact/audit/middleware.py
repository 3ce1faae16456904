from .context import acting_as


class AuditActorMiddleware:
    """Attribute every change made during a web request to its signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        with acting_as(user):
            return self.get_response(request)
