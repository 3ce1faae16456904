"""Framework pages (the list, one framework with a form to try answers, import and export),
the dashboard, and recognition decisions with their certificates."""

import datetime as dt
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from edupact.accounts.selectors import scope_for
from edupact.audit.selectors import history
from edupact.core import preferences
from edupact.core.converters import query_year
from edupact.core.forms import error_lines
from edupact.core.money import format_number
from edupact.core.paging import page_of
from edupact.core.scoping import record_key
from edupact.core.tabular import XLSX_TYPE
from edupact.core.text import isolate
from edupact.directory.models import AdminUnit

from . import exchange, pdf, reports, scoring, selectors, services
from .forms import DecisionForm, ImportForm, TryForm
from .models import Assessment, Framework, LearningModel, RecognitionDecision, Style
from .places import selectors as place_selectors


def framework_or_404(request, pk, write=False) -> Framework:
    """The framework if the user may see (or change) it; 404 otherwise, never 403."""
    try:
        return selectors.framework(scope_for(request.user), pk, write=write)
    except Framework.DoesNotExist as exc:
        raise Http404 from exc


def _can_import(request) -> bool:
    """Imports make national frameworks: platform administrators (``Framework.scope``)."""
    return scope_for(request.user).can_write(Framework())


@login_required
def frameworks(request):
    scope = scope_for(request.user)
    qs = selectors.frameworks(
        scope,
        q=request.GET.get("q"),
        model=request.GET.get("model") or None,
        style=request.GET.get("style") or None,
    )
    context = {
        "page": page_of(request, qs),
        "q": request.GET.get("q", ""),
        "models": LearningModel.choices,
        "model": request.GET.get("model", ""),
        "styles": Style.choices,
        "style": request.GET.get("style", ""),
        "can_import": _can_import(request),
        "can_create": services.can_create_framework(scope),
    }
    if request.htmx:  # the search box swaps in just the results
        return render(request, "evaluation/frameworks_results.html", context)
    return render(request, "evaluation/frameworks.html", context)


def _detail_context(request, obj: Framework, form=None, result=None) -> dict:
    scope = scope_for(request.user)
    criteria = selectors.criteria_with_indicators(obj)
    return {
        "framework": obj,
        "criteria": criteria,
        "form": form or TryForm(criteria=criteria),
        "result": result,
        "versions": selectors.versions(scope, obj),
        "history": history(obj),
        "can_edit": scope.can_write(obj),
        "placeholders": obj.unconfirmed
        or any(c.placeholder or any(i.placeholder for i in c.indicator_list) for c in criteria),
    }


@login_required
def framework(request, pk):
    obj = framework_or_404(request, pk)
    return render(request, "evaluation/framework.html", _detail_context(request, obj))


@login_required
@require_POST
def try_answers(request, pk):
    """Score the typed answers; htmx swaps in the result, plain POST re-renders the page."""
    obj = framework_or_404(request, pk)
    criteria = selectors.criteria_with_indicators(obj)
    form = TryForm(request.POST, criteria=criteria)
    result = None
    if form.is_valid():
        try:
            result = scoring.score(exchange.to_data(obj), form.answers())
        except scoring.ScoringError as exc:
            form.add_scoring_errors(exc)
    context = _detail_context(request, obj, form=form, result=result)
    if request.htmx:
        return render(request, "evaluation/try_form.html", context)
    return render(request, "evaluation/framework.html", context)


