"""Points given between members: transfers, and gifts waiting for the one-time code."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule

__all__ = [
    "PointsUse",
    "TransferKind",
    "PointsTransfer",
    "PendingGiftStatus",
    "PendingGift",
]


class PointsUse(models.TextChoices):
    ZERO_FEE_LOAN = "zero_fee_loan", _("zero-fee loans only")
    ANY_LOAN = "any_loan", _("any loan")


class TransferKind(models.TextChoices):
    GIFT = "gift", _("gift")
    PLEDGE = "pledge", _("pledge (returned after repayment)")
    RETURN = "return", _("pledge returned")


class PointsTransfer(models.Model):
    """Points moved from one account to another: a gift, a pledge or a pledge's return."""

    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="transfers")
    date = models.DateField(_("date"))
    from_account = models.ForeignKey(
        "FundAccount", on_delete=models.PROTECT, related_name="points_out", verbose_name=_("from")
    )
    to_account = models.ForeignKey(
        "FundAccount", on_delete=models.PROTECT, related_name="points_in", verbose_name=_("to")
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

    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="pending_gifts")
    supporter = models.ForeignKey(
        "FundAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("supporter")
    )
    beneficiary = models.ForeignKey(
        "FundAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("beneficiary")
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
