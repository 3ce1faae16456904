"""Thin views of the funds: read through selectors, change through services, all scoped.

Pages fetch what they show to read it; whether the user may change it is the services' one
check (``Scope.require_write``): a reader is answered 403 "You may only read these records.",
anyone outside the scope the 404 of a record that does not exist. A page that only offers a
form asks the same check before showing it; the pages' buttons ask ``scope.can_write``."""

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
from edupact.core import exports, pdf, preferences
from edupact.core.calendars import InvalidDate, parse_date
from edupact.core.money import format_number
from edupact.core.paging import page_of
from edupact.core.scoping import Acting
from edupact.core.tabular import XLSX_TYPE

from . import (
    allocation,
    guarantees,
    imports,
    payments,
    report_views,
    selectors,
    services,
    settlement,
    tables,
)
from .forms import (
    AllocationSettingsForm,
    ConfirmGiftForm,
    DepositForm,
    GiveForm,
    GuarantorForm,
    ImportForm,
    LoanRequestForm,
    ProductForm,
    RepaymentForm,
    RescheduleForm,
    RoundForm,
    SettleForm,
)
from .models import (
    AccountKind,
    Fund,
    FundAccount,
    Guarantee,
    GuaranteeStatus,
    ImportKind,
    Loan,
    LoanStatus,
    NeedCategory,
    Outcome,
    PaymentClaim,
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
    waiting = selectors.claims_waiting(scope)
    return render(
        request,
        "funds/home.html",
        {
            "funds": selectors.funds(scope)[:200],
            "mine": mine,
            "claims_waiting": [c for c in waiting[:50] if payments.may_decide(scope, c)],
        },
    )


@login_required
def fund(request, pk):
    scope = scope_for(request.user)
    obj = get_object_or_404(selectors.funds(scope), pk=pk)
    today = timezone.localdate()
    loans = selectors.loans(scope, obj)
    if exports.requested(request, "members"):
        members = list(selectors.member_accounts(scope, obj))
        points = selectors.points_at(obj, today, members)
        headers, data = tables.members(obj, [(a, points[a.pk]) for a in members])
        return exports.export_response(request, f"members-{obj.pk}", headers, data)
    for table, status in (("queue", LoanStatus.REQUESTED), ("loans", None)):
        if exports.requested(request, table):
            chosen = loans.filter(status=status) if status else loans.exclude(status="requested")
            headers, data = tables.loans(obj, chosen)
            return exports.export_response(request, f"{table}-{obj.pk}", headers, data)
    page = page_of(request, selectors.member_accounts(scope, obj))
    rows = [(a, selectors.account_points(a, today)) for a in page]
    queue = allocation.queue_for(scope, obj)
    parameters = allocation.parameters_of(obj)
    reports_visible = scope.filter(Fund.objects.filter(pk=obj.pk)).exists()
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
            "can_write": scope.can_write(obj),
            "rounds": selectors.rounds(scope, obj)[:20],
            "committee": selectors.committee(obj),
            "parameters": parameters,
            "need_weights": [
                (NeedCategory(k).label, w)
                for k, w in parameters.get("weights", {}).get("need", {}).items()
            ],
            "reports": report_views.dashboard(obj, today) if reports_visible else None,
            "claims_waiting": [
                c for c in selectors.claims_waiting(scope, obj) if payments.may_decide(scope, c)
            ],
        },
    )


@login_required
def deposit(request, pk):
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    scope_for(request.user).require_write(obj)
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
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    scope_for(request.user).require_write(obj)
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
                % {
                    "approved": format_number(counts["approved"], preferences.language()),
                    "rejected": format_number(counts["rejected"], preferences.language()),
                },
            )
            if counts["waiting"]:
                messages.info(
                    request,
                    _("%(waiting)s requests wait for a later round.")
                    % {"waiting": format_number(counts["waiting"], preferences.language())},
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
    record = get_object_or_404(selectors.rounds(scope_for(request.user), pk=pk, decisions=True))
    decisions = record.shown  # a member's own alone
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
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    scope_for(request.user).require_write(obj)
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
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your vote was recorded."))
    return redirect(obj.get_absolute_url())


@login_required
@require_POST
def approve(request, pk):
    """A leader approves one request now, by a round's rules (budget, points, eligibility)."""
    obj = _loan(request, pk)
    try:
        obj = services.approve(scope_for(request.user), obj, timezone.localdate())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if obj.status == LoanStatus.APPROVED:
            messages.success(request, _("The loan was approved."))
        else:
            messages.error(request, _("The loan was rejected: it does not meet the rules."))
    return redirect(obj.get_absolute_url())


@login_required
def account(request, pk):
    obj = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "fund__kanoon", "person", "organisation"]
    )
    today = timezone.localdate()
    scope = scope_for(request.user)
    statement = selectors.statement(obj)
    loans = Loan.objects.filter(account=obj).select_related("product", "account")
    enabled = selectors.loans_enabled_by(obj) if obj.organisation_id else None
    transfers = selectors.transfers_of(obj)
    export = _account_export(request, obj, statement, transfers, loans, enabled)
    if export is not None:
        return export
    statement.reverse()
    acts = obj.kind == AccountKind.MEMBER and scope.can_write(obj, acting=Acting.OWNER)
    return render(
        request,
        "funds/account.html",
        {
            "account": obj,
            "fund": obj.fund,
            "today": today,
            "points": selectors.account_points(obj, today),
            "statement": page_of(request, statement),
            "transfers": transfers,
            "loans": loans,
            "enabled": enabled,
            "can_write": scope.can_write(obj),
            "can_give": acts,
            "can_request": acts,
            "in_arrears": [
                (loan, selectors.late_days(loan.oldest_due, today))
                for loan in selectors.overdue_of_account(obj, today)
            ],
            "guarantees": selectors.guarantees_given(obj),
        },
    )


