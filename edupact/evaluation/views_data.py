"""Pages that edit the evaluation's reference data: a framework (through
``services.revise_framework``), local targets, indicator values from other systems, and a
province's or commune's own deadlines. Thin: the services decide; 404 outside the reader's
scope, 403 for a reader who sees but may not write — the answer of ``Scope.require_write``,
asked of the record (an unsaved one for the pages that create one) before a form is shown."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from edupact.accounts.selectors import scope_for
from edupact.core.converters import query_year
from edupact.core.paging import page_of
from edupact.directory.models import AdminUnit

from . import exchange, selectors, services, workflow
from .forms_edit import (
    EMPTY,
    DeadlineForm,
    Editor,
    IndicatorValueCorrectionForm,
    IndicatorValueForm,
    TargetForm,
)
from .models import Deadline, Framework, IndicatorValue, LearningModel, Step, Target
from .places import locks
from .places import selectors as place_selectors
from .views import framework_or_404, whole_or_none


@login_required
def edit_framework(request, pk):
    """Header fields and one row per criterion or indicator; a framework in use is saved
    as a new version (``revise_framework``), never changed."""
    scope = scope_for(request.user)
    obj = framework_or_404(request, pk)
    scope.require_write(obj)  # a form page: refused before the form is shown
    before = exchange.to_data(obj)
    editor = Editor(obj, before, request.POST if request.method == "POST" else None)
    if request.method == "POST" and editor.is_valid():
        try:
            saved = services.revise_framework(scope, obj, editor.data())
        except ValidationError as exc:
            editor.add_errors(exc)
        else:
            if saved.pk != obj.pk:
                messages.success(
                    request,
                    _(
                        "Version %(old)s is used by assessments and stays as it was; your "
                        "changes were saved as the new version %(new)s."
                    )
                    % {"old": obj.version, "new": saved.version},
                )
            elif exchange.to_data(saved) == before:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The framework is saved."))
            return redirect(saved.get_absolute_url())
    context = {"framework": obj, "editor": editor, "header": editor.header, "rows": editor.rows}
    return render(request, "evaluation/framework_edit.html", context)


@login_required
def new_framework(request):
    """A framework created from scratch: code, owner (national or a local rubric), header,
    criteria and indicators, checked by ``services.create_framework`` with the same
    ``exchange.canonical`` rules as an import or the scorer."""
    scope = scope_for(request.user)
    # A national framework (platform administrators) or a rubric of an owner they write for.
    scope.require_write(Framework(owner=services.framework_owners(scope).first()))
    editor = Editor(
        None,
        EMPTY,
        request.POST if request.method == "POST" else None,
        owners=services.framework_owners(scope),
        national=scope.everything,
    )
    if request.method == "POST" and editor.is_valid():
        try:
            saved = services.create_framework(
                scope, editor.data(), owner=editor.header.cleaned_data["owner"]
            )
        except ValidationError as exc:
            editor.add_errors(exc)
        else:
            messages.success(request, _("The framework is created."))
            return redirect(saved.get_absolute_url())
    context = {"framework": None, "editor": editor, "header": editor.header, "rows": editor.rows}
    return render(request, "evaluation/framework_edit.html", context)


# Targets ------------------------------------------------------------------------------------------


@login_required
def targets(request):
    """Targets of QĐ 387/QĐ-TTg, QĐ 1373/QĐ-TTg and local plans (reference data)."""
    scope = scope_for(request.user)
    model = request.GET.get("model") or None
    qs = selectors.targets(indicator=request.GET.get("indicator") or None, model=model)
    context = {
        "page": page_of(request, qs.select_related("admin_unit")),
        "models": LearningModel.choices,
        "model": model or "",
        "indicator": request.GET.get("indicator", ""),
        "can_add": place_selectors.writable_places(scope).exists(),
    }
    page = context["page"]
    page.object_list = rows = list(page.object_list)
    writes: dict[int | None, bool] = {}  # per place, not per row
    for t in rows:
        if t.admin_unit_id not in writes:
            # national targets are legal texts, changed by nobody here
            writes[t.admin_unit_id] = t.admin_unit_id is not None and scope.can_write(t)
        t.can_change = writes[t.admin_unit_id]
    return render(request, "evaluation/targets.html", context)


@login_required
def new_target(request):
    """A local plan's target, for a province or commune the user writes for."""
    scope = scope_for(request.user)
    places = place_selectors.writable_places(scope)
    # a form page: refused before it is shown (a place they write for, else where they read)
    scope.require_write(Target(admin_unit=places.first() or place_selectors.home_place(scope)))
    form = TargetForm(request.POST or None, places=places, instance=Target())
    if request.method == "POST" and form.is_valid():
        try:
            target = services.add_target(scope, form.instance)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("The target is added."))
            return redirect(
                reverse("evaluation:targets") + "?" + urlencode({"indicator": target.indicator})
            )
    return render(request, "evaluation/target_new.html", {"form": form})


