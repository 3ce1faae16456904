"""Registered and recognised counts per place, rebuilt from the assessments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .frameworks import LearningModel

__all__ = [
    "Rollup",
]


class Rollup(models.Model):
    """Precomputed counts per year × learning model × place (hamlet, commune, province).

    ``registered`` counts the subjects with an assessment that year, ``meeting`` those whose
    scores meet the criteria, ``recognised`` those recognised by decision. ``approximate``
    is set when some of the rows were placed through an approximate succession (a unit
    before July 2025 that was split). Written only by ``rollups.refresh``.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    model = models.CharField(_("learning model"), max_length=20, choices=LearningModel.choices)
    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        on_delete=models.CASCADE,
        related_name="evaluation_rollups",
        verbose_name=_("place"),
    )
    level = models.CharField(_("level"), max_length=10)
    parent = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("part of"),
    )
    registered = models.PositiveIntegerField(_("registered"), default=0)
    meeting = models.PositiveIntegerField(_("meeting the criteria"), default=0)
    recognised = models.PositiveIntegerField(_("recognised"), default=0)
    approximate = models.BooleanField(_("approximate"), default=False)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["year", "model", "admin_unit_id"]
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        indexes = [
            models.Index(fields=["parent", "year", "model"]),
            models.Index(fields=["level", "year", "model"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "model", "admin_unit"], name="rollup_unique")
        ]

    def __str__(self):
        return f"{self.admin_unit_id} {self.model} {self.year}: {self.recognised}/{self.registered}"

    @property
    def share(self):
        """The share recognised, in percent (two decimals), or None when nobody registered."""
        if not self.registered:
            return None
        return round(100 * self.recognised / self.registered, 2)
