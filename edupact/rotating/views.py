"""Thin views of rotating funds: read through selectors, change through services, scoped.

A form page fetches its fund (share, payment) to read it and asks the services' own check,
``Scope.require_write``, before showing the form: a reader gets 403 "You may only read these
records.", someone outside the scope the 404 of a fund that does not exist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core import preferences
from edupact.core.money import Money, format_money
from edupact.core.tabular import TableError, read_rows
from edupact.core.text import ascii_digits
from edupact.directory.models import Organisation, Person

from . import forming, selectors, services, tables
from .filters import PaymentFilter
from .forms import DrawForm, DueForm, FundForm, ReverseForm, TransferForm
from .models import DrawMode, DuePayment, RotatingFund, Share


def _key(data) -> str | None:
    return f"web:{data['key']}" if data.get("key") else None


@login_required
def home(request):
    scope = scope_for(request.user)
    return render(
        request,
        "rotating/home.html",
        {
            "funds": selectors.funds(scope)[:200],
            "can_form": _writable_organisations(scope).exists(),
        },
    )


@login_required
def fund(request, pk):
    scope = scope_for(request.user)
    obj = get_object_or_404(selectors.funds(scope), pk=pk)
    today = timezone.localdate()
    month_list = selectors.months(obj, today)
    codes = list(selectors.codes(scope, obj, today))
    rows = selectors.grid(obj, codes, month_list)
    upcoming = selectors.next_month(obj)
    filtered = PaymentFilter.read(request.GET)  # the payment history's filter, as the API's
    payments = (
        selectors.payments_page(
            scope, obj, month_list, request.GET.get("payments"), **filtered.filters.values()
        )
        if filtered.ok
        else None  # a filter it cannot read: its message, and no rows (decision 0003)
    )
    return render(
        request,
        "rotating/fund.html",
        {
            "fund": obj,
            "today": today,
            "months": month_list,
            "rows": rows,
            "arrears": selectors.arrears(obj, rows, today),
            "draws": selectors.draw_history(scope, obj, month_list),
            "summary": selectors.fund_summary(obj),
            "next": month_list[upcoming - 1] if upcoming else None,
            "can_write": scope.can_write(obj),
            "payments": payments,
            "payment_month": filtered.given.get("month") or "",
            "payment_query": filtered.query(),
            "filter_errors": filtered.messages(),
            "tables": tables.TABLES,
        },
    )


@login_required
def pay(request, pk):
    obj = scoped_get_or_404(request.user, RotatingFund, pk, select=["organisation"])
    scope = scope_for(request.user)
    scope.require_write(obj)
    today = timezone.localdate()
    month_list = selectors.months(obj, today)
    codes = {c.number: c for c in obj.codes.all()}
    form = DueForm(
        request.POST or None,
        codes=[(n, n) for n in codes],
        months=[(m.n, m.label) for m in month_list],
        initial={
            "paid_on": today,
            "amount": obj.due,
            "code": request.GET.get("code"),
            "month": request.GET.get("month") or selectors.next_month(obj),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_due(
                scope,
                codes[data["code"]],
                data["month"],
                data["amount"],
                data["paid_on"],
                memo=data["memo"],
                idempotency_key=_key(data),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The payment was recorded."))
            return redirect(obj.get_absolute_url())
    return render(
        request, "rotating/form.html", {"form": form, "fund": obj, "title": _("Record dues")}
    )


@login_required
def draw(request, pk):
    obj = scoped_get_or_404(request.user, RotatingFund, pk, select=["organisation"])
    scope = scope_for(request.user)
    scope.require_write(obj)
    today = timezone.localdate()
    upcoming = selectors.next_month(obj)
    form = DrawForm(request.POST or None, initial={"mode": obj.draw_mode})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = services.run_draw(
                scope,
                obj,
                mode=data["mode"],
                today=today,
                seed=data["seed"],
                exclusions=data["exclusions"] if data["mode"] != DrawMode.AUTOMATIC else {},
                code_number=data["code"],
                reason=data["reason"],
                idempotency_key=_key(data),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Code %(code)s won the pot of %(pot)s.")
                % {
                    "code": done.code.number,
                    "pot": format_money(Money(done.pot, obj.currency), preferences.language()),
                },
            )
            return redirect(done.get_absolute_url())
    month = selectors.months(obj, today)[upcoming - 1] if upcoming else None
    return render(
        request,
        "rotating/draw.html",
        {
            "form": form,
            "fund": obj,
            "month": month,
            "candidates": selectors.not_won(obj),
            "title": _("Run the month's draw"),
        },
    )


@login_required
def transfer(request, pk):
    share = scoped_get_or_404(
        request.user,
        Share,
        pk,
        select=["code", "code__fund", "code__fund__organisation", "person", "organisation"],
    )
    scope = scope_for(request.user)
    scope.require_write(share)
    obj = share.code.fund
    form = TransferForm(
        request.POST or None,
        parts=[(k, f"{k}/{obj.share_denominator}") for k in range(share.numerator, 0, -1)],
        initial={"on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = _person(scope, data["national_code"])
        if person is None:
            form.add_error("national_code", _("Nobody with this national code is in your scope."))
        else:
            try:
                services.transfer_share(
                    scope, share, data["on"], person=person, numerator=data["parts"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The share was transferred."))
                return redirect(obj.get_absolute_url())
    return render(
        request,
        "rotating/form.html",
        {
            "form": form,
            "fund": obj,
            "title": _("Transfer a share of code %(code)s") % {"code": share.code.number},
            "share": share,
        },
    )


def _person(scope, national_code: str) -> Person | None:
    """The person with this national code (Persian digits, spaces and dashes allowed)."""
    code = "".join(ascii_digits(national_code).split()).replace("-", "")
    return scope.filter(Person.objects.filter(national_id=code)).first() if code else None


# Forming a fund ---------------------------------------------------------------------------------


def _writable_organisations(scope):
    return scope.filter(Organisation.objects.filter(active=True), write=True).order_by("path")


@login_required
def new(request):
    """A leader forms a fund with every code's first holders; a dry run checks only."""
    scope = scope_for(request.user)
    organisations = _writable_organisations(scope)
    if not organisations.exists():
        raise Http404
    form = FundForm(
        request.POST or None,
        request.FILES or None,
        organisations=organisations,
        initial={"draw_mode": DrawMode.AUTOMATIC},
    )
    report, source = None, "lines"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rows, source = _holder_rows(data)
            report = forming.form_fund(scope, _draft(data), rows, dry_run=data["dry_run"])
        except TableError as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if report.written:
                messages.success(request, _("The fund was formed."))
                return redirect(report.fund.get_absolute_url())
    return render(
        request,
        "rotating/new.html",
        {"form": form, "report": report, "source": source, "title": _("Form a lottery fund")},
    )


