"""Files imported into a fund (members lists, bank statements), kept to refuse a repeat."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule

__all__ = [
    "ImportKind",
    "FileImport",
]


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("members")
    DEPOSITS = "deposits", _("bank-statement deposits")


class FileImport(models.Model):
    """A file imported into a fund: its digest makes a second import of the same bytes a
    no-op, and the rows keep the history the leader sees on the import page."""

    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="imports")
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
