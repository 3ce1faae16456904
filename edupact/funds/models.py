"""Data and invariants of the funds app: a double-entry ledger with points.

Amounts are signed integers of minor units, **debit positive** (as hledger reads them):
the lines of one entry sum to zero. A member's deposits are a liability of the fund, so
their lines are negative; ``FundAccount.balance`` holds the balance in the account's
*normal* direction (``FundAccount.sign`` × Σ lines), which for a member is what they own.

Entries are never changed or deleted; a correction is a compensating entry that names the
entry it ``reverses``. Each account row keeps running sums (balance, last posting date,
money-days at that date, points given/received/used) updated in the same transaction as
every posting, so that "as of today" costs one read.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core import bounds
from edupact.core.bounds import MAX_AMOUNT, MAX_BALANCE, MAX_MONTHS
from edupact.core.calendars import CALENDAR_CHOICES, Calendar
from edupact.core.money import Currency, Money
from edupact.core.scoping import ScopeRule

# Lines store the posting date as a day number too, so that Σ a × d is a plain integer sum
# on every database (no date arithmetic in SQL): money_days(T) = T·Σa − Σ a·d.
EPOCH = dt.date(2000, 1, 1)
# The database check that keeps every account's balance within ``core.bounds.MAX_BALANCE``;
# the ledger recognises its refusal by this name.
BALANCE_BOUND = "fundaccount_balance_bounded"
# The partial unique index that allows a member only the open requests a product allows.
OPEN_REQUEST_SLOT = "loan_open_request_slot"


def _between(field: str, low: int, high: int) -> Q:
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def from_day_number(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=number)


class Fund(models.Model):
    """A kanoon's fund: its currency, calendar and the parameters of the points rule."""

    name = models.CharField(_("name"), max_length=255)
    kanoon = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="funds",
        verbose_name=_("kanoon"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    calendar = models.CharField(
        _("calendar"), max_length=10, choices=CALENDAR_CHOICES, default=Calendar.JALALI
    )
    days_per_unit = models.PositiveIntegerField(
        _("money-days per point"),
        default=180,
        validators=[bounds.valid_day_count],
        help_text=_("Keeping an amount for this many days earns it as 10-month points."),
    )
    loan_factor = models.PositiveIntegerField(
        _("loan factor"),
        default=10,
        validators=[bounds.valid_day_count],
        help_text=_("A loan of A over n months needs A × n / loan factor points."),
    )
    min_history_days = models.PositiveIntegerField(
        _("minimum history (days)"),
        default=90,
        validators=[bounds.valid_days],
        help_text=_("Days between a member's first deposit and their first loan."),
    )
    allocation_policy = models.CharField(
        _("allocation policy"),
        max_length=20,
        choices=[
            ("fifo", _("first come, first served")),
            ("priority", _("priority score")),
            ("committee", _("committee vote")),
            ("lottery", _("lottery among the eligible")),
            ("supporter_directed", _("supporter-directed")),
        ],
        default="fifo",
    )
    # The chosen policy's visible parameters (weights, quorum, published seed, …); see
    # ``allocation.clean_parameters`` for the keys and their defaults.
    allocation_parameters = models.JSONField(_("allocation parameters"), default=dict, blank=True)
    default_after_days = models.PositiveIntegerField(
        _("default after (days late)"),
        default=90,
        validators=[bounds.valid_days],
        help_text=_(
            "A loan this many days in arrears is in default; its guarantors may not borrow."
        ),
    )
    remind_days_before = models.PositiveIntegerField(
        _("reminder (days before the due date)"),
        default=3,
        validators=[bounds.valid_days],
        help_text=_("Borrowers get an SMS this many days before an instalment falls due."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["kanoon__path"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.CheckConstraint(condition=Q(days_per_unit__gt=0), name="fund_days_per_unit"),
            models.CheckConstraint(condition=Q(loan_factor__gt=0), name="fund_loan_factor"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("funds:fund", args=[self.pk])

    def money(self, amount: int) -> Money:
        return Money(int(amount), self.currency)


class AccountKind(models.TextChoices):
    MEMBER = "member", _("member deposits")
    POOL = "pool", _("pooled cash")
    FEE_INCOME = "fee_income", _("fee income")
    LOANS_RECEIVABLE = "loans_receivable", _("loans receivable")
    ADJUSTMENT = "adjustment", _("adjustments")


# Kinds whose balance is a credit (liability or income): natural balance = −Σ lines.
CREDIT_NORMAL = frozenset({AccountKind.MEMBER, AccountKind.FEE_INCOME, AccountKind.ADJUSTMENT})
# Kinds that belong to the fund itself, one of each per fund, without an owner.
SYSTEM_KINDS = frozenset({AccountKind.POOL, AccountKind.FEE_INCOME, AccountKind.ADJUSTMENT})
# hledger's top-level account types.
LEDGER_TYPES = {
    AccountKind.MEMBER: "liabilities:deposits",
    AccountKind.POOL: "assets:pool",
    AccountKind.FEE_INCOME: "income:fees",
    AccountKind.LOANS_RECEIVABLE: "assets:loans",
    AccountKind.ADJUSTMENT: "equity:adjustments",
}


class FundAccount(models.Model):
    """An account of a fund; member and loan accounts belong to a person or an organisation.

    For institutional deposits the owner of the money and the one who decides on its points
    are recorded separately (``decider_*``). The running sums are maintained by the services
    only (through ``QuerySet.update`` inside the posting's transaction).
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    person = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_accounts",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_accounts",
        verbose_name=_("organisation"),
    )
    decider_person = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decides on points (person)"),
    )
    decider_organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decides on points (organisation)"),
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    # Running sums (natural direction), updated with every posting.
    balance = models.BigIntegerField(_("balance"), default=0, editable=False)
    last_posting_date = models.DateField(null=True, blank=True, editable=False)
    money_days_at_last_posting = models.BigIntegerField(default=0, editable=False)
    first_deposit_date = models.DateField(null=True, blank=True, editable=False)
    points_received = models.BigIntegerField(default=0, editable=False)
    points_given = models.BigIntegerField(default=0, editable=False)
    points_used = models.BigIntegerField(default=0, editable=False)
    # Points received for zero-fee loans only, and how many of them loans have used.
    restricted_received = models.BigIntegerField(default=0, editable=False)
    restricted_used = models.BigIntegerField(default=0, editable=False)
    points_last_date = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # An institution's account is read through its organisation but changed by the kanoon's
    # writers; the member (``person``) acts on their own account (``Acting.OWNER``).
    scope = ScopeRule(
        org_paths=["fund__kanoon__path", "organisation__path"],
        person="person_id",
        write_paths=["fund__kanoon__path"],
    )

    class Meta:
        ordering = ["fund", "kind", "id"]
        verbose_name = _("fund account")
        verbose_name_plural = _("fund accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(organisation__isnull=True),
                name="fundaccount_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(decider_person__isnull=True) | Q(decider_organisation__isnull=True),
                name="fundaccount_one_decider",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=sorted(k.value for k in SYSTEM_KINDS))
                    & Q(person__isnull=True, organisation__isnull=True)
                )
                | (
                    ~Q(kind__in=sorted(k.value for k in SYSTEM_KINDS))
                    & (Q(person__isnull=False) | Q(organisation__isnull=False))
                ),
                name="fundaccount_owner_by_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.MEMBER) | Q(balance__gte=0),
                name="fundaccount_member_not_negative",
            ),
            models.CheckConstraint(
                condition=_between("balance", -MAX_BALANCE, MAX_BALANCE), name=BALANCE_BOUND
            ),
            models.UniqueConstraint(
                fields=["fund", "kind"],
                condition=Q(person__isnull=True, organisation__isnull=True),
                name="fundaccount_system_unique",
            ),
            models.UniqueConstraint(
                fields=["fund", "kind", "person"],
                condition=Q(person__isnull=False),
                name="fundaccount_person_unique",
            ),
            models.UniqueConstraint(
                fields=["fund", "kind", "organisation"],
                condition=Q(organisation__isnull=False),
                name="fundaccount_organisation_unique",
            ),
        ]

    def __str__(self):
        return f"{self.owner_name or self.get_kind_display()} — {self.fund}"

    def get_absolute_url(self):
        return reverse("funds:account", args=[self.pk])

    def clean(self):
        if self.person_id and self.organisation_id:
            raise ValidationError(_("An account belongs to a person or an organisation."))
        if self.kind in SYSTEM_KINDS and (self.person_id or self.organisation_id):
            raise ValidationError(_("The fund's own accounts have no owner."))
        if self.kind not in SYSTEM_KINDS and not (self.person_id or self.organisation_id):
            raise ValidationError(_("Choose the person or organisation that owns this account."))
        if self.decider_person_id and self.decider_organisation_id:
            raise ValidationError(_("Points are decided by one person or one organisation."))

    @property
    def sign(self) -> int:
        return -1 if self.kind in CREDIT_NORMAL else 1

    @property
    def owner(self):
        return self.person or self.organisation

    @property
    def owner_name(self) -> str:
        owner = self.owner
        return self.label or (str(owner) if owner else "")

    @property
    def ledger_name(self) -> str:
        """The hledger account name: type, kind and a stable code (no double spaces)."""
        base = LEDGER_TYPES[AccountKind(self.kind)]
        if self.person_id:
            return f"{base}:person-{self.person_id}"
        if self.organisation_id:
            return f"{base}:organisation-{self.organisation_id}"
        return base


class ImmutableQuerySet(models.QuerySet):
    """The journal is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise ValidationError(_("Journal entries are never changed; post a compensating entry."))

    def delete(self):
        raise ValidationError(_("Journal entries are never deleted; post a compensating entry."))


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("deposit")
    WITHDRAWAL = "withdrawal", _("withdrawal")
    DISBURSEMENT = "disbursement", _("loan disbursement")
    REPAYMENT = "repayment", _("loan repayment")
    FEE = "fee", _("fee")
    FEE_WAIVER = "fee_waiver", _("fee waived at early settlement")
    REVERSAL = "reversal", _("reversal")
    ADJUSTMENT = "adjustment", _("adjustment")


class JournalEntry(models.Model):
    # No index of its own: (fund, date) and (fund, idempotency_key) lead with it, and every
    # index costs each of the 100,000 rows of a statement import.
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries", db_index=False)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    # The three optional links are null on almost every entry (every deposit of a statement
    # import): their indexes are partial (below), so a null costs no index insertion.
    # ``reverses`` is a foreign key with a partial unique constraint: an entry is reversed
    # at most once, as a one-to-one field would say, without indexing the nulls.
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses"),
        db_index=False,
    )
    loan = models.ForeignKey(
        "Loan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()
    scope = ScopeRule(org_paths=["fund__kanoon__path"])

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(fields=["fund", "date"]),
            models.Index(
                fields=["loan"], condition=Q(loan__isnull=False), name="journalentry_loan"
            ),
            models.Index(
                fields=["created_by"],
                condition=Q(created_by__isnull=False),
                name="journalentry_created_by",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="journalentry_idempotency_unique",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="journalentry_reversed_once",
            ),
            models.CheckConstraint(
                condition=_between("date", bounds.MONEY_DATE_MIN, bounds.DATE_MAX),
                name="journalentry_date_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.memo}".strip()

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(
                _("Journal entries are never changed; post a compensating entry.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Journal entries are never deleted; post a compensating entry."))

    @property
    def description(self) -> str:
        """The memo, or what the entry is (in the reader's language, never stored)."""
        if self.memo:
            return self.memo
        text = str(self.get_kind_display())
        if self.loan_id:
            text += f" — {self.loan}"
        if self.reverses_id:
            text += f" — #{self.reverses_id}"
        return text


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    # Indexed by (account, day, amount) below, which serves lookups by account alone too.
    account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    amount = models.BigIntegerField(_("amount"), help_text=_("Minor units, debit positive."))
    day = models.IntegerField(editable=False, help_text="Days since 2000-01-01 (entry date).")

    objects = ImmutableQuerySet.as_manager()
    scope = ScopeRule(org_paths=["account__fund__kanoon__path"], person="account__person_id")

    class Meta:
        ordering = ["entry_id", "id"]
        # Covering: the sums of an account's lines up to a day (points_at, accounts_at, the
        # trial balance) are read from the index alone, never the table; statements find an
        # account's lines through it. points_at at 200,000 accounts on SQLite: 3.3 s of CPU
        # with (account, day), 1.4-1.6 s with this (docs/performance.md, funds).
        indexes = [
            models.Index(fields=["account", "day", "amount"], name="journalline_account_day_amount")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="journalline_not_zero"),
            models.CheckConstraint(
                condition=_between("amount", -MAX_AMOUNT, MAX_AMOUNT),
                name="journalline_amount_bounded",
            ),
            models.CheckConstraint(
                condition=_between("day", 0, bounds.CENTURY_DAYS - 1),
                name="journalline_day_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(
                _("Journal entries are never changed; post a compensating entry.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Journal entries are never deleted; post a compensating entry."))

    @property
    def date(self) -> dt.date:
        return from_day_number(self.day)


class PointsUse(models.TextChoices):
    ZERO_FEE_LOAN = "zero_fee_loan", _("zero-fee loans only")
    ANY_LOAN = "any_loan", _("any loan")


class TransferKind(models.TextChoices):
    GIFT = "gift", _("gift")
    PLEDGE = "pledge", _("pledge (returned after repayment)")
    RETURN = "return", _("pledge returned")


class PointsTransfer(models.Model):
    """Points moved from one account to another: a gift, a pledge or a pledge's return."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transfers")
    date = models.DateField(_("date"))
    from_account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="points_out", verbose_name=_("from")
    )
    to_account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="points_in", verbose_name=_("to")
    )
    points = models.BigIntegerField(_("points"))
    use = models.CharField(
        _("allowed use"), max_length=20, choices=PointsUse.choices, default=PointsUse.ANY_LOAN
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=TransferKind.choices, default=TransferKind.GIFT
    )
    # A pledge is tied to the loan that used it, and returned when that loan is repaid.
    loan = models.ForeignKey(
        "Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="pledges"
    )
    returns = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="returned_by"
    )
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(
        org_paths=["fund__kanoon__path"],
        person="from_account__person_id",
    )

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("points transfer")
        verbose_name_plural = _("points transfers")
        indexes = [models.Index(fields=["fund", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="pointstransfer_positive"),
            models.CheckConstraint(
                condition=~Q(from_account=models.F("to_account")),
                name="pointstransfer_not_to_self",
            ),
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="pointstransfer_idempotency_unique",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.from_account_id} → {self.to_account_id}: {self.points}"


class FeeStrategy(models.TextChoices):
    DECLINING_BALANCE = "declining_balance", _("on the declining balance (A × r × (n+1) / 2400)")
    ANNUAL_ON_OUTSTANDING = "annual_on_outstanding", _("yearly on the outstanding amount")
    FLAT_UPFRONT = "flat_upfront", _("flat, spread over the instalments")
    DEDUCTED_AT_DISBURSEMENT = "deducted_at_disbursement", _("deducted at disbursement")
    ZERO = "zero", _("no fee")


class LoanProduct(models.Model):
    """A loan product as a dated row: the rules change yearly, older loans keep theirs."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="products")
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
                condition=_between("fee_rate_percent", 0, bounds.MAX_PERCENT),
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
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="loans")
    account = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="loans", verbose_name=_("borrower")
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
                condition=_between("months", 0, MAX_MONTHS)
                & _between("outstanding", 0, MAX_AMOUNT)
                & _between("fee_waived", 0, MAX_AMOUNT),
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
        FundAccount,
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


class PendingGiftStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the code")
    CONFIRMED = "confirmed", _("confirmed")
    LOCKED = "locked", _("locked after too many wrong codes")
    REFUSED = "refused", _("refused at confirmation")


class PendingGift(models.Model):
    """A gift of points waiting for the supporter's one-time code; it moves no points.

    The code is stored only as a keyed hash (see ``otp``); it expires, allows a few attempts
    and is used once. On confirmation the ordinary gift service runs, with all its checks.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="pending_gifts")
    supporter = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("supporter")
    )
    beneficiary = models.ForeignKey(
        FundAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("beneficiary")
    )
    points = models.BigIntegerField(_("points"))
    use = models.CharField(
        _("allowed use"), max_length=20, choices=PointsUse.choices, default=PointsUse.ANY_LOAN
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=TransferKind.choices, default=TransferKind.GIFT
    )
    code_hash = models.CharField(max_length=128, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PendingGiftStatus.choices,
        default=PendingGiftStatus.PENDING,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    transfer = models.OneToOneField(
        PointsTransfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pending_gift",
        verbose_name=_("transfer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["fund__kanoon__path"], person="supporter__person_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pending gift of points")
        verbose_name_plural = _("pending gifts of points")
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="pendinggift_positive"),
            models.CheckConstraint(
                condition=~Q(supporter=models.F("beneficiary")), name="pendinggift_not_to_self"
            ),
        ]

    def __str__(self):
        return f"{self.supporter_id} → {self.beneficiary_id}: {self.points} ({self.status})"

    def get_absolute_url(self):
        return reverse("funds:confirm_gift", args=[self.pk])


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("members")
    DEPOSITS = "deposits", _("bank-statement deposits")


class FileImport(models.Model):
    """A file imported into a fund: its digest makes a second import of the same bytes a
    no-op, and the rows keep the history the leader sees on the import page."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    digest = models.CharField(max_length=64)
    filename = models.CharField(_("file"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    scope = ScopeRule(org_paths=["fund__kanoon__path"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("file import")
        verbose_name_plural = _("file imports")
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "kind", "digest"], name="fileimport_digest_unique"
            ),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_kind_display()})"


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
        JournalEntry,
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
                condition=_between("amount", 1, MAX_AMOUNT), name="paymentclaim_amount_bounded"
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


# Allocation -------------------------------------------------------------------------------------


class CommitteeRole(models.TextChoices):
    LEADER = "leader", _("leader")
    MEMBER = "member", _("member")


class CommitteeMember(models.Model):
    """A person on the fund's allocation committee; removal deactivates (votes stay)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="committee")
    person = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    role = models.CharField(
        _("role"), max_length=10, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER
    )
    active = models.BooleanField(_("active"), default=True)

    scope = ScopeRule(
        org_paths=["fund__kanoon__path"],
        person="person_id",
        personally=_("Only members of the fund's committee vote, each personally."),
    )

    class Meta:
        ordering = ["fund", "-role", "id"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["fund", "person"], name="committeemember_unique"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class CommitteeVote(models.Model):
    """One committee member's approve/reject on a pending request, cast personally."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(
        CommitteeMember, on_delete=models.PROTECT, related_name="votes", verbose_name=_("member")
    )
    approve = models.BooleanField(_("approve"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    cast_on = models.DateField(_("cast on"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(org_paths=["loan__fund__kanoon__path"], person="member__person_id")

    class Meta:
        ordering = ["loan", "member"]
        verbose_name = _("committee vote")
        verbose_name_plural = _("committee votes")
        constraints = [
            models.UniqueConstraint(fields=["loan", "member"], name="committeevote_unique"),
        ]

    def __str__(self):
        return f"{self.loan} — {self.member.person}: {'+' if self.approve else '−'}"


class AllocationRound(models.Model):
    """A recorded allocation round: what was decided, by which policy and parameters, with
    which budget and (for a lottery) the seed, the eligible list and the drawn order, so that
    anyone can re-run the draw."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="rounds")
    on = models.DateField(_("date"))
    policy = models.CharField(_("policy"), max_length=20)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    seed = models.CharField(_("seed"), max_length=200, blank=True)
    eligible = models.JSONField(_("eligible requests"), default=list, blank=True)
    order = models.JSONField(_("drawn order"), default=list, blank=True)
    pool = models.BigIntegerField(_("money available to lend"))
    cap = models.BigIntegerField(_("cap for this round"), null=True, blank=True)
    budget = models.BigIntegerField(_("budget"))
    used = models.BigIntegerField(_("approved amount"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # A member sees the rounds that decided one of their requests (and, through
    # ``AllocationDecision.scope``, only their own decisions in them).
    scope = ScopeRule(
        org_paths=["fund__kanoon__path"], person="decisions__loan__account__person_id"
    )

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=models.F("budget")),
                name="allocationround_within_budget",
            ),
            models.CheckConstraint(
                condition=_between("pool", 0, MAX_BALANCE)
                & _between("budget", 0, MAX_BALANCE)
                & (Q(cap__isnull=True) | _between("cap", 0, MAX_AMOUNT)),
                name="allocationround_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.fund} {self.on} ({self.policy})"

    def get_absolute_url(self):
        return reverse("funds:round", args=[self.pk])

    @property
    def policy_label(self) -> str:
        return dict(Fund._meta.get_field("allocation_policy").choices).get(self.policy, self.policy)


class Outcome(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WAITING = "waiting", _("waits for a later round")


class AllocationDecision(models.Model):
    """What a round did with one request, in the policy's order, and why."""

    round = models.ForeignKey(AllocationRound, on_delete=models.CASCADE, related_name="decisions")
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="decisions")
    position = models.PositiveIntegerField(_("position"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    score = models.IntegerField(_("score"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    # Another member's decision (loan, amount, outcome, reasons, votes) is theirs alone.
    scope = ScopeRule(org_paths=["round__fund__kanoon__path"], person="loan__account__person_id")

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "loan"], name="allocationdecision_unique"),
        ]

    def __str__(self):
        return f"{self.round_id} #{self.position} {self.loan_id} {self.outcome}"
