from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import PreferencesForm, TokenForm


@login_required
def settings_view(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    token_form = TokenForm()
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(form.cleaned_data["language"])
        response = redirect("accounts:settings")
        response.set_cookie("edupact_language", form.cleaned_data["language"], samesite="Lax")
        messages.success(request, _("Saved."))
        return response
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "token_form": token_form,
            "tokens": request.user.api_tokens.filter(revoked_at__isnull=True),
        },
    )


@login_required
@require_POST
def token_new(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.issue_token(request.user, form.cleaned_data["name"])
        messages.success(
            request, _("Copy this token now; it is not shown again: %(token)s") % {"token": raw}
        )
    return redirect("accounts:settings")


@login_required
@require_POST
def token_revoke(request, pk):
    services.revoke_token(request.user, pk)
    return redirect("accounts:settings")
