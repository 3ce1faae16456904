"""Targets of QĐ 387/1373 and local plans, and indicator values from other systems."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule

from .frameworks import LearningModel

__all__ = [
    "NATIONAL_TARGETS",
    "Target",
    "IndicatorValue",
]


# Targets, indicator values and rollups ------------------------------------------------------------


#: National targets are legal texts: nobody changes them here, platform administrators
#: neither (``services.change_target``); the shipped ``targets/*.json`` holds them.
NATIONAL_TARGETS = _(
    "National targets come from the legal texts (QĐ 387/QĐ-TTg, QĐ 1373/QĐ-TTg) "
    "and cannot be changed here."
)


class Target(models.Model):
    """A target share for an indicator in a year, for a place or the whole country.

    ``indicator`` is a code such as ``household.recognised`` (the share of registered
    households recognised as learning households) or ``citizen.worker`` (see
    ``targets.json``). ``model`` links the indicator to the rollups of a learning model, so
    dashboards can compare; it is empty for indicators that no rollup measures. ``year`` is
    the year by which the target is due (“by 2025”). ``admin_unit`` is empty for a national
    target; a local plan sets its province or commune.
    """

    indicator = models.CharField(_("indicator"), max_length=60)
    model = models.CharField(
        _("learning model"), max_length=20, choices=LearningModel.choices, blank=True
    )
    year = models.PositiveSmallIntegerField(_("due by (year)"))
    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_targets",
        verbose_name=_("place"),
        help_text=_("Empty for a national target."),
    )
    value = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2)
    source = models.CharField(
        _("legal source"), max_length=60, help_text=_("e.g. 387/QĐ-TTg or a local plan")
    )
    source_date = models.DateField(_("source date"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=300)
    name_i18n = models.JSONField(_("translated names"), default=dict, blank=True)

    # Every signed-in reader sees the targets (reference data); a local plan's target is
    # changed by who writes for its place, a national one only in targets/*.json.
    scope = ScopeRule(
        place="admin_unit",
        unowned=NATIONAL_TARGETS,
        unowned_public=True,
        public=True,
    )

    class Meta:
        ordering = ["indicator", "year", "admin_unit_id", "source"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "admin_unit", "source"],
                name="target_unique_local",
                condition=Q(admin_unit__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "source"],
                name="target_unique_national",
                condition=Q(admin_unit__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=100), name="target_value_percent"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}: {self.value} % ({self.source})"

    def name_in(self, language: str) -> str:
        return self.name_i18n.get(language) or self.name


class IndicatorValue(models.Model):
    """A measured figure ``numerator / denominator`` for an indicator, a year and a place.

    Keeping both numbers (not the share) lets any level be recomputed by adding up the
    places below it. ``source`` says where the figure comes from: ``manual`` for figures
    typed in from other systems, or the name of a report or statistic.
    """

    code = models.CharField(_("indicator"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    numerator = models.PositiveBigIntegerField(_("numerator"))
    denominator = models.PositiveBigIntegerField(_("denominator"))
    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_indicator_values",
        verbose_name=_("place"),
        help_text=_("Empty for a national figure."),
    )
    source = models.CharField(_("source"), max_length=120, default="manual")
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    # A place's figures are read and entered by who reads or writes for an organisation
    # placed there or above; national figures (no place) are read by all, entered by
    # platform administrators.
    scope = ScopeRule(place="admin_unit", unowned_public=True)

    class Meta:
        ordering = ["code", "-year", "admin_unit_id"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "year", "admin_unit", "source"],
                name="indicatorvalue_unique_local",
                condition=Q(admin_unit__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["code", "year", "source"],
                name="indicatorvalue_unique_national",
                condition=Q(admin_unit__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(denominator__gt=0) & Q(numerator__lte=models.F("denominator")),
                name="indicatorvalue_share",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.year}: {self.numerator}/{self.denominator}"

    def clean(self):
        if self.denominator is not None and self.denominator <= 0:
            raise ValidationError({"denominator": [_("The denominator must be above 0.")]})
        if (
            self.numerator is not None
            and self.denominator is not None
            and self.numerator > self.denominator
        ):
            raise ValidationError(
                {"numerator": [_("The numerator cannot be above the denominator.")]}
            )

    @property
    def percent(self):
        return round(100 * self.numerator / self.denominator, 2) if self.denominator else None
