"""Who is assessed (households, clans, hamlets, units, communes, citizens), their members
and their yearly assessments.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule
from edupact.core.text import normalise
from edupact.directory.models import Organisation, Translated

from .frameworks import LearningModel

__all__ = [
    "Subject",
    "Member",
    "Assessment",
]


class Subject(Translated):
    """What is assessed: a household, clan (or clan branch), hamlet, commune, unit, citizen or
    community learning centre, kept by the organisation that registers it (a hamlet branch,
    a commune association, the unit itself) and placed in the administrative hierarchy.

    ``admin_unit`` is the place since the 1 July 2025 reform; ``former_admin_unit`` the
    retired unit that 2022–2025 records refer to (its successors give the re-aggregation).
    """

    kind = models.CharField(_("learning model"), max_length=20, choices=LearningModel.choices)
    code = models.CharField(_("code"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="evaluation_subjects",
        verbose_name=_("registered by"),
    )
    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_subjects",
        verbose_name=_("place"),
    )
    former_admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="former_evaluation_subjects",
        verbose_name=_("place before July 2025"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_("A clan branch's clan, a citizen's unit or household."),
    )
    person = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_subjects",
        verbose_name=_("person"),
        help_text=_("The citizen, or the head of the household."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["organisation__path"], person="person_id")

    class Meta:
        ordering = ["kind", "search_key", "id"]
        verbose_name = _("assessed subject")
        verbose_name_plural = _("assessed subjects")
        indexes = [models.Index(fields=["kind", "admin_unit"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "code"],
                condition=~Q(code=""),
                name="subject_code_unique",
            )
        ]

    def clean(self):
        errors = {}
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors["parent"] = [_("A subject cannot be part of itself.")]
        if self.kind == LearningModel.CITIZEN and not self.person_id and not self.name:
            errors["person"] = [_("Name the citizen.")]
        if errors:
            raise ValidationError(errors)


class Member(models.Model):
    """A member of a learning household or clan branch; only what the assessment needs."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    relation = models.CharField(
        _("relation"), max_length=60, blank=True, help_text=_("e.g. chủ hộ, vợ, con")
    )
    person = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person"),
    )

    class Meta:
        ordering = ["subject", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.full_name = normalise(self.full_name)
        super().save(*args, **kwargs)


class Assessment(models.Model):
    """One subject's assessment for one calendar year, scored by one framework version.

    The framework is locked when first used, so the stored result can always be
    reproduced from ``framework`` and ``answers``. A registration at the start of the year is
    the same row with status ``registered`` and no answers yet: the annual statistics count
    registered against recognised.
    """

    class Status(models.TextChoices):
        """The yearly cycle: registered at the start of the year → self-assessed at its end →
        reviewed at the hamlet's meeting (bình xét), proposed for recognition or not →
        decided by the commune (recognised or not)."""

        REGISTERED = "registered", _("registered")
        SELF_ASSESSED = "self_assessed", _("self-assessed")
        PROPOSED = "proposed", _("proposed for recognition")
        REVIEWED = "reviewed", _("reviewed, not proposed")
        RECOGNISED = "recognised", _("recognised")
        NOT_RECOGNISED = "not_recognised", _("not recognised")

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("subject")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    framework = models.ForeignKey(
        "evaluation.Framework",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("framework version"),
        help_text=_("Empty only for a registration no framework version applies to yet."),
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, editable=False)
    total = models.DecimalField(
        _("total"), max_digits=8, decimal_places=2, null=True, blank=True, editable=False
    )
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True, editable=False)
    recognised = models.BooleanField(_("meets the criteria"), default=False, editable=False)
    band = models.CharField(_("classification"), max_length=40, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SELF_ASSESSED
    )
    notes = models.TextField(_("notes"), blank=True)
    decision = models.ForeignKey(
        "RecognitionDecision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("recognition decision"),
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(org_paths=["subject__organisation__path"], person="subject__person_id")

    class Meta:
        ordering = ["-year", "subject_id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["year", "recognised"])]
        constraints = [
            models.UniqueConstraint(fields=["subject", "year"], name="assessment_once_a_year")
        ]

    def __str__(self):
        return f"{self.subject} — {self.year}"
