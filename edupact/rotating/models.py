"""Data and invariants of rotating lottery funds (صندوق قرعه‌کشی, a ROSCA).

A fund has ``codes_count`` codes; every code pays ``due`` (minor units) each month, and each
month one code wins the pot (``due × codes_count``) until every code has won once. Months
are numbered 1…codes_count from the fund's start month in its own calendar.

A code is held through shares: a share's fraction is ``numerator / fund.share_denominator``
(12 by default, so halves, thirds, quarters and sixths are exact integers). A transfer ends
one share (``valid_to``, exclusive) and starts another on the same day, so the holders on
any date are the shares with ``valid_from <= date < valid_to`` and their numerators sum to
the denominator. Due payments and draws are never changed: a wrong payment is reversed by a
negative row naming it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core import bounds
from edupact.core.bounds import MAX_AMOUNT
from edupact.core.calendars import CALENDAR_CHOICES, Calendar
from edupact.core.money import Currency, Money
from edupact.core.scoping import ScopeRule

MAX_CODES = 240  # twenty years of monthly draws


class DrawMode(models.TextChoices):
    AUTOMATIC = "automatic", _("automatic")
    SEMI_AUTOMATIC = "semi_automatic", _("automatic with exclusions")
    MANUAL = "manual", _("manual")


class RotatingFund(models.Model):
    """A lottery fund of an organisation (a school, a kanoon) with its fixed monthly due."""

    name = models.CharField(_("name"), max_length=255)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="rotating_funds",
        verbose_name=_("organisation"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    calendar = models.CharField(
        _("calendar"), max_length=10, choices=CALENDAR_CHOICES, default=Calendar.JALALI
    )
    due = models.BigIntegerField(
        _("monthly due per code"),
        help_text=_("In rials or đồng (minor units), for a whole code."),
        validators=[bounds.valid_amount],
    )
    start_year = models.PositiveSmallIntegerField(_("first month's year"))
    start_month = models.PositiveSmallIntegerField(_("first month"))
    codes_count = models.PositiveSmallIntegerField(_("number of codes"))
    share_denominator = models.PositiveSmallIntegerField(
        _("share denominator"),
        default=12,
        validators=[bounds.valid_small_count],
        help_text=_("A share is a number of these parts of a code; 12 allows 1/2, 1/3 and 1/4."),
    )
    draw_day = models.PositiveSmallIntegerField(
        _("draw day"), default=1, help_text=_("Day of the month; the month's last day if shorter.")
    )
    draw_mode = models.CharField(
        _("usual draw mode"), max_length=20, choices=DrawMode.choices, default=DrawMode.AUTOMATIC
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["organisation__path"], person="codes__shares__person")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("rotating lottery fund")
        verbose_name_plural = _("rotating lottery funds")
        constraints = [
            models.CheckConstraint(condition=Q(due__gt=0), name="rotatingfund_due_positive"),
            models.CheckConstraint(
                condition=Q(codes_count__gte=2), name="rotatingfund_at_least_two_codes"
            ),
            models.CheckConstraint(
                condition=Q(due__lte=MAX_AMOUNT, codes_count__lte=MAX_CODES),
                name="rotatingfund_bounded",
            ),
            models.CheckConstraint(
                condition=Q(start_month__gte=1, start_month__lte=12), name="rotatingfund_month"
            ),
            models.CheckConstraint(
                condition=Q(draw_day__gte=1, draw_day__lte=31), name="rotatingfund_draw_day"
            ),
            models.CheckConstraint(
                condition=Q(share_denominator__gte=1), name="rotatingfund_denominator"
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"], name="rotatingfund_name_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("rotating:fund", args=[self.pk])

    def money(self, amount: int) -> Money:
        return Money(int(amount), self.currency)

    @property
    def pot(self) -> int:
        """What the winner of a month receives: every code's due for that month."""
        return self.due * self.codes_count


class Code(models.Model):
    """One of the fund's codes (سهم / کد): it pays the due every month and wins once."""

    fund = models.ForeignKey(RotatingFund, on_delete=models.PROTECT, related_name="codes")
    number = models.PositiveSmallIntegerField(_("code"))

    scope = ScopeRule(org_paths=["fund__organisation__path"], person="shares__person")

    class Meta:
        ordering = ["fund", "number"]
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="code_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="code_number_positive"),
        ]

    def __str__(self):
        return f"{self.fund} #{self.number}"