def _account_export(request, account, statement, transfers, loans, enabled):
    """The account page's tables as files (the same rows the page shows, oldest first)."""
    fund, stem = account.fund, f"account-{account.pk}"
    if exports.requested(request, "statement"):
        headers, rows = tables.statement(fund, statement)
    elif exports.requested(request, "transfers"):
        headers, rows = tables.transfers(transfers)
    elif exports.requested(request, "loans"):
        headers, rows = tables.loans(fund, loans)
    elif enabled is not None and exports.requested(request, "enabled"):
        headers, rows = tables.loans(fund, enabled)
    else:
        return None
    return exports.export_response(request, f"{stem}-{request.GET['export']}", headers, rows)


@login_required
def give(request, pk):
    """Start a gift of points from this account: the code goes to the supporter's mobile."""
    obj = scoped_get_or_404(
        request.user, FundAccount, pk, select=["fund", "fund__kanoon", "person", "organisation"]
    )
    scope = scope_for(request.user)
    scope.require_write(obj, acting=Acting.OWNER)
    _member_only(obj)
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
    scope.require_write(pending, acting=Acting.OWNER)
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


def _loan(request, pk) -> Loan:
    return _loan_or_404(
        request, pk, ["fund", "fund__kanoon", "product", "account", "account__person"]
    )


@login_required
def loan(request, pk):
    obj = _loan(request, pk)
    if exports.requested(request, "schedule"):
        headers, rows = tables.schedule(obj.fund, obj.instalments.current())
        return exports.export_response(request, f"schedule-{obj.pk}", headers, rows)
    scope = scope_for(request.user)
    today = timezone.localdate()
    can_write = scope.can_write(obj)
    acts = scope.can_write(obj, acting=Acting.OWNER)
    guarantees_shown = list(selectors.guarantees_of_loan(obj))
    for g in guarantees_shown:
        g.loan = obj  # may_resend reads the loan's status, borrower and kanoon
        g.may_resend = guarantees.may_resend(scope, g)
        g.resend_from = selectors.invitation_resend_from(g) if g.may_resend else None
    quote = None
    if obj.status == LoanStatus.DISBURSED and acts and today >= obj.disbursed_on:
        quote = settlement.settlement_quote(obj, today)
    claims = list(selectors.claims(scope).filter(loan=obj))
    for claim in claims:
        claim.loan = obj  # may_decide reads the borrower and the kanoon
        claim.may_decide = payments.may_decide(scope, claim)
    return render(
        request,
        "funds/loan.html",
        {
            "loan": obj,
            "fund": obj.fund,
            "today": today,
            "reasons": [services.reason_message(code) for code in obj.reasons],
            "instalments": obj.instalments.current().order_by("n"),
            "history": selectors.schedule_history(obj),
            "overdue": selectors.loan_overdue(obj, today),
            "guarantees": guarantees_shown,
            "cover": selectors.guarantee_cover(obj),
            "can_name_guarantors": acts and obj.status in guarantees.OPEN_STATUSES,
            "now": timezone.now(),
            "can_reschedule": can_write and obj.status == LoanStatus.DISBURSED,
            "can_approve": can_write and obj.status == LoanStatus.REQUESTED,
            "quote": quote,
            "settle_form": SettleForm(),
            "claims": claims,
            "can_repay": acts and obj.status == LoanStatus.DISBURSED,
            "receives_money": services.receives_money(scope, obj),
            "votes": selectors.votes_of(obj),
            "may_vote": obj.status == LoanStatus.REQUESTED
            and allocation.committee_member(scope, obj.fund) is not None,
        },
    )


