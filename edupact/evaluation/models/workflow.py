"""The yearly cycle's workflow: deadlines, reminders, approvals and re-openings."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule
from edupact.directory.models import AdminUnit

__all__ = [
    "Step",
    "Deadline",
    "Reminder",
    "YearApproval",
    "AssessmentReopening",
]


class Step(models.TextChoices):
    """The steps of the yearly cycle that have a deadline, each taken at one level."""

    REGISTRATION = "registration", _("registration")
    SELF_ASSESSMENT = "self_assessment", _("self-assessment")
    REVIEW = "review", _("review meeting (bình xét)")
    HAMLET_APPROVAL = "hamlet_approval", _("approval of the hamlets")
    DOSSIER = "dossier", _("unit dossiers")
    COMMUNE_APPROVAL = "commune_approval", _("approval of the communes")
    PROVINCE_CLOSURE = "province_closure", _("closure of the province's year")


class Deadline(models.Model):
    """When a step of a year's cycle is due at one administrative level.

    Rows without a place are the defaults for every unit of the level; a row for a province
    or commune overrides them below it. Editable data: ``workflow.DEFAULT_DEADLINES`` only
    seeds a year (data 1/1–31/12, self-assessment and review by mid-December, unit dossiers
    before 15 January of the next year).
    """

    year = models.PositiveSmallIntegerField(_("year"))
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    level = models.CharField(_("level"), max_length=10, choices=AdminUnit.Level.choices)
    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluation_deadlines",
        verbose_name=_("place"),
        help_text=_("Empty: the default for every unit of the level."),
    )
    due = models.DateField(_("due on"))
    remind_days = models.PositiveSmallIntegerField(_("remind this many days before"), default=7)

    # A place's own deadlines: set by who writes for it; the defaults (no place) are read by
    # all and set by platform administrators.
    scope = ScopeRule(
        place="admin_unit",
        unowned=_("Only platform administrators set the default deadlines."),
        unowned_public=True,
    )

    class Meta:
        ordering = ["year", "due", "step", "admin_unit_id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "step", "level", "admin_unit"],
                name="deadline_unique_local",
                condition=Q(admin_unit__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["year", "step", "level"],
                name="deadline_unique_default",
                condition=Q(admin_unit__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.step} {self.level}: {self.due:%d/%m/%Y}"


class Reminder(models.Model):
    """A reminder of a deadline sent to one user on one day (e-mail and a notice on the
    home page); unique per (deadline, user, day), so running the reminders again sends
    nothing twice."""

    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("deadline")
    )
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="evaluation_reminders",
        verbose_name=_("user"),
    )
    day = models.DateField(_("day"))
    emailed = models.BooleanField(_("e-mailed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "deadline__due"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["deadline", "user", "day"], name="reminder_once_a_day")
        ]

    def __str__(self):
        return f"{self.deadline} → {self.user_id} ({self.day})"


class YearApproval(models.Model):
    """A higher level's approval of a hamlet's (by its commune) or a commune's (by the
    province) year, or a province's closure of its own year (the annual statistics are
    final; re-opened by the national level). While ``approved``, the records below are
    locked; re-opening needs a reason and unlocks them."""

    class State(models.TextChoices):
        APPROVED = "approved", _("approved")
        REOPENED = "reopened", _("re-opened")

    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        on_delete=models.PROTECT,
        related_name="evaluation_approvals",
        verbose_name=_("place"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    approved_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("re-opened by"),
    )
    reopened_at = models.DateTimeField(_("re-opened at"), null=True, blank=True)
    reason = models.TextField(_("reason for re-opening"), blank=True)

    # Read at the place; who approves is the level above (workflow.can_approve), a domain
    # rule on top of this one.
    scope = ScopeRule(place="admin_unit")

    class Meta:
        ordering = ["year", "admin_unit_id"]
        verbose_name = _("year approval")
        verbose_name_plural = _("year approvals")
        constraints = [
            models.UniqueConstraint(fields=["admin_unit", "year"], name="yearapproval_once")
        ]

    def __str__(self):
        return f"{self.admin_unit_id} {self.year}: {self.state}"


class AssessmentReopening(models.Model):
    """Why a reviewed or decided assessment was opened again, and by whom."""

    assessment = models.ForeignKey(
        "evaluation.Assessment",
        on_delete=models.CASCADE,
        related_name="reopenings",
        verbose_name=_("assessment"),
    )
    previous_status = models.CharField(_("previous status"), max_length=20)
    reason = models.TextField(_("reason"))
    reopened_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("re-opened by"),
    )
    reopened_at = models.DateTimeField(_("re-opened at"), auto_now_add=True)

    class Meta:
        ordering = ["-reopened_at", "-id"]
        verbose_name = _("re-opened assessment")
        verbose_name_plural = _("re-opened assessments")

    def __str__(self):
        return f"{self.assessment_id}: {self.reason[:40]}"
