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
from edupact.core.filters import ListFilter
from edupact.core.paging import page_of

from . import selectors, services
from .filters import OrganisationFilter, PartnershipFilter, PeopleFilter, PlaceFilter
from .forms import HamletForm, OrganisationForm, PersonForm, PositionForm
from .models import AdminUnit, Organisation, Partnership, Person


def _list(request, template, schema: type[ListFilter], select, **extra):
    """A list page: its filters read by the list's schema (the API's), the rows of
    ``select(**filters)``. Filters it cannot read are shown with their messages above an
    empty list (200, like a form with errors; decision 0003), never applied in part."""
    filtered = schema.read(request.GET)
    rows = select(**filtered.filters.values()) if filtered.ok else []
    shown = filtered.filters.model_dump() if filtered.ok else filtered.given  # as typed
    context = {
        "page": page_of(request, rows),
        "filter_errors": filtered.messages(),
        **{name: "" if value is None else value for name, value in shown.items()},
        **extra,
    }
    context.setdefault("q", "")
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
    return _list(
        request,
        "directory/people.html",
        PeopleFilter,
        lambda **filters: selectors.people(scope, **filters),
        sexes=Person.Sex.choices[1:],
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
    return _list(
        request,
        "directory/organisations.html",
        OrganisationFilter,
        lambda **filters: selectors.organisations(scope, **filters),
        kinds=Organisation.Kind.choices,
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
    scope = scope_for(request.user)
    return _list(
        request,
        "directory/partnerships.html",
        PartnershipFilter,
        lambda **filters: selectors.partnerships(scope, **filters),
    )


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
    return _list(
        request,
        "directory/places.html",
        PlaceFilter,
        selectors.admin_units,
        levels=AdminUnit.Level.choices,
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