class Share(models.Model):
    """A holder's part of a code over a period: ``numerator / fund.share_denominator``."""

    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="shares")
    person = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rotating_shares",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rotating_shares",
        verbose_name=_("organisation"),
    )
    numerator = models.PositiveSmallIntegerField(_("parts"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    transferred_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
        verbose_name=_("transferred from"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["code__fund__organisation__path"], person="person_id")

    class Meta:
        ordering = ["code", "valid_from", "id"]
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [models.Index(fields=["code", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True, organisation__isnull=False)
                | Q(person__isnull=False, organisation__isnull=True),
                name="share_one_holder",
            ),
            models.CheckConstraint(condition=Q(numerator__gte=1), name="share_numerator"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="share_period",
            ),
        ]

    def __str__(self):
        return f"{self.holder_name} — {self.code}"

    @property
    def holder(self):
        return self.person or self.organisation

    @property
    def holder_name(self) -> str:
        return str(self.holder) if self.holder else ""

    def clean(self):
        if bool(self.person_id) == bool(self.organisation_id):
            raise ValidationError(_("A share belongs to one person or one organisation."))


class ImmutableQuerySet(models.QuerySet):
    """Payments and draws are append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise ValidationError(_("Payments and draws are never changed; record a reversal."))

    def delete(self):
        raise ValidationError(_("Payments and draws are never deleted; record a reversal."))


class DuePayment(models.Model):
    """Money paid for one code's due of one month; a negative row reverses an earlier one."""

    fund = models.ForeignKey(RotatingFund, on_delete=models.PROTECT, related_name="payments")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="payments")
    month = models.PositiveSmallIntegerField(_("month"))
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()
    scope = ScopeRule(org_paths=["fund__organisation__path"], person="code__shares__person")

    class Meta:
        ordering = ["month", "code", "id"]
        verbose_name = _("due payment")
        verbose_name_plural = _("due payments")
        indexes = [models.Index(fields=["fund", "month", "code"])]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="duepayment_idempotency_unique",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="duepayment_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, reverses__isnull=True)
                | Q(amount__lt=0, reverses__isnull=False),
                name="duepayment_negative_only_reversal",
            ),
            models.CheckConstraint(condition=Q(month__gte=1), name="duepayment_month"),
            models.CheckConstraint(
                condition=Q(amount__gte=-MAX_AMOUNT, amount__lte=MAX_AMOUNT)
                & Q(paid_on__gte=bounds.MONEY_DATE_MIN, paid_on__lte=bounds.DATE_MAX),
                name="duepayment_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.month} · {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            raise ValidationError(_("Payments and draws are never changed; record a reversal."))
        super().save(*args, **kwargs)


class Draw(models.Model):
    """The month's draw: who won, how, and everything needed to re-run it.

    ``candidates`` are the code numbers (as text) that could win; ``excluded`` lists
    ``{"code": n, "reason": …}`` taken out before the draw. For automatic draws the winner is
    ``edupact.core.draws.draw_order(seed, candidates)[0]``.
    """

    fund = models.ForeignKey(RotatingFund, on_delete=models.PROTECT, related_name="draws")
    month = models.PositiveSmallIntegerField(_("month"))
    code = models.ForeignKey(
        Code, on_delete=models.PROTECT, related_name="draws", verbose_name=_("winning code")
    )
    drawn_on = models.DateField(_("draw date"))
    mode = models.CharField(_("mode"), max_length=20, choices=DrawMode.choices)
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    candidates = models.JSONField(_("candidates"), default=list)
    excluded = models.JSONField(_("excluded codes"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    pot = models.BigIntegerField(_("pot"))
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()
    scope = ScopeRule(org_paths=["fund__organisation__path"], person="fund__codes__shares__person")

    class Meta:
        ordering = ["fund", "month"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        constraints = [
            models.UniqueConstraint(fields=["fund", "month"], name="draw_one_per_month"),
            models.UniqueConstraint(fields=["fund", "code"], name="draw_code_wins_once"),
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="draw_idempotency_unique",
            ),
            models.CheckConstraint(condition=Q(pot__gt=0), name="draw_pot_positive"),
            models.CheckConstraint(condition=Q(pot__lte=MAX_AMOUNT), name="draw_pot_bounded"),
        ]

    def __str__(self):
        return f"{self.fund} · {self.month} → #{self.code.number}"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            raise ValidationError(_("Payments and draws are never changed; record a reversal."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("rotating:fund", args=[self.fund_id]) + f"#draw-{self.month}"


class Payout(models.Model):
    """One holder's part of a draw's pot: the parts of a draw sum exactly to its pot."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="payouts")
    share = models.ForeignKey(Share, on_delete=models.PROTECT, related_name="payouts")
    numerator = models.PositiveSmallIntegerField(_("parts"))
    amount = models.BigIntegerField(_("amount"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["draw", "share__valid_from", "share_id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.UniqueConstraint(fields=["draw", "share"], name="payout_once_per_share"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payout_not_negative"),
            models.CheckConstraint(condition=Q(amount__lte=MAX_AMOUNT), name="payout_bounded"),
        ]

    def __str__(self):
        return f"{self.share.holder_name}: {self.amount}"