@login_required
def export(request, pk, fmt):
    if fmt not in ("json", "xlsx"):
        raise Http404
    obj = framework_or_404(request, pk)
    filename = f"{obj.code}-{obj.version}".replace("/", "-").replace(" ", "_")
    if fmt == "xlsx":
        response = HttpResponse(
            exchange.to_xlsx(obj),
            content_type=XLSX_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    response = JsonResponse(
        exchange.to_data(obj), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


@login_required
def import_frameworks(request):
    """Platform administrators import national frameworks (JSON or XLSX), dry run first."""
    scope_for(request.user).require_write(Framework())  # 403 with the reason for the others
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            content = upload.read()
            if upload.name.lower().endswith(".xlsx"):
                payload = exchange.from_xlsx(content)
            else:
                try:
                    payload = json.loads(content.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise ValidationError(
                        _("The file is not JSON: %(error)s") % {"error": exc}
                    ) from exc
            outcome = services.import_frameworks(scope_for(request.user), payload, dry_run=dry_run)
        except ValidationError as exc:
            for line in error_lines(exc):
                form.add_error(None, line)
        else:
            if not dry_run:
                messages.success(request, _("Imported."))
                if len(outcome) == 1:
                    return redirect(outcome[0][0].get_absolute_url())
                return redirect("evaluation:frameworks")
    return render(request, "evaluation/import.html", {"form": form, "outcome": outcome})


def whole_or_none(value) -> int | None:
    """An id from a query string, or None (also for a number no row can have)."""
    try:
        return record_key(int(value))
    except (TypeError, ValueError):
        return None


@login_required
def dashboard(request, pk=None):
    """The share recognised by model against the targets, the trend over the years and the
    places below ranked laggards first; the city by default, a commune official's commune."""
    scope = scope_for(request.user)
    unit = _place_or_home(scope, pk)
    context = {"unit": unit, "data": None, "parent": _visible_parent(scope, unit)}
    if unit is not None:
        context["data"] = selectors.dashboard(
            scope, unit, year=query_year(request.GET.get("year")), model=request.GET.get("model")
        )
        _link_places(context["data"])
    return render(request, "evaluation/dashboard.html", context)


def _link_places(data: dict) -> None:
    """Each ranked place's dashboard for the same year and model, the address reversed once:
    a city ranks 168 communes."""
    marker = "2147483647"
    head, tail = reverse("evaluation:dashboard_place", args=[int(marker)]).split(marker)
    query = urlencode({"year": data["year"], "model": data["model"]})
    for item in data["children"]:
        item["href"] = f"{head}{item['unit'].pk}{tail}?{query}"


def _place_or_home(scope, pk) -> AdminUnit | None:
    """The place asked for if the reader sees it (404 otherwise), else the reader's home."""
    if pk is None:
        return place_selectors.home_place(scope)
    try:
        return place_selectors.place(scope, pk)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc


def _visible_parent(scope, unit) -> AdminUnit | None:
    return None if unit is None else place_selectors.visible_parent(scope, unit)


# The annual statistics report -------------------------------------------------------------------


def _annual(request):
    scope = scope_for(request.user)
    unit = _place_or_home(scope, whole_or_none(request.GET.get("place")))
    if unit is None:
        return scope, None
    return scope, reports.annual_statistics(unit, query_year(request.GET.get("year")))


@login_required
def annual_report(request):
    """Registered vs recognised by model for each place below the reader's (or the chosen)
    place, with the total; drill down by clicking a place."""
    scope, report = _annual(request)
    context = {"report": report}
    if report is not None:
        context.update(title=reports.title(report), parent=_visible_parent(scope, report.unit))
    return render(request, "evaluation/annual_report.html", context)


@login_required
def annual_report_file(request, fmt):
    """The same report as XLSX (the association's layout) or PDF (to print and sign)."""
    scope, report = _annual(request)
    if report is None or report.year is None or fmt not in ("xlsx", "pdf"):
        raise Http404
    if fmt == "xlsx":
        content, kind = reports.to_xlsx(report), XLSX_TYPE
    else:
        content = reports.to_pdf(report, issuer=reports.issuer_for(scope, report.unit))
        kind = "application/pdf"
    response = HttpResponse(content, content_type=kind)
    filename = f"thong-ke-mo-hinh-hoc-tap-{report.year}-{report.unit.code or report.unit.pk}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Recognition decisions and certificates ----------------------------------------------------------


@login_required
def decisions(request):
    """The decisions the reader sees, and a link to issue one for each issuing organisation."""
    scope = scope_for(request.user)
    context = {
        "page": page_of(request, selectors.decisions(scope)),
        "issuers": selectors.issuers(scope),
    }
    return render(request, "evaluation/decisions.html", context)


@login_required
def new_decision(request):
    """Assessments of a year that meet the criteria and await a decision, and the form that
    issues the decision for the ticked ones."""
    scope = scope_for(request.user)
    issuers = list(selectors.issuers(scope))
    params = request.POST if request.method == "POST" else request.GET
    chosen = whole_or_none(params.get("organisation"))
    seen = selectors.issuers(scope, write=False)  # the issuer is fetched to read…
    organisation = seen.filter(pk=chosen).first() if chosen else (issuers or [seen.first()])[0]
    if organisation is None:
        raise Http404
    # …and a form page is refused before it is shown (403 for an issuer one only reads)
    scope.require_write(RecognitionDecision(organisation=organisation))
    year = query_year(params.get("year")) or dt.date.today().year
    model = params.get("model") or LearningModel.HOUSEHOLD
    if model not in LearningModel.values:
        raise Http404
    eligible = selectors.awaiting_decision(organisation, year, model)
    form = DecisionForm(request.POST or None, eligible=eligible)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.issue_recognition_decision(
                scope,
                organisation,
                data["number"],
                data["date"],
                services.Signer(name=data["signer_name"], title=data["signer_title"]),
                data["assessments"],
                user=request.user,
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            count = len(data["assessments"])
            messages.success(
                request,
                ngettext(
                    "Decision %(number)s recognises %(count)s subject.",
                    "Decision %(number)s recognises %(count)s subjects.",
                    count,
                )
                % {
                    "number": isolate(decision.number),
                    "count": format_number(count, preferences.language()),
                },
            )
            return redirect(decision.get_absolute_url())
    context = {
        "form": form,
        "organisation": organisation,
        "issuers": issuers,
        "year": year,
        "years": selectors.cycle_years(),
        "model": model,
        "models": LearningModel.choices,
        "eligible": eligible,
        "selected": [str(v) for v in (form["assessments"].value() or [])],
    }
    return render(request, "evaluation/decision_new.html", context)


def _decision(request, pk) -> RecognitionDecision:
    try:
        return selectors.decision(scope_for(request.user), pk)
    except RecognitionDecision.DoesNotExist as exc:
        raise Http404 from exc


@login_required
def decision(request, pk):
    obj = _decision(request, pk)
    recognised = obj.assessments.select_related("subject__admin_unit").order_by(
        "subject__admin_unit__name", "subject__search_key", "pk"
    )
    return render(request, "evaluation/decision.html", {"decision": obj, "recognised": recognised})


@login_required
def certificate(request, pk, assessment):
    """The certificate of one subject recognised by the decision, as PDF."""
    obj = _decision(request, pk)
    item = get_object_or_404(
        Assessment.objects.select_related("subject", "framework"), pk=assessment, decision=obj
    )
    response = HttpResponse(pdf.certificate_pdf(obj, item), content_type="application/pdf")
    filename = f"giay-chung-nhan-{obj.year}-{item.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# Bulk entry --------------------------------------------------------------------------------------


def _writer(request):
    """Bulk entry is for users who write records (a hamlet branch, a commune official…)."""
    scope = scope_for(request.user)
    if not (scope.everything or scope.write_paths):
        raise Http404
    return scope


@login_required
def bulk_entry(request):
    """Download a template for a hamlet or commune; upload it filled in (dry run first)."""
    from . import bulk
    from .forms import BulkImportForm, BulkTemplateForm

    scope = _writer(request)
    units = selectors.entry_places(scope)
    template_form = BulkTemplateForm(
        request.GET if "unit" in request.GET else None,
        units=units,
        initial={"year": dt.date.today().year},
    )
    if template_form.is_bound and template_form.is_valid():
        data = template_form.cleaned_data
        try:
            content = bulk.template_xlsx(scope, data["year"], data["unit"], data["model"])
        except ValidationError as exc:
            template_form.add_error(None, exc.messages)
        else:
            response = HttpResponse(content, content_type=XLSX)
            name = f"danh-gia-{data['model']}-{data['year']}-{data['unit'].pk}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    form = BulkImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        report = bulk.import_assessments(
            scope,
            upload.read(),
            upload.name,
            data["year"],
            data["model"],
            dry_run=data["dry_run"],
            user=request.user,
        )
        if report.written:
            messages.success(
                request,
                _("Imported: %(created)d created, %(updated)d updated, %(skipped)d unchanged.")
                % {"created": report.created, "updated": report.updated, "skipped": report.skipped},
            )
    context = {"template_form": template_form, "form": form, "report": report}
    return render(request, "evaluation/bulk_entry.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The yearly cycle: a commune's year, approvals and re-opening ------------------------------------


def _cycle_place(request, pk) -> AdminUnit:
    """The commune or province whose year a cycle page shows (404 outside the scope)."""
    try:
        unit = place_selectors.place(scope_for(request.user), pk)
    except AdminUnit.DoesNotExist as exc:
        raise Http404 from exc
    if unit.level not in (AdminUnit.Level.COMMUNE, AdminUnit.Level.PROVINCE):
        raise Http404
    return unit


@login_required
def cycle_home(request):
    """The provinces and communes the reader sees, each linking to its year."""
    scope = scope_for(request.user)
    communes = selectors.entry_places(scope).filter(level=AdminUnit.Level.COMMUNE)
    provinces = list(selectors.cycle_provinces(scope))
    year = query_year(request.GET.get("year")) or dt.date.today().year
    if not provinces and communes.count() == 1:
        return redirect("evaluation:cycle", pk=communes.first().pk, year=year)
    context = {"page": page_of(request, communes), "year": year, "provinces": provinces}
    return render(request, "evaluation/cycle_home.html", context)


@login_required
def cycle(request, pk, year):
    """A commune's year: each hamlet's progress with the deadlines and traffic lights, and
    the approve and re-open actions for the level above. A province's year: each commune's
    approval, and the province's closure of its year."""
    from . import workflow
    from .places import locks

    scope = scope_for(request.user)
    commune = _cycle_place(request, pk)
    if commune.level == AdminUnit.Level.PROVINCE:
        return _province_cycle(request, scope, commune, year)
    data = selectors.commune_cycle(commune, year)
    for row in data["hamlets"]:
        row["can_approve"] = workflow.can_approve(scope, row["unit"])
    context = {
        "data": data,
        "year": year,
        "years": selectors.cycle_years(),
        "can_approve_commune": workflow.can_approve(scope, commune),
        "can_approve_hamlets": any(r["can_approve"] for r in data["hamlets"]),
        "can_edit_deadlines": scope.can_write_place(commune),
        "can_edit_province_deadlines": commune.parent_id is not None
        and scope.can_write_place(commune.parent),
        "province": place_selectors.visible_parent(scope, commune),
        "closed_by": locks.locked(year, [commune.parent_id], (locks.PROVINCE,)).get(
            commune.parent_id
        ),
    }
    return render(request, "evaluation/cycle.html", context)


def _province_cycle(request, scope, province: AdminUnit, year: int):
    from . import workflow

    data = selectors.province_cycle(province, year)
    for row in data["communes"]:
        row["can_approve"] = workflow.can_approve(scope, row["unit"])
    context = {
        "data": data,
        "year": year,
        "years": selectors.cycle_years(),
        "can_close": workflow.can_approve(scope, province),
        "can_reopen": workflow.can_reopen(scope, province),
        "can_approve_communes": any(r["can_approve"] for r in data["communes"]),
        "can_edit_deadlines": scope.can_write_place(province),
    }
    return render(request, "evaluation/province_cycle.html", context)


@login_required
@require_POST
def cycle_action(request, pk, year, action):
    """Approve or re-open (with a reason) a hamlet's year or the commune's year; on a
    province's page, a commune's year or the province's own (closing it)."""
    from . import workflow

    if action not in ("approve", "reopen"):
        raise Http404
    scope = scope_for(request.user)
    commune = _cycle_place(request, pk)
    unit_id = whole_or_none(request.POST.get("unit"))
    if unit_id == commune.pk:
        unit = commune
    else:
        below = (
            place_selectors.communes_of(commune, year)
            if commune.level == AdminUnit.Level.PROVINCE
            else place_selectors.hamlets_of(commune, year)
        )
        unit = below.filter(pk=unit_id).first()
        if unit is None:
            raise Http404
    closing = unit.level == AdminUnit.Level.PROVINCE
    try:
        if action == "approve":
            workflow.approve_year(scope, unit, year, user=request.user)
            done = (
                _("%(place)s's year %(year)d is closed; its records are locked.")
                if closing
                else _("%(place)s's year %(year)d is approved.")
            )
            messages.success(request, done % {"place": unit.name, "year": year})
        else:
            workflow.reopen_year(
                scope, unit, year, request.POST.get("reason", ""), user=request.user
            )
            messages.success(
                request,
                _("%(place)s's year %(year)d is re-opened.") % {"place": unit.name, "year": year},
            )
    except ValidationError as exc:
        for line in error_lines(exc):
            messages.error(request, line)
    return redirect("evaluation:cycle", pk=commune.pk, year=year)
