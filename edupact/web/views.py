from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from edupact.accounts.selectors import active_grants, scope_for
from edupact.directory import selectors
from edupact.evaluation.selectors import notices


@login_required
def home(request):
    scope = scope_for(request.user)
    context = {"grants": active_grants(request.user), "notices": notices(request.user)}
    if scope.everything or scope.read_paths:
        context.update(
            people_count=selectors.people(scope).count(),
            organisation_count=selectors.organisations(scope).count(),
            partnerships=selectors.partnerships(scope)[:5],
        )
    return render(request, "web/home.html", context)
