"""Criteria frameworks for learning models, as versioned data.

A framework (Bộ tiêu chí) belongs to one learning model (household, clan, hamlet
community, …), has a legal basis and a period of validity, and holds criteria → indicators
in one of the scorer's two styles (``scoring.POINTS``, ``scoring.LEVELS``). Once a
framework has been used it is ``locked``: changes make a new version
(``services.revise_framework``), so an assessment always keeps the rules it was scored by.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule
from edupact.core.text import normalise
from edupact.directory.models import Organisation, Translated
from edupact.evaluation import scoring

__all__ = [
    "LEGAL_NUMBER",
    "LearningModel",
    "Style",
    "IndicatorKind",
    "Framework",
    "Criterion",
    "Indicator",
]


# "448/QĐ-KHVN", "24/2023/TT-BGDĐT": number (with its year), type, issuer.
LEGAL_NUMBER = re.compile(
    r"^\s*(?:Số:?\s*)?(?:(?P<number>\d+(?:/\d{4})?)/)?(?P<type>[^\W\d_]+)-(?P<issuer>\S+)\s*$"
)


class LearningModel(models.TextChoices):
    HOUSEHOLD = "household", _("learning household")
    CLAN = "clan", _("learning clan")
    HAMLET = "hamlet", _("learning community (hamlet or quarter)")
    COMMUNE = "commune", _("learning community (commune)")
    UNIT = "unit", _("learning unit")
    CITIZEN = "citizen", _("learning citizen")
    LEARNING_CENTRE = "learning_centre", _("community learning centre")


class Style(models.TextChoices):
    POINTS = scoring.POINTS, _("points")
    LEVELS = scoring.LEVELS, _("levels")


class IndicatorKind(models.TextChoices):
    POINTS = scoring.POINTS, _("points")
    PERCENT = scoring.PERCENT, _("percentage")
    BOOLEAN = scoring.BOOLEAN, _("yes or no")


class Framework(Translated):
    """One version of a criteria framework; ``locked`` once an assessment has used it."""

    code = models.CharField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=40, help_text=_("e.g. 2021-2030"))
    model = models.CharField(_("learning model"), max_length=20, choices=LearningModel.choices)
    description = models.TextField(_("description"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    legal_number = models.CharField(
        _("document number"), max_length=20, blank=True, help_text=_("e.g. 448 or 24/2023")
    )
    legal_type = models.CharField(
        _("document type"), max_length=20, blank=True, help_text=_("e.g. QĐ, TT")
    )
    legal_issuer = models.CharField(
        _("issuer"), max_length=40, blank=True, help_text=_("e.g. KHVN, BGDĐT")
    )
    legal_date = models.DateField(_("document date"), null=True, blank=True)
    legal_title = models.CharField(_("document title"), max_length=300, blank=True)
    style = models.CharField(_("scoring style"), max_length=10, choices=Style.choices)
    pass_total = models.DecimalField(
        _("pass total"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    min_indicator = models.DecimalField(
        _("minimum per indicator"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    levels = models.JSONField(_("levels"), default=list, blank=True)
    bands = models.JSONField(_("classification bands"), default=list, blank=True)
    unconfirmed = models.JSONField(
        _("unconfirmed fields"),
        default=list,
        blank=True,
        help_text=_("Framework fields whose values are placeholders, e.g. pass_total."),
    )
    owner = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_frameworks",
        verbose_name=_("owner"),
        help_text=_("Empty for national frameworks; an organisation for a local rubric."),
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
        verbose_name=_("previous version"),
    )
    locked = models.BooleanField(_("locked"), default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # National frameworks (no owner) are reference data every signed-in reader sees and only
    # platform administrators change; a local rubric is its owner's (core.scoping).
    scope = ScopeRule(
        org_paths=["owner__path"],
        unowned=_("Only platform administrators change national frameworks."),
        unowned_public=True,
    )

    class Meta:
        ordering = ["model", "code", "-valid_from", "-id"]
        verbose_name = _("criteria framework")
        verbose_name_plural = _("criteria frameworks")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_version_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="framework_valid_to_after_from",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.version})"

    def get_absolute_url(self):
        return reverse("evaluation:framework", args=[self.pk])

    def clean(self):
        errors = {}
        self.code = self.code.strip()
        self.version = normalise(self.version)
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            errors["valid_to"] = [_("The end of validity must come after its start.")]
        legal = (self.legal_number, self.legal_type, self.legal_issuer)
        if any(legal) and not (self.legal_type and self.legal_issuer):
            errors["legal_type"] = [_("A legal basis needs at least its type and issuer.")]
        if errors:
            raise ValidationError(errors)

    @property
    def legal_reference(self) -> str:
        """The document number as Vietnamese texts write it: 448/QĐ-KHVN (TT-BGDĐT if unknown)."""
        if not self.legal_type:
            return ""
        kind = f"{self.legal_type}-{self.legal_issuer}"
        return f"{self.legal_number}/{kind}" if self.legal_number else kind

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    @property
    def has_placeholders(self) -> bool:
        return (
            bool(self.unconfirmed)
            or any(c.placeholder for c in self.criteria.all())
            or any(i.placeholder for i in self.indicators.all())
        )


class Criterion(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=500)
    name_i18n = models.JSONField(_("translated names"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    max = models.DecimalField(_("maximum"), max_digits=8, decimal_places=2, null=True, blank=True)
    placeholder = models.BooleanField(
        _("placeholder"), default=False, help_text=_("The text is not confirmed by a source.")
    )

    class Meta:
        ordering = ["framework", "position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.name = normalise(self.name)
        super().save(*args, **kwargs)

    def name_in(self, language: str) -> str:
        return self.name_i18n.get(language) or self.name


class Indicator(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("framework")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("criterion")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=500)
    name_i18n = models.JSONField(_("translated names"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(
        _("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.POINTS
    )
    max = models.DecimalField(_("maximum"), max_digits=8, decimal_places=2, null=True, blank=True)
    thresholds = models.JSONField(
        _("thresholds per level"), default=dict, blank=True, help_text=_('e.g. {"1": 90, "2": 95}')
    )
    levels = models.JSONField(_("levels where required"), default=list, blank=True)
    placeholder = models.BooleanField(
        _("placeholder"), default=False, help_text=_("The text is not confirmed by a source.")
    )
    derived_from = models.CharField(
        _("derived from"),
        max_length=300,
        blank=True,
        help_text=_("How the value can be computed from other data, if it can."),
    )
    guidance = models.TextField(_("guidance and evidence"), blank=True)

    class Meta:
        ordering = ["framework", "criterion__position", "position", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.name = normalise(self.name)
        super().save(*args, **kwargs)

    def name_in(self, language: str) -> str:
        return self.name_i18n.get(language) or self.name

    @property
    def threshold_items(self) -> list[tuple[int, object]]:
        return sorted((int(k), v) for k, v in self.thresholds.items())