def _target(request, pk) -> Target:
    """A target the user may change: 404 for none, 403 for a national target or a place
    the user does not write for (every signed-in reader sees the targets: ``Target.scope``)."""
    target = Target.objects.select_related("admin_unit").filter(pk=pk).first()
    if target is None:
        raise Http404
    services.require_local_target(scope_for(request.user), target)  # before the form
    return target


def _back_to(target) -> str:
    return reverse("evaluation:targets") + "?" + urlencode({"indicator": target.indicator})


@login_required
def edit_target(request, pk):
    """Correct a local plan's target (``services.change_target``; audited)."""
    scope = scope_for(request.user)
    target = _target(request, pk)
    form = TargetForm(
        request.POST or None, places=place_selectors.writable_places(scope), instance=target
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_target(scope, form.instance)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("The target is saved."))
            return redirect(_back_to(target))
    return render(request, "evaluation/target_new.html", {"form": form, "target": target})


@login_required
def delete_target(request, pk):
    """Ask, then delete a local target still to come (``services.delete_target``)."""
    scope = scope_for(request.user)
    target = _target(request, pk)
    return _confirm_delete(
        request,
        "evaluation/target_delete.html",
        {"target": target},
        lambda: services.delete_target(scope, target),
        _("The target is deleted."),
        _back_to(target),
    )


def _confirm_delete(request, template, context, delete, done, back):
    """The confirmation page; on POST the service deletes (its refusal shown on the page)."""
    error = None
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, done)
            return redirect(back)
    return render(request, template, {**context, "error": error})


# Indicator values ---------------------------------------------------------------------------------


def _seen_place(scope, pk) -> AdminUnit | None:
    if pk is None:
        return None
    try:
        return place_selectors.place(scope, pk)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def indicator_values(request):
    """Stored figures with filters; with an indicator and a year, the share recomputed for
    the chosen place (its own figure, else the places below it added up)."""
    scope = scope_for(request.user)
    unit = _seen_place(scope, whole_or_none(request.GET.get("place")))
    code = (request.GET.get("code") or "").strip()
    year = query_year(request.GET.get("year"))
    source = (request.GET.get("source") or "").strip()
    qs = selectors.indicator_values(scope, code=code, year=year, unit=unit, source=source)
    share = None
    if code and year and (unit is not None or scope.everything):
        share = selectors.indicator_share(code, year, unit, source or None)
    context = {
        "page": page_of(request, qs),
        "code": code,
        "year": year,
        "source": source,
        "place": unit,
        "places": place_selectors.writable_places(scope)
        if not scope.everything
        else AdminUnit.objects.none(),
        "share": share,
        "can_enter": scope.everything or place_selectors.writable_places(scope).exists(),
    }
    page = context["page"]
    page.object_list = rows = list(page.object_list)
    places_by_year: dict[int, set[int]] = {}
    for v in rows:
        if v.admin_unit_id:
            places_by_year.setdefault(v.year, set()).add(v.admin_unit_id)
    locked = {(y, u) for y, units in places_by_year.items() for u in locks.locked(y, units)}
    writes: dict[int | None, bool] = {}  # per place, not per row
    for v in rows:
        v.locked = (v.year, v.admin_unit_id) in locked
        if v.admin_unit_id not in writes:
            writes[v.admin_unit_id] = scope.can_write(v)
        v.can_change = writes[v.admin_unit_id] and not v.locked
    return render(request, "evaluation/indicator_values.html", context)