def _draft(data) -> RotatingFund:
    year, month = data["start"]
    return RotatingFund(
        name=data["name"],
        organisation=data["organisation"],
        currency=data["currency"],
        calendar=data["calendar"],
        due=data["due"],
        start_year=year,
        start_month=month,
        codes_count=data["codes_count"],
        draw_day=data["draw_day"],
        draw_mode=data["draw_mode"],
    )


def _holder_rows(data):
    upload = data.get("file")
    if upload:
        return read_rows(upload.read(), upload.name, forming.columns()), "file"
    return forming.text_rows(data["holders"]), "lines"


def _add_errors(form, exc: ValidationError) -> None:
    """The service's field errors next to the form's fields (the first month as ``start``)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        field = {"start_year": "start", "start_month": "start"}.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


# Reversing a payment and downloading the tables -------------------------------------------------


@login_required
def reverse(request, pk):
    payment = scoped_get_or_404(
        request.user, DuePayment, pk, select=["fund", "fund__organisation", "code"]
    )
    scope_for(request.user).require_write(payment)
    obj = payment.fund
    form = ReverseForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reverse_due(
                scope_for(request.user),
                payment,
                data["on"],
                data["reason"],
                idempotency_key=_key(data),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The payment was reversed."))
            return redirect(obj.get_absolute_url() + "#payments")
    month = selectors.months(obj, timezone.localdate())[payment.month - 1]
    title = _("Reverse the payment of code %(code)s for %(month)s") % {
        "code": payment.code.number,
        "month": month.label,
    }
    return render(
        request,
        "rotating/form.html",
        {"form": form, "fund": obj, "title": title, "payment": payment},
    )


@login_required
def export(request, pk, table, fmt):
    """A table of the fund page as XLSX or CSV, with exactly the rows the page shows."""
    scope = scope_for(request.user)
    obj = get_object_or_404(selectors.funds(scope), pk=pk)
    filtered = PaymentFilter.read(request.GET)  # the payments as the page filters them
    if not filtered.ok:
        return filtered.refusal()
    return tables.download(scope, obj, table, fmt, timezone.localdate(), filtered.filters)
