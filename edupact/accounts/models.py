"""Users are linked to people; a role is granted on an organisation subtree."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from edupact.core.calendars import CALENDAR_CHOICES


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("platform administrator")
    SECRETARIAT = "secretariat", _("association secretariat")
    SOCIAL_BANKER = "social_banker", _("social banker")
    EDUCATION_OFFICER = "education_officer", _("education officer")
    PRINCIPAL = "principal", _("school principal")
    KANOON_LEADER = "kanoon_leader", _("kanoon leader")
    COMMUNE_OFFICIAL = "commune_official", _("commune official")
    HAMLET_BRANCH = "hamlet_branch", _("hamlet branch")
    TRAINER = "trainer", _("trainer")
    MEMBER = "member", _("member")


# Roles that may change records inside their subtree; the others only read.
WRITING_ROLES = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.SECRETARIAT,
        Role.EDUCATION_OFFICER,
        Role.PRINCIPAL,
        Role.KANOON_LEADER,
        Role.COMMUNE_OFFICIAL,
        Role.HAMLET_BRANCH,
    }
)
# Roles that see only their own records, whatever organisation the grant names.
SELF_ONLY_ROLES = frozenset({Role.MEMBER})


class User(AbstractUser):
    person = models.OneToOneField(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        verbose_name=_("person"),
    )
    language = models.CharField(_("language"), max_length=5, blank=True)
    calendar = models.CharField(
        _("calendar"),
        max_length=10,
        blank=True,
        choices=CALENDAR_CHOICES,
    )


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("organisation"),
    )
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation"], name="rolegrant_unique"
            )
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return f"{self.get_role_display()} @ {self.organisation}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        raw = "ep_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], digest=cls.hash(raw))
        return token, raw