@login_required
def products(request, pk):
    """The fund's loan products: what is offered today, and every dated version before."""
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    today = timezone.localdate()
    context = {
        "fund": obj,
        "current": selectors.products(obj, today),
        "versions": selectors.products(obj),
        "today": today,
        "can_write": scope_for(request.user).can_write(obj),
    }
    return render(request, "funds/products.html", context)


@login_required
def new_product(request, pk):
    """A new product, or a new version of one (``?from=<id>`` fills in its current rules)."""
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    scope_for(request.user).require_write(obj)
    initial = {}
    base = selectors.products(obj).filter(pk=_int(request.GET.get("from"))).first()
    if base is not None:
        initial = {f: getattr(base, f) for f in ProductForm.Meta.fields if f != "valid_from"}
    form = ProductForm(request.POST or None, fund=obj, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.revise_product(scope_for(request.user), form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The product version was saved."))
            return redirect("funds:products", pk=obj.pk)
    title = _("New version of %(code)s") % {"code": base.code} if base else _("New loan product")
    return render(request, "funds/form.html", {"form": form, "fund": obj, "title": title})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def request_loan(request, pk):
    """A member asks for a loan; the preview beside the form lists every failing reason."""
    obj = scoped_get_or_404(request.user, FundAccount, pk, select=["fund", "fund__kanoon"])
    scope = scope_for(request.user)
    scope.require_write(obj, acting=Acting.OWNER)
    _member_only(obj)
    today = timezone.localdate()
    form = LoanRequestForm(
        request.POST or None, products=selectors.products_offered(obj.fund, today)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_loan(
                scope,
                obj,
                data["product"],
                data["amount"],
                data["months"],
                today,
                purpose=data["purpose"],
                need=data["need"],
                idempotency_key=f"web:{data['key']}" if data["key"] else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your request was recorded; it waits for allocation."))
            return redirect(created.get_absolute_url())
    return render(
        request,
        "funds/request_loan.html",
        {
            "form": form,
            "account": obj,
            "fund": obj.fund,
            "title": _("Request a loan"),
            "points": selectors.account_points(obj, today),
            "preview": _preview(form, obj, today) if form.is_bound else None,
        },
    )


def _preview(form, account, today):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    reasons, needed = services.preview_loan(
        account, data["product"], data["amount"], data["months"], today
    )
    return {"reasons": [services.reason_message(r) for r in reasons], "needed": needed}


@login_required
@require_POST
def loan_preview(request, pk):
    """The htmx preview: eligibility of the request as typed so far; nothing is saved."""
    obj = scoped_get_or_404(request.user, FundAccount, pk, select=["fund", "fund__kanoon"])
    scope_for(request.user).require_write(obj, acting=Acting.OWNER)
    _member_only(obj)
    today = timezone.localdate()
    form = LoanRequestForm(request.POST, products=selectors.products_offered(obj.fund, today))
    return render(
        request,
        "funds/loan_preview.html",
        {
            "form": form,
            "fund": obj.fund,
            "points": selectors.account_points(obj, today),
            "preview": _preview(form, obj, today),
        },
    )


@login_required
def add_guarantor(request, pk):
    obj = _loan(request, pk)
    scope = scope_for(request.user)
    scope.require_write(obj, acting=Acting.OWNER)
    form = GuarantorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = guarantees.find_guarantor(obj, data["national_code"], data["mobile"])
            guarantees.invite_guarantor(scope, obj, account, data["amount"], timezone.localdate())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The guarantor was asked to confirm."))
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "funds/loan_form.html",
        {"form": form, "loan": obj, "fund": obj.fund, "title": _("Name a guarantor")},
    )


@login_required
@require_POST
def resend_invitation(request, pk):
    """Send the guarantor's invitation again (borrower or leader, pending, once a day)."""
    try:
        obj = selectors.guarantee_for_reader(scope_for(request.user), pk, ["loan"])
    except Guarantee.DoesNotExist as exc:
        raise Http404 from exc
    try:
        guarantees.resend_invitation(scope_for(request.user), obj, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation was sent again."))
    return redirect(obj.loan.get_absolute_url())


@login_required
def guarantee(request, pk):
    """The guarantor's page: the loan they vouch for; only they confirm or decline."""
    obj = scoped_get_or_404(
        request.user,
        Guarantee,
        pk,
        select=["loan", "loan__fund", "loan__account", "loan__account__person", "guarantor"],
    )
    scope = scope_for(request.user)
    mine = guarantees.may_decide(scope, obj)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("confirm", "decline"):
            return HttpResponseBadRequest(_("Choose to confirm or to decline."))
        try:
            guarantees.decide(scope, obj, confirm=decision == "confirm", user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("You confirmed the guarantee.")
                if decision == "confirm"
                else _("You declined the guarantee."),
            )
        return redirect(obj.get_absolute_url())
    return render(
        request,
        "funds/guarantee.html",
        {
            "guarantee": obj,
            "loan": obj.loan,
            "fund": obj.loan.fund,
            "can_decide": mine and obj.status == GuaranteeStatus.INVITED,
        },
    )


@login_required
@require_POST
def settle(request, pk):
    """Settle today: posted (the treasurer's money received, or the borrower's deposits) or
    recorded for the treasurer to confirm (money the borrower says they paid in)."""
    obj = _loan(request, pk)
    scope = scope_for(request.user)
    scope.require_write(obj, acting=Acting.OWNER)  # before the form's own complaints
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(obj.get_absolute_url())
    data = form.cleaned_data
    key = data["key"][:64]
    try:
        paid = payments.settle(
            scope,
            obj,
            timezone.localdate(),
            source=data["source"],
            reference=data["reference"],
            note=data["note"],
            idempotency_key=f"web-settle:{key}" if key else None,
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if paid.posted:
            messages.success(request, _("The loan was settled."))
        else:
            messages.info(
                request,
                _(
                    "Your settlement was recorded. The loan is settled once the kanoon's "
                    "treasurer confirms that the money arrived."
                ),
            )
    return redirect(obj.get_absolute_url())


@login_required
def repay(request, pk):
    """Record a repayment: the borrower's deposits, the treasurer's money received, or what
    the borrower says they paid in (a payment for the treasurer to confirm)."""
    obj = _loan(request, pk)
    scope = scope_for(request.user)
    scope.require_write(obj, acting=Acting.OWNER)
    form = RepaymentForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            paid = payments.repay(
                scope,
                obj,
                data["amount"],
                data["on"],
                source=data["source"],
                reference=data["reference"],
                note=data["note"],
                idempotency_key=f"web-repay:{data['key']}" if data["key"] else None,
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if paid.posted:
                messages.success(request, _("The repayment was recorded."))
            else:
                messages.info(
                    request,
                    _(
                        "Your repayment was recorded. It counts once the kanoon's treasurer "
                        "confirms that the money arrived."
                    ),
                )
            return redirect(obj.get_absolute_url() + "#payments")
    return render(
        request,
        "funds/repay.html",
        {
            "form": form,
            "loan": obj,
            "fund": obj.fund,
            "title": _("Record a repayment"),
            "receives_money": services.receives_money(scope, obj),
        },
    )


@login_required
@require_POST
def decide_claim(request, pk):
    """The treasurer confirms a payment against the money received, or rejects it with the
    reason; the borrower, who sees it, may not (403); anyone else gets 404."""
    claim = scoped_get_or_404(
        request.user,
        PaymentClaim,
        pk,
        select=["loan", "loan__fund", "loan__fund__kanoon", "loan__account"],
    )
    scope = scope_for(request.user)
    decision = request.POST.get("decision")
    if decision not in ("confirm", "reject"):
        return HttpResponseBadRequest(_("Choose to confirm or to reject."))
    try:
        if decision == "confirm":
            payments.confirm(scope, claim, user=request.user)
        else:
            payments.reject(scope, claim, request.POST.get("reason", ""), user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The payment was confirmed and posted.")
            if decision == "confirm"
            else _("The payment was rejected."),
        )
    return redirect(claim.get_absolute_url())


@login_required
def reschedule(request, pk):
    obj = _loan(request, pk)
    scope = scope_for(request.user)
    scope.require_write(obj)
    form = RescheduleForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            settlement.reschedule(scope, obj, data["months"], data["on"], data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The loan was rescheduled."))
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "funds/loan_form.html",
        {"form": form, "loan": obj, "fund": obj.fund, "title": _("Reschedule the loan")},
    )


def import_file(request, pk):
    """Upload a members list or a bank statement; the report lists every row's errors."""
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    scope_for(request.user).require_write(obj)
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
    obj = scoped_get_or_404(request.user, Fund, pk, select=["kanoon"])
    scope_for(request.user).require_write(obj)
    if kind not in ImportKind.values:
        raise Http404
    response = HttpResponse(imports.template(kind), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="fund-{obj.pk}-{kind}.xlsx"'
    return response


def _member_only(account: FundAccount) -> None:
    """Gifts and loan requests are pages of member accounts: an institution's has none."""
    if account.kind != AccountKind.MEMBER:
        raise Http404


def _loan_or_404(request, pk, select):
    try:
        return allocation.loan_for_reader(scope_for(request.user), pk, select)
    except Loan.DoesNotExist as exc:
        raise Http404 from exc
