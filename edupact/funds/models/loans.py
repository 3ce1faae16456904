"""Loan products, loans, schedules, guarantees and their notices, reminders, and the
payments borrowers record for the treasurer to confirm."""

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core import bounds
from edupact.core.bounds import MAX_AMOUNT, MAX_MONTHS
from edupact.core.scoping import ScopeRule

from .ledger import between

__all__ = [
    "OPEN_REQUEST_SLOT",
    "FeeStrategy",
    "LoanProduct",
    "LoanStatus",
    "NeedCategory",
    "Loan",
    "ScheduleChangeKind",
    "ScheduleChange",
    "CurrentInstalments",
    "Instalment",
    "GuaranteeStatus",
    "Guarantee",
    "NoticeKind",
    "GuaranteeNotice",
    "ReminderKind",
    "Reminder",
    "PaymentSource",
    "ClaimKind",
    "ClaimStatus",
    "PaymentClaim",
]
# The partial unique index that allows a member only the open requests a product allows.
OPEN_REQUEST_SLOT = "loan_open_request_slot"


class FeeStrategy(models.TextChoices):
    DECLINING_BALANCE = "declining_balance", _("on the declining balance (A × r × (n+1) / 2400)")
    ANNUAL_ON_OUTSTANDING = "annual_on_outstanding", _("yearly on the outstanding amount")
    FLAT_UPFRONT = "flat_upfront", _("flat, spread over the instalments")
    DEDUCTED_AT_DISBURSEMENT = "deducted_at_disbursement", _("deducted at disbursement")
    ZERO = "zero", _("no fee")


class LoanProduct(models.Model):
    """A loan product as a dated row: the rules change yearly, older loans keep theirs."""

    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="products")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=255, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    min_amount = models.BigIntegerField(
        _("minimum amount"), default=1, validators=[bounds.valid_amount]
    )
    max_amount = models.BigIntegerField(_("maximum amount"), validators=[bounds.valid_amount])
    min_months = models.PositiveSmallIntegerField(
        _("minimum term (months)"), default=1, validators=[bounds.valid_months]
    )
    max_months = models.PositiveSmallIntegerField(
        _("maximum term (months)"), default=60, validators=[bounds.valid_months]
    )
    fee_strategy = models.CharField(
        _("fee"), max_length=30, choices=FeeStrategy.choices, default=FeeStrategy.ZERO
    )
    fee_rate_percent = models.DecimalField(
        _("fee rate (%)"),
        max_digits=7,
        decimal_places=4,
        default=0,
        validators=[bounds.valid_percent],
    )
    cooling_off_days = models.PositiveIntegerField(
        _("cooling-off after a loan (days)"), default=0, validators=[bounds.valid_days]
    )
    blackout_months = models.JSONField(
        _("months without lending"),
        default=list,
        blank=True,
        help_text=_("Months of the fund's calendar, e.g. [12] for Esfand."),
    )
    guarantors_required = models.PositiveSmallIntegerField(
        _("guarantors required"), default=0, validators=[bounds.valid_small_count]
    )
    open_requests = models.PositiveSmallIntegerField(
        _("open requests per member"),
        default=1,
        validators=[MinValueValidator(1), bounds.valid_small_count],
        help_text=_("How many requests for this product one member may have waiting at once."),
    )

    scope = ScopeRule(org_paths=["fund__kanoon__path"])

    class Meta:
        ordering = ["fund", "code", "valid_from"]
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_months__gte=models.F("min_months")), name="loanproduct_terms"
            ),
            models.CheckConstraint(
                condition=Q(max_amount__gte=models.F("min_amount")), name="loanproduct_amounts"
            ),
            models.CheckConstraint(
                condition=Q(min_amount__gte=1, max_amount__lte=MAX_AMOUNT),
                name="loanproduct_amounts_bounded",
            ),
            models.CheckConstraint(
                condition=Q(min_months__gte=1, max_months__lte=MAX_MONTHS),
                name="loanproduct_terms_bounded",
            ),
            models.CheckConstraint(
                condition=between("fee_rate_percent", 0, bounds.MAX_PERCENT),
                name="loanproduct_fee_rate_bounded",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="loanproduct_period",
            ),
        ]

    def __str__(self):
        return self.name or self.code

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    @property
    def zero_fee(self) -> bool:
        return self.fee_strategy == FeeStrategy.ZERO or not self.fee_rate_percent


class LoanStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    DISBURSED = "disbursed", _("disbursed")
    REPAID = "repaid", _("repaid")


class NeedCategory(models.TextChoices):
    MEDICAL = "medical", _("medical")
    EDUCATION = "education", _("education")
    HOUSING = "housing", _("housing")
    MARRIAGE = "marriage", _("marriage")
    OTHER = "other", _("other")


class Loan(models.Model):
    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="loans")
    account = models.ForeignKey(
        "FundAccount", on_delete=models.PROTECT, related_name="loans", verbose_name=_("borrower")
    )
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans")
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    need = models.CharField(
        _("need"), max_length=12, choices=NeedCategory.choices, default=NeedCategory.OTHER
    )
    amount = models.BigIntegerField(_("amount"), validators=[bounds.valid_amount])
    months = models.PositiveSmallIntegerField(_("months"), validators=[bounds.valid_months])
    requested_on = models.DateField(_("requested on"), validators=[bounds.valid_money_date])
    status = models.CharField(
        _("status"), max_length=12, choices=LoanStatus.choices, default=LoanStatus.REQUESTED
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # Which of the product's open requests of this member this is (1 … open_requests): with
    # the partial unique index below, the database itself keeps a member from having more
    # requests waiting than the product allows, however many arrive at once.
    slot = models.PositiveSmallIntegerField(default=1, editable=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    points_needed = models.BigIntegerField(_("points needed"), default=0)
    points_used = models.BigIntegerField(_("points used"), default=0)
    points_from_restricted = models.BigIntegerField(default=0)
    points_released = models.BigIntegerField(default=0)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    fee_total = models.BigIntegerField(_("fee"), default=0)
    net_disbursed = models.BigIntegerField(_("paid out"), default=0)
    outstanding = models.BigIntegerField(_("outstanding"), default=0)
    repaid_on = models.DateField(_("repaid on"), null=True, blank=True)
    fee_waived = models.BigIntegerField(_("fee waived"), default=0)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["fund__kanoon__path"], person="account__person_id")

    class Meta:
        ordering = ["requested_on", "id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [models.Index(fields=["fund", "status", "requested_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=Q(months__gt=0), name="loan_months_positive"),
            models.CheckConstraint(condition=Q(outstanding__gte=0), name="loan_outstanding"),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT, outstanding__lte=MAX_AMOUNT),
                name="loan_amounts_bounded",
            ),
            models.CheckConstraint(condition=Q(months__lte=MAX_MONTHS), name="loan_months_bounded"),
            models.CheckConstraint(
                condition=Q(points_used__gte=0) & Q(points_released__lte=models.F("points_used")),
                name="loan_points",
            ),
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="loan_idempotency_unique",
            ),
            models.UniqueConstraint(
                fields=["account", "product", "slot"],
                condition=Q(status=LoanStatus.REQUESTED),
                name=OPEN_REQUEST_SLOT,
            ),
        ]

    def __str__(self):
        return self.reference or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("funds:loan", args=[self.pk])


class ScheduleChangeKind(models.TextChoices):
    RESCHEDULE = "reschedule", _("rescheduled")
    SETTLEMENT = "settlement", _("settled early")