@login_required
def new_indicator_value(request):
    """Type in a figure from another system (``services.record_indicator_value``)."""
    scope = scope_for(request.user)
    levels = (AdminUnit.Level.PROVINCE, AdminUnit.Level.COMMUNE, AdminUnit.Level.HAMLET)
    places = place_selectors.writable_places(scope, levels)
    # a form page: refused before it is shown (national figures: platform administrators)
    first = None if scope.everything else places.first() or place_selectors.home_place(scope)
    scope.require_write(IndicatorValue(admin_unit=first))
    form = IndicatorValueForm(
        request.POST or None,
        places=places,
        national=scope.everything,
        initial={"year": dt.date.today().year, "code": request.GET.get("code", "")},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            value = services.record_indicator_value(
                scope,
                d["code"],
                d["year"],
                d["numerator"],
                d["denominator"],
                d["admin_unit"],
                d["source"],
                d["note"],
                user=request.user,
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("The figure is recorded."))
            query = {"code": value.code, "year": value.year, "source": value.source}
            if value.admin_unit_id:
                query["place"] = value.admin_unit_id
            return redirect(reverse("evaluation:indicator_values") + "?" + urlencode(query))
    return render(request, "evaluation/indicator_value_new.html", {"form": form})


def _indicator_value(request, pk) -> IndicatorValue:
    """A figure the user may change: 404 for one outside the reader's figures, 403 for one
    the reader sees but does not write for (a national figure, the province's for a
    commune official)."""
    scope = scope_for(request.user)
    value = selectors.indicator_values(scope).filter(pk=pk).first()
    if value is None:
        raise Http404
    scope.require_write(value)
    return value


def _back_to_values(value) -> str:
    query = {"code": value.code, "year": value.year, "source": value.source}
    if value.admin_unit_id:
        query["place"] = value.admin_unit_id
    return reverse("evaluation:indicator_values") + "?" + urlencode(query)


@login_required
def edit_indicator_value(request, pk):
    """Correct a figure typed in by hand (``services.change_indicator_value``; audited)."""
    scope = scope_for(request.user)
    value = _indicator_value(request, pk)
    form = IndicatorValueCorrectionForm(
        request.POST or None,
        initial={
            "numerator": value.numerator,
            "denominator": value.denominator,
            "note": value.note,
        },
    )
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.change_indicator_value(
                scope, value, d["numerator"], d["denominator"], d["note"], user=request.user
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                error = " ".join(exc.messages)
        else:
            messages.success(request, _("The figure is corrected."))
            return redirect(_back_to_values(value))
    context = {"form": form, "value": value, "error": error}
    return render(request, "evaluation/indicator_value_edit.html", context)


@login_required
def delete_indicator_value(request, pk):
    """Ask, then delete a figure entered by mistake (``services.delete_indicator_value``)."""
    scope = scope_for(request.user)
    value = _indicator_value(request, pk)
    return _confirm_delete(
        request,
        "evaluation/indicator_value_delete.html",
        {"value": value},
        lambda: services.delete_indicator_value(scope, value),
        _("The figure is deleted."),
        _back_to_values(value),
    )


# Deadlines ----------------------------------------------------------------------------------------


def _origin(deadline, place) -> str:
    if deadline.pk is None or deadline.admin_unit_id is None:
        return _("default")
    if place is not None and deadline.admin_unit_id == place.pk:
        return _("this place's own")
    return deadline.admin_unit.name


@login_required
def deadlines(request, pk, year):
    """A province's or commune's own deadlines for a year (the city secretariat's for the
    whole city), set through ``workflow.set_deadline``; only the steps whose date or reminder
    changed are stored, and a step's own deadline may be removed again."""
    scope = scope_for(request.user)
    place = _seen_place(scope, pk)
    if place.level not in (AdminUnit.Level.PROVINCE, AdminUnit.Level.COMMUNE):
        raise Http404
    return _deadlines_page(request, scope, place, year)


@login_required
def default_deadlines(request, year):
    """The default deadlines of a year, for every place that sets none of its own; changed
    by platform administrators, read by everyone."""
    scope = scope_for(request.user)
    return _deadlines_page(request, scope, None, year)


def _deadlines_page(request, scope, place, year):
    if not 2000 <= year <= dt.date.today().year + 5:
        raise Http404
    own = Deadline(admin_unit=place, year=year)  # the place's own (None: the defaults)
    if request.method == "POST":
        scope.require_write(own)
    can_edit = scope.can_write(own)
    current = workflow.deadlines_for(place, year)
    post = request.POST if request.method == "POST" else None
    rows = []
    for step, deadline in current.items():
        initial = {"due": deadline.due, "remind_days": deadline.remind_days}
        # A step the place does not set (a commune, the province's closure) is shown only.
        settable = workflow.settable_at(step, place)
        form = DeadlineForm(post if settable else None, prefix=step, initial=initial)
        own = place is not None and deadline.pk and deadline.admin_unit_id == place.pk
        origin = _origin(deadline, place)
        rows.append(
            {
                "step": step,
                "deadline": deadline,
                "form": form,
                "origin": origin,
                "own": own,
                "settable": settable,
            }
        )
    if (
        post is not None
        and all(r["form"].is_valid() for r in rows if r["settable"])
        and _save(scope, place, year, rows)
    ):
        messages.success(request, _("The deadlines are saved."))
        if place is None:
            return redirect("evaluation:default_deadlines", year=year)
        return redirect("evaluation:deadlines", pk=place.pk, year=year)
    context = {
        "place": place,
        "year": year,
        "years": range(dt.date.today().year + 1, 2019, -1),
        "rows": rows,
        "can_edit": can_edit,
        "cycle_commune": place if place and place.level == AdminUnit.Level.COMMUNE else None,
        "province": place_selectors.visible_parent(scope, place)
        if place and place.level == AdminUnit.Level.COMMUNE
        else None,
        "steps": Step,
    }
    return render(request, "evaluation/deadlines.html", context)


def _save(scope, place, year, rows) -> bool:
    """Store the changed steps in one transaction; any error stores none of them. A ticked
    "use the one above" removes the place's own deadline of the step."""
    failed = False
    with transaction.atomic():
        for r in rows:
            if not r["settable"]:
                continue
            d, deadline = r["form"].cleaned_data, r["deadline"]
            try:
                if d.get("inherit") and r["own"]:
                    workflow.clear_deadline(scope, year, r["step"], place)
                    continue
                if d["due"] == deadline.due and d["remind_days"] == deadline.remind_days:
                    continue
                workflow.set_deadline(scope, year, r["step"], d["due"], place, d["remind_days"])
            except ValidationError as exc:
                failed = True
                for key, errors in exc.message_dict.items():
                    r["form"].add_error(key if key in r["form"].fields else None, errors)
        if failed:
            transaction.set_rollback(True)
    return not failed
