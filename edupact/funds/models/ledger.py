"""The double-entry ledger: funds, their accounts, journal entries and lines."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core import bounds
from edupact.core.bounds import MAX_AMOUNT, MAX_BALANCE
from edupact.core.calendars import CALENDAR_CHOICES, Calendar
from edupact.core.money import Currency, Money
from edupact.core.scoping import ScopeRule

__all__ = [
    "between",
    "EPOCH",
    "BALANCE_BOUND",
    "day_number",
    "from_day_number",
    "Fund",
    "AccountKind",
    "CREDIT_NORMAL",
    "SYSTEM_KINDS",
    "LEDGER_TYPES",
    "FundAccount",
    "ImmutableQuerySet",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
]

# Lines store the posting date as a day number too, so that Σ a × d is a plain integer sum
# on every database (no date arithmetic in SQL): money_days(T) = T·Σa − Σ a·d.
EPOCH = dt.date(2000, 1, 1)
# The database check that keeps every account's balance within ``core.bounds.MAX_BALANCE``;
# the ledger recognises its refusal by this name.
BALANCE_BOUND = "fundaccount_balance_bounded"


def between(field: str, low: int, high: int) -> Q:
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
                condition=between("balance", -MAX_BALANCE, MAX_BALANCE), name=BALANCE_BOUND
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
                condition=between("date", bounds.MONEY_DATE_MIN, bounds.DATE_MAX),
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
                condition=between("amount", -MAX_AMOUNT, MAX_AMOUNT),
                name="journalline_amount_bounded",
            ),
            models.CheckConstraint(
                condition=between("day", 0, bounds.CENTURY_DAYS - 1),
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