class ScheduleChange(models.Model):
    """A rescheduling or an early settlement: the unpaid instalments it replaced point to it
    (``Instalment.superseded_by``) and stay as history; they are never deleted."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="schedule_changes")
    kind = models.CharField(_("kind"), max_length=12, choices=ScheduleChangeKind.choices)
    on = models.DateField(_("date"))
    months = models.PositiveSmallIntegerField(_("months"), default=0)
    outstanding = models.BigIntegerField(_("outstanding before"))
    fee_waived = models.BigIntegerField(_("fee waived"), default=0)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["loan__fund__kanoon__path"], person="loan__account__person_id")

    class Meta:
        ordering = ["loan", "on", "id"]
        verbose_name = _("schedule change")
        verbose_name_plural = _("schedule changes")
        constraints = [
            models.CheckConstraint(
                condition=between("months", 0, MAX_MONTHS)
                & between("outstanding", 0, MAX_AMOUNT)
                & between("fee_waived", 0, MAX_AMOUNT),
                name="schedulechange_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.loan} {self.get_kind_display()} {self.on}"


class CurrentInstalments(models.QuerySet):
    def current(self):
        """The schedule in force: instalments no rescheduling or settlement replaced."""
        return self.filter(superseded_by__isnull=True)


class Instalment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    n = models.PositiveSmallIntegerField(_("number"))
    due = models.DateField(_("due"))
    amount = models.BigIntegerField(_("amount"))
    paid = models.BigIntegerField(_("paid"), default=0)
    superseded_by = models.ForeignKey(
        ScheduleChange,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded",
        verbose_name=_("replaced by"),
    )

    objects = CurrentInstalments.as_manager()

    class Meta:
        ordering = ["loan", "n"]
        # The unpaid instalments in force, by loan in order: the next due date and the
        # arrears read only these (without it PostgreSQL may AND the loan index with the
        # 24,000-row "superseded_by IS NULL" one per loan: 2 s for 2,000 loans).
        indexes = [
            models.Index(
                fields=["loan", "n"],
                condition=Q(superseded_by__isnull=True, paid__lt=models.F("amount")),
                name="instalment_unpaid_current",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["loan", "n"], name="instalment_unique"),
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(paid__lte=models.F("amount")),
                name="instalment_paid_range",
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT), name="instalment_amount_bounded"
            ),
        ]

    def __str__(self):
        return f"{self.loan} #{self.n}"

    @property
    def remaining(self) -> int:
        return self.amount - self.paid


class GuaranteeStatus(models.TextChoices):
    INVITED = "invited", _("waiting for the guarantor")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")


class Guarantee(models.Model):
    """A member of the fund vouching for a loan with a committed amount; only the guarantor
    themself confirms or declines (``decided_by`` records their user)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="guarantees")
    guarantor = models.ForeignKey(
        "FundAccount",
        on_delete=models.PROTECT,
        related_name="guarantees_given",
        verbose_name=_("guarantor"),
    )
    amount = models.BigIntegerField(_("committed amount"), validators=[bounds.valid_amount])
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=GuaranteeStatus.choices,
        default=GuaranteeStatus.INVITED,
    )
    invited_on = models.DateField(_("invited on"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(
        org_paths=["loan__fund__kanoon__path"],
        person="guarantor__person_id",
        personally=_("Only the guarantor can confirm or decline this guarantee."),
    )

    class Meta:
        ordering = ["loan", "id"]
        verbose_name = _("guarantee")
        verbose_name_plural = _("guarantees")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="guarantee_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT), name="guarantee_amount_bounded"
            ),
            models.UniqueConstraint(fields=["loan", "guarantor"], name="guarantee_unique"),
        ]

    def __str__(self):
        return f"{self.loan} ← {self.guarantor.owner_name}: {self.amount}"

    def get_absolute_url(self):
        return reverse("funds:guarantee", args=[self.pk])


class NoticeKind(models.TextChoices):
    INVITED = "invited", _("guarantor asked")
    CONFIRMED = "confirmed", _("guarantee confirmed")
    DECLINED = "declined", _("guarantee declined")
    REINVITED = "reinvited", _("guarantor asked again")


