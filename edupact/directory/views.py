"""Thin views: read through selectors, change through services, everything scoped.

A page fetches its record to read it; whether the user may change it is the service's
check (``Scope.require_write``): a reader gets 403 "You may only read these records.", an
outsider the 404 of a record that does not exist. A page that only offers a form asks the
same check before showing it; a page's "edit" link asks ``Scope.can_write``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.audit.selectors import history
from edupact.audit.services import log_sensitive_access
from edupact.core.paging import page_of

from . import selectors, services
from .forms import HamletForm, OrganisationForm, PersonForm, PositionForm
from .models import AdminUnit, Organisation, Partnership, Person


def _list(request, template, queryset, **extra):
    page = page_of(request, queryset)
    context = {"page": page, "q": request.GET.get("q", ""), **extra}
    if request.htmx:  # the search box swaps in just the results
        return render(request, template.replace(".html", "_results.html"), context)
    return render(request, template, context)


def _save(request, form, save, success_url):
    """Run a service on a valid form; its errors land on the form, its refusal of the
    change (``ReadOnly``, ``NotFound``) answers the request (403, 404)."""
    if form.is_valid():
        try:
            obj = save(scope_for(request.user), form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(success_url(obj))
    return None


# People -------------------------------------------------------------------------------------


@login_required
def people(request):
    scope = scope_for(request.user)
    qs = selectors.people(
        scope,
        q=request.GET.get("q"),
        sex=request.GET.get("sex") or None,
        organisation=request.GET.get("organisation") or None,
    )
    return _list(
        request,
        "directory/people.html",
        qs,
        sexes=Person.Sex.choices[1:],
        sex=request.GET.get("sex", ""),
    )


@login_required
def me(request):
    if not request.user.person_id:
        raise Http404
    return redirect("directory:person", pk=request.user.person_id)


@login_required
def person(request, pk):
    obj = scoped_get_or_404(request.user, Person, pk, select=("home_organisation",))
    scope = scope_for(request.user)
    return render(
        request,
        "directory/person.html",
        {
            "person": obj,
            "positions": obj.positions.select_related("organisation"),
            "history": history(obj),
            "can_edit": scope.can_write(obj),
        },
    )


@login_required
def person_edit(request, pk=None):
    scope = scope_for(request.user)
    obj = scoped_get_or_404(request.user, Person, pk, select=("home_organisation",)) if pk else None
    if obj:
        scope.require_write(obj)
    writable = scope.filter(Organisation.objects.all(), write=True)
    form = PersonForm(
        request.POST or None,
        instance=obj,
        organisations=writable,
        initial={"home_organisation": request.GET.get("organisation")},
    )
    if request.method == "POST":
        done = _save(request, form, services.save_person, lambda p: p.get_absolute_url())
        if done:
            return done
    return render(
        request, "directory/form.html", {"form": form, "object": obj, "title": _("Person")}
    )


@login_required
def position_add(request, pk):
    person_obj = scoped_get_or_404(request.user, Person, pk)
    scope = scope_for(request.user)
    form = PositionForm(
        request.POST or None, organisations=scope.filter(Organisation.objects.all(), write=True)
    )
    form.instance.person = person_obj
    if request.method == "POST":
        done = _save(request, form, services.save_position, lambda p: person_obj.get_absolute_url())
        if done:
            return done
    return render(
        request, "directory/form.html", {"form": form, "object": person_obj, "title": _("Position")}
    )


@login_required
@require_POST
def reveal(request, pk, field):
    """Show one unmasked identifier to an authorised reader, and log that they saw it."""
    if field not in ("national_id", "bank_account"):
        raise Http404
    obj = scoped_get_or_404(request.user, Person, pk)
    log_sensitive_access(request.user, obj, field)
    return HttpResponse(f'<bdi dir="ltr">{escape(getattr(obj, field))}</bdi>')


# Organisations ------------------------------------------------------------------------------


@login_required
def organisations(request):
    scope = scope_for(request.user)
    qs = selectors.organisations(
        scope,
        q=request.GET.get("q"),
        kind=request.GET.get("kind") or None,
        country=request.GET.get("country") or None,
    )
    return _list(
        request,
        "directory/organisations.html",
        qs,
        kinds=Organisation.Kind.choices,
        kind=request.GET.get("kind", ""),
    )


@login_required
def organisation(request, pk):
    obj = scoped_get_or_404(request.user, Organisation, pk)
    scope = scope_for(request.user)
    return render(
        request,
        "directory/organisation.html",
        {
            "org": obj,
            "children": obj.children.order_by("name")[:50],
            "people_page": page_of(request, selectors.people(scope, organisation=obj.pk)),
            "partnerships": obj.partnerships.all(),
            "history": history(obj),
            "can_edit": scope.can_write(obj),
        },
    )


@login_required
def organisation_edit(request, pk=None):
    scope = scope_for(request.user)
    obj = scoped_get_or_404(request.user, Organisation, pk) if pk else None
    if obj:
        scope.require_write(obj)
    form = OrganisationForm(
        request.POST or None,
        instance=obj,
        organisations=scope.filter(Organisation.objects.all(), write=True),
        initial={"parent": request.GET.get("parent")},
    )
    if request.method == "POST":
        done = _save(request, form, services.save_organisation, lambda o: o.get_absolute_url())
        if done:
            return done
    return render(
        request, "directory/form.html", {"form": form, "object": obj, "title": _("Organisation")}
    )


# Partnerships -------------------------------------------------------------------------------


@login_required
def partnerships(request):
    qs = selectors.partnerships(scope_for(request.user), q=request.GET.get("q"))
    return _list(request, "directory/partnerships.html", qs)


@login_required
def partnership(request, pk):
    obj = scoped_get_or_404(request.user, Partnership, pk)
    return render(
        request,
        "directory/partnership.html",
        {
            "partnership": obj,
            "members": obj.members.select_related("organisation"),
            "participants": selectors.participants_with_titles(obj),
            "history": history(obj),
        },
    )


# Places -------------------------------------------------------------------------------------


@login_required
def places(request):
    qs = selectors.admin_units(
        q=request.GET.get("q"),
        country=request.GET.get("country") or None,
        level=request.GET.get("level") or None,
    )
    if request.GET.get("current"):
        qs = qs.filter(valid_to__isnull=True)
    return _list(
        request,
        "directory/places.html",
        qs,
        levels=AdminUnit.Level.choices,
        level=request.GET.get("level", ""),
        country=request.GET.get("country", ""),
    )


@login_required
def place(request, pk):
    unit = get_object_or_404(AdminUnit.objects.select_related("parent"), pk=pk)
    form = None
    if unit.level == AdminUnit.Level.COMMUNE and (
        request.method == "POST" or scope_for(request.user).can_write_place(unit)
    ):  # the form for who keeps the commune's places; a post by anyone else, the service's 403
        form = HamletForm(request.POST or None)
        form.instance.parent, form.instance.level = unit, AdminUnit.Level.HAMLET
        if request.method == "POST":
            done = _save(request, form, services.save_hamlet, lambda h: unit.get_absolute_url())
            if done:
                return done
    return render(
        request,
        "directory/place.html",
        {
            "unit": unit,
            "children_page": page_of(request, unit.children.order_by("code", "name")),
            "successors": unit.successors.all(),
            "predecessors": unit.predecessors.all(),
            "form": form,
        },
    )
