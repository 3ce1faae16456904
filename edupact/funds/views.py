"""Thin views of the funds: read through selectors, change through services, all scoped."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.core import pdf, preferences
from edupact.core.calendars import InvalidDate, parse_date
from edupact.core.scoping import Scope
from edupact.web.paging import page_of

from . import allocation, selectors, services
from .forms import AllocationSettingsForm, ConfirmGiftForm, DepositForm, GiveForm, RoundForm
from .models import (
    AllocationRound,
    Fund,
    FundAccount,
    Loan,
    LoanStatus,
    NeedCategory,
    Outcome,
    PendingGift,
    PendingGiftStatus,
)

POLICY_CHOICES = Fund._meta.get_field("allocation_policy").choices


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
    queue = loans.filter(status=LoanStatus.REQUESTED)
    parameters = allocation.parameters_of(obj)
    if allocation.committee_member(scope, obj) is not None:
        queue = selectors.loans(Scope(everything=True), obj).filter(status=LoanStatus.REQUESTED)
    return render(
        request,
        "funds/fund.html",
        {
            "fund": obj,
            "today": today,
            "summary": selectors.fund_summary(obj, today),
            "page": page,
            "rows": rows,
            "queue": queue,
            "loans": loans.exclude(status=LoanStatus.REQUESTED).order_by("-requested_on", "-id")[
                :50
            ],
            "can_write": scope.can_write_path(obj.kanoon.path),
            "rounds": selectors.rounds(obj)[:20],
            "committee": selectors.committee(obj),
            "parameters": parameters,
            "need_weights": [
                (NeedCategory(k).label, w)
                for k, w in parameters.get("weights", {}).get("need", {}).items()
            ],
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
def allocate(request, pk):
    """Run an allocation round: the fund page's button posts straight here (the fund's
    policy, the whole pool); the page offers a cap and the lottery's seed."""
    obj = scoped_get_or_404(request.user, Fund, pk, write=True, select=["kanoon"])
    today = timezone.localdate()
    form = RoundForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record = allocation.run_round(
                scope_for(request.user),
                obj,
                today,
                cap=form.cleaned_data["cap"],
                seed=form.cleaned_data["seed"].strip() or None,
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            counts = {o: record.decisions.filter(outcome=o).count() for o in Outcome.values}
            messages.success(
                request,
                _("Allocation round: %(approved)s approved, %(rejected)s rejected.")
                % {"approved": counts["approved"], "rejected": counts["rejected"]},
            )
            if counts["waiting"]:
                messages.info(
                    request,
                    _("%(waiting)s requests wait for a later round.")
                    % {"waiting": counts["waiting"]},
                )
            target = record if request.POST.get("next") == "round" else obj
            return redirect(target.get_absolute_url())
    return render(
        request,
        "funds/allocate.html",
        {
            "form": form,
            "fund": obj,
            "lendable": allocation.lendable(obj, today),
            "parameters": allocation.parameters_of(obj),
            "queue": selectors.loans(scope_for(request.user), obj).filter(
                status=LoanStatus.REQUESTED
            ),
            "title": _("Run an allocation round"),
        },
    )


@login_required
def allocation_round(request, pk):
    """A recorded round: budget, each request's outcome in the policy's order with its score
    or votes, and for a lottery the seed, the eligible list and how to re-run the draw."""
    record = scoped_get_or_404(request.user, AllocationRound, pk, select=["fund", "fund__kanoon"])
    decisions = list(selectors.round_decisions(record))
    for d in decisions:
        d.messages = [allocation.outcome_message(code) for code in d.reasons]
    return render(
        request,
        "funds/round.html",
        {
            "round": record,
            "fund": record.fund,
            "decisions": decisions,
        },
    )


@login_required
def allocation_settings(request, pk):
    """The leader chooses the allocation policy, its weights, the committee and quorum, and
    publishes the lottery's seed."""
    obj = scoped_get_or_404(request.user, Fund, pk, write=True, select=["kanoon"])
    people = selectors.committee_candidates(obj)
    initial = AllocationSettingsForm.initial_from(
        obj.allocation_policy, allocation.all_parameters(obj), list(selectors.committee(obj))
    )
    form = AllocationSettingsForm(
        request.POST or None,
        initial=initial,
        people=people,
        policies=POLICY_CHOICES,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        committee = None
        if data["leader"]:
            members = [p for p in data["members"] if p != data["leader"]]
            committee = (data["leader"], members)
        try:
            allocation.save_settings(
                scope_for(request.user),
                obj,
                data["policy"],
                form.parameters(),
                committee=committee,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The allocation settings were saved."))
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "funds/form.html",
        {"form": form, "fund": obj, "title": _("Allocation settings")},
    )


@login_required
@require_POST
def vote(request, pk):
    """A committee member approves or rejects a pending request, personally."""
    obj = _loan_or_404(request, pk, ["fund", "fund__kanoon"])
    choice = request.POST.get("approve")
    if choice not in ("1", "0"):
        return HttpResponseBadRequest(_("Choose approve or reject."))
    try:
        allocation.cast_vote(
            scope_for(request.user),
            obj,
            choice == "1",
            timezone.localdate(),
            note=request.POST.get("note", ""),
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your vote was recorded."))
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
    obj = _loan_or_404(request, pk, ["fund", "product", "account", "account__person"])
    scope = scope_for(request.user)
    return render(
        request,
        "funds/loan.html",
        {
            "loan": obj,
            "fund": obj.fund,
            "reasons": [services.reason_message(code) for code in obj.reasons],
            "instalments": obj.instalments.all(),
            "votes": selectors.votes_of(obj),
            "may_vote": obj.status == LoanStatus.REQUESTED
            and allocation.committee_member(scope, obj.fund) is not None,
        },
    )


def _loan_or_404(request, pk, select):
    """A loan in the reader's scope, or a pending request of a fund whose committee the
    reader sits on (the committee reads the requests it votes on)."""
    try:
        return scoped_get_or_404(request.user, Loan, pk, select=select)
    except Http404:
        scope = scope_for(request.user)
        loan = Loan.objects.select_related(*select).filter(pk=pk).first()
        seat = allocation.committee_member(scope, loan.fund) if loan else None
        if seat is None or not (
            loan.status == LoanStatus.REQUESTED or loan.votes.filter(member=seat).exists()
        ):
            raise
        return loan
