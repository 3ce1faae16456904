"""The commune's recognition decisions: a legal act that recognises assessments."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule
from edupact.core.text import normalise
from edupact.directory.models import Organisation

from .frameworks import LearningModel

__all__ = [
    "RecognitionDecision",
]


class RecognitionDecision(models.Model):
    """The decision (quyết định công nhận) by which a People's Committee or a commune
    association recognises the subjects of one learning model for one year, e.g.
    "125/QĐ-UBND" of 11 April 2023 signed by the committee's vice-chairman. The recognised
    assessments point at it (``Assessment.decision``); each gets a certificate.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="recognition_decisions",
        verbose_name=_("issued by"),
    )
    number = models.CharField(_("decision number"), max_length=40, help_text=_("e.g. 125/QĐ-UBND"))
    date = models.DateField(_("decision date"))
    year = models.PositiveSmallIntegerField(_("year assessed"))
    model = models.CharField(_("learning model"), max_length=20, choices=LearningModel.choices)
    signer_name = models.CharField(_("signed by"), max_length=200)
    signer_title = models.CharField(
        _("signer's title"), max_length=200, help_text=_("e.g. KT. CHỦ TỊCH – PHÓ CHỦ TỊCH")
    )
    signer = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signer (person)"),
    )
    created_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(org_paths=["organisation__path"])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("recognition decision")
        verbose_name_plural = _("recognition decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="recognitiondecision_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.number} ({self.date:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        self.number = normalise(self.number)
        self.signer_name = normalise(self.signer_name)
        self.signer_title = normalise(self.signer_title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evaluation:decision", args=[self.pk])
