"""Thin views of the funds: read through selectors, change through services, all scoped."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core import pdf, preferences
from edupact.core.calendars import InvalidDate, parse_date
from edupact.core.tabular import XLSX_TYPE
from edupact.web.paging import page_of

from . import imports, selectors, services
from .forms import ConfirmGiftForm, DepositForm, GiveForm, ImportForm
from .models import (
    Fund,
    FundAccount,
    ImportKind,
    Loan,
    LoanStatus,
    PendingGift,
    PendingGiftStatus,
)


@login_required
def home(request):
    scope = scope_for(request.user)
    mine = []
    if request.user.person_id:
        today = timezone.localdate()
        for account in selectors.accounts_of_person(scope, request.user.person_id):
            mine.append((account, selectors.account_points(account, today)))
    return render(request, "funds/home.html", {"funds": selectors.funds(scope)[:200], "mine": mine})


@login_required
def fund(request, pk):
    scope = scope_for(request.user)
    obj = get_object_or_404(selectors.funds(scope), pk=pk)
    today = timezone.localdate()
    page = page_of(request, selectors.member_accounts(scope, obj))
    rows = [(a, selectors.account_points(a, today)) for a in page]
    loans = selectors.loans(scope, obj)
    return render(
        request,
        "funds/fund.html",
        {
            "fund": obj,
            "today": today,
            "summary": selectors.fund_summary(obj, today),
            "page": page,
            "rows": rows,
            "queue": loans.filter(status=LoanStatus.REQUESTED),
            "loans": loans.exclude(status=LoanStatus.REQUESTED).order_by("-requested_on", "-id")[
                :50
            ],
            "can_write": scope.can_write_path(obj.kanoon.path),
        },
    )


@login_required
def deposit(request, pk):
    obj = scoped_get_or_404(request.user, Fund, pk, write=True, select=["kanoon"])
    scope = scope_for(request.user)
    form = DepositForm(
        request.POST or None,
        accounts=selectors.member_accounts(scope, obj),
        initial={"on": timezone.localdate(), "account": request.GET.get("account")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.deposit(
                scope,
                data["account"],
                data["amount"],
                data["on"],
                memo=data["memo"],
                idempotency_key=f"web:{data['key']}" if data["key"] else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The deposit was recorded."))
            return redirect(data["account"].get_absolute_url())
    return render(request, "funds/form.html", {"form": form, "fund": obj, "title": _("Deposit")})


@login_required
@require_POST
def allocate(request, pk):
    obj = scoped_get_or_404(request.user, Fund, pk, write=True, select=["kanoon"])
    decided = services.allocate(scope_for(request.user), obj, timezone.localdate())
    approved = sum(1 for loan in decided if loan.status == LoanStatus.APPROVED)
    messages.success(
        request,
        _("Allocation round: %(approved)s approved, %(rejected)s rejected.")
        % {"approved": approved, "rejected": len(decided) - approved},
    )
    return redirect(obj.get_absolute_url())


@login_required
def account(request, pk):
    obj = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "fund__kanoon", "person", "organisation"]
    )
    today = timezone.localdate()
    scope = scope_for(request.user)
    statement = selectors.statement(obj)
    statement.reverse()
    return render(
        request,
        "funds/account.html",
        {
            "account": obj,
            "fund": obj.fund,
            "today": today,
            "points": selectors.account_points(obj, today),
            "statement": page_of(request, statement),
            "transfers": selectors.transfers_of(obj),
            "loans": Loan.objects.filter(account=obj).select_related("product"),
            "enabled": selectors.loans_enabled_by(obj) if obj.organisation_id else None,
            "can_write": scope.can_write_path(obj.fund.kanoon.path),
            "can_give": services.may_give_from(scope, obj),
        },
    )


@login_required
def give(request, pk):
    """Start a gift of points from this account: the code goes to the supporter's mobile."""
    obj = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "fund__kanoon", "person", "organisation"]
    )
    scope = scope_for(request.user)
    if not services.may_give_from(scope, obj):
        raise Http404
    form = GiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = services.start_gift(
                scope,
                obj,
                national_code=data["national_code"],
                mobile=data["mobile"],
                points=data["points"],
                use=data["use"],
                kind=data["kind"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.info(request, _("A one-time code was sent by SMS to the supporter's mobile."))
            return redirect(pending.get_absolute_url())
    return render(
        request,
        "funds/give.html",
        {"form": form, "account": obj, "fund": obj.fund, "title": _("Give points")},
    )


@login_required
def confirm_gift(request, pk):
    """Ask for the one-time code; when right, the points move and show on both sides."""
    pending = scoped_get_or_404(
        request.user,
        PendingGift,
        pk,
        select=["fund", "fund__kanoon", "supporter", "supporter__fund__kanoon", "beneficiary"],
    )
    scope = scope_for(request.user)
    if not services.may_give_from(scope, pending.supporter):
        raise Http404
    if pending.status == PendingGiftStatus.CONFIRMED:
        return redirect(pending.supporter.get_absolute_url())
    form = ConfirmGiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_gift(scope, pending, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
            pending.refresh_from_db()
        else:
            messages.success(request, _("The points were given."))
            return redirect(pending.supporter.get_absolute_url())
    return render(
        request,
        "funds/confirm_gift.html",
        {
            "form": form,
            "pending": pending,
            "fund": pending.fund,
            "open": pending.status == PendingGiftStatus.PENDING,
            "title": _("Confirm the gift"),
        },
    )


def _period_bound(request, name):
    """``?from=`` / ``?to=`` typed in the reader's calendar; None when absent."""
    text = request.GET.get(name, "").strip()
    return parse_date(text, preferences.calendar()) if text else None


@login_required
def statement_pdf(request, pk):
    """The member's statement for a period as PDF: postings with the running balance,
    money-days and points as of the period's end."""
    obj = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "fund__kanoon", "person", "organisation"]
    )
    try:
        start, end = _period_bound(request, "from"), _period_bound(request, "to")
    except InvalidDate as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    end = end or timezone.localdate()
    if start and start > end:
        return HttpResponseBadRequest(
            _("The start of the period is after its end."),
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.statement(obj, start=start, end=end)
    opening = selectors.account_points(obj, start - dt.timedelta(days=1)).balance if start else 0
    document = pdf.render_pdf(
        "funds/statement_pdf.html",
        {
            "account": obj,
            "fund": obj.fund,
            "start": start or (rows[0]["date"] if rows else None),
            "end": end,
            "today": timezone.localdate(),
            "opening": opening,
            "rows": rows,
            "points": selectors.account_points(obj, end),
        },
        request=request,
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{obj.pk}-{end:%Y%m%d}.pdf"'
    return response


@login_required
def loan(request, pk):
    obj = scoped_get_or_404(
        request.user, Loan, pk, select=["fund", "product", "account", "account__person"]
    )
    return render(
        request,
        "funds/loan.html",
        {
            "loan": obj,
            "fund": obj.fund,
            "reasons": [services.reason_message(code) for code in obj.reasons],
            "instalments": obj.instalments.all(),
        },
    )


@login_required
def import_file(request, pk):
    """Upload a members list or a bank statement; the report lists every row's errors."""
    obj = scoped_get_or_404(request.user, Fund, pk, write=True, select=["kanoon"])
    kind = request.GET.get("kind") if request.GET.get("kind") in ImportKind.values else None
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": kind or ImportKind.MEMBERS, "dry_run": True},
    )
    report = errors = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        report = imports.import_file(
            scope_for(request.user),
            obj,
            data["kind"],
            upload.read(),
            upload.name,
            dry_run=data["dry_run"],
            user=request.user,
        )
        errors = [
            (e.row, imports.column_label(data["kind"], e.column), e.message) for e in report.errors
        ]
        kind = data["kind"]
    return render(
        request,
        "funds/import.html",
        {
            "fund": obj,
            "form": form,
            "report": report,
            "errors": errors,
            "kind": kind,
            "kinds": ImportKind.choices,
            "history": imports.history(obj)[:20],
            "title": _("Import a file"),
        },
    )


@login_required
def import_template(request, pk, kind):
    """An empty workbook with the columns of ``kind``, headed in the reader's language."""
    obj = scoped_get_or_404(request.user, Fund, pk, write=True, select=["kanoon"])
    if kind not in ImportKind.values:
        raise Http404
    response = HttpResponse(imports.template(kind), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="fund-{obj.pk}-{kind}.xlsx"'
    return response