class GuaranteeNotice(models.Model):
    """An SMS about a guarantee: the guarantor asked, or the borrower told the answer. The
    unique key sends each kind once per guarantee, however often the service is called;
    only "asked again" repeats, one row per resend (``guarantees.resend_invitation``),
    rate-limited by the service. Rows are a log: never edited."""

    guarantee = models.ForeignKey(Guarantee, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    to = models.CharField(_("sent to"), max_length=20)
    language = models.CharField(_("language"), max_length=5)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(
        org_paths=["guarantee__loan__fund__kanoon__path"],
        person="guarantee__guarantor__person_id",
    )

    class Meta:
        ordering = ["guarantee", "id"]
        verbose_name = _("guarantee notice")
        verbose_name_plural = _("guarantee notices")
        constraints = [
            models.UniqueConstraint(
                fields=["guarantee", "kind"],
                condition=~Q(kind="reinvited"),
                name="guarantee_notice_once",
            ),
        ]

    def __str__(self):
        return f"{self.guarantee_id} {self.kind} → {self.to}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("instalment due soon")
    OVERDUE = "overdue", _("instalment overdue")


class Reminder(models.Model):
    """An SMS reminder sent; the unique key stops a second one for the same instalment,
    kind and day, however often the reminder run repeats."""

    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    on = models.DateField(_("date"))
    to = models.CharField(_("sent to"), max_length=20)
    language = models.CharField(_("language"), max_length=5)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(
        org_paths=["instalment__loan__fund__kanoon__path"],
        person="instalment__loan__account__person_id",
    )

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["instalment", "kind", "on"], name="reminder_once"),
        ]

    def __str__(self):
        return f"{self.instalment} {self.kind} {self.on}"


class PaymentSource(models.TextChoices):
    """Where the money of a repayment or a settlement comes from."""

    PAID_IN = "paid_in", _("paid in: cash to the treasurer or a bank transfer")
    DEPOSITS = "deposits", _("from the borrower's deposits in the fund")


class ClaimKind(models.TextChoices):
    REPAYMENT = "repayment", _("repayment")
    SETTLEMENT = "settlement", _("early settlement")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the treasurer")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class PaymentClaim(models.Model):
    """A repayment or settlement the borrower says they paid into the fund (cash to the
    treasurer, a bank transfer): nothing is posted and the loan is unchanged until the
    kanoon's treasurer (a writer of the fund, never the borrower) confirms it against the
    money received, or a bank statement row with its reference, payer and amount arrives
    (``funds.payments``). Then the repayment is posted and ``entry`` names it."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(_("kind"), max_length=12, choices=ClaimKind.choices)
    amount = models.BigIntegerField(_("amount"), validators=[bounds.valid_amount])
    paid_on = models.DateField(_("paid on"), validators=[bounds.valid_money_date])
    reference = models.CharField(
        _("bank reference"),
        max_length=200,
        blank=True,
        help_text=_("The bank's tracking number of the transfer, if any."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    entry = models.OneToOneField(
        "JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claim",
        verbose_name=_("posted as"),
    )
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["loan__fund__kanoon__path"], person="loan__account__person_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment to confirm")
        verbose_name_plural = _("payments to confirm")
        constraints = [
            models.CheckConstraint(
                condition=between("amount", 1, MAX_AMOUNT), name="paymentclaim_amount_bounded"
            ),
            models.CheckConstraint(
                condition=Q(status=ClaimStatus.CONFIRMED, entry__isnull=False)
                | (~Q(status=ClaimStatus.CONFIRMED) & Q(entry__isnull=True)),
                name="paymentclaim_confirmed_is_posted",
            ),
            models.UniqueConstraint(
                fields=["loan"],
                condition=Q(status=ClaimStatus.PENDING),
                name="paymentclaim_one_pending",
            ),
            models.UniqueConstraint(
                fields=["loan", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="paymentclaim_idempotency_unique",
            ),
        ]

    def __str__(self):
        return f"{self.loan} {self.get_kind_display()} {self.amount} ({self.status})"

    def get_absolute_url(self):
        return reverse("funds:loan", args=[self.loan_id]) + f"#claim-{self.pk}"
