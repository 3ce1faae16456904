"""Who decides on loan requests: the committee, its votes, and recorded rounds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core.bounds import MAX_AMOUNT, MAX_BALANCE
from edupact.core.scoping import ScopeRule

from .ledger import Fund, between

__all__ = [
    "CommitteeRole",
    "CommitteeMember",
    "CommitteeVote",
    "AllocationRound",
    "Outcome",
    "AllocationDecision",
]


# Allocation -------------------------------------------------------------------------------------


class CommitteeRole(models.TextChoices):
    LEADER = "leader", _("leader")
    MEMBER = "member", _("member")


class CommitteeMember(models.Model):
    """A person on the fund's allocation committee; removal deactivates (votes stay)."""

    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="committee")
    person = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    role = models.CharField(
        _("role"), max_length=10, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER
    )
    active = models.BooleanField(_("active"), default=True)

    scope = ScopeRule(
        org_paths=["fund__kanoon__path"],
        person="person_id",
        personally=_("Only members of the fund's committee vote, each personally."),
    )

    class Meta:
        ordering = ["fund", "-role", "id"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["fund", "person"], name="committeemember_unique"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class CommitteeVote(models.Model):
    """One committee member's approve/reject on a pending request, cast personally."""

    loan = models.ForeignKey("Loan", on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(
        CommitteeMember, on_delete=models.PROTECT, related_name="votes", verbose_name=_("member")
    )
    approve = models.BooleanField(_("approve"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    cast_on = models.DateField(_("cast on"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(org_paths=["loan__fund__kanoon__path"], person="member__person_id")

    class Meta:
        ordering = ["loan", "member"]
        verbose_name = _("committee vote")
        verbose_name_plural = _("committee votes")
        constraints = [
            models.UniqueConstraint(fields=["loan", "member"], name="committeevote_unique"),
        ]

    def __str__(self):
        return f"{self.loan} — {self.member.person}: {'+' if self.approve else '−'}"


class AllocationRound(models.Model):
    """A recorded allocation round: what was decided, by which policy and parameters, with
    which budget and (for a lottery) the seed, the eligible list and the drawn order, so that
    anyone can re-run the draw."""

    fund = models.ForeignKey("Fund", on_delete=models.PROTECT, related_name="rounds")
    on = models.DateField(_("date"))
    policy = models.CharField(_("policy"), max_length=20)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    seed = models.CharField(_("seed"), max_length=200, blank=True)
    eligible = models.JSONField(_("eligible requests"), default=list, blank=True)
    order = models.JSONField(_("drawn order"), default=list, blank=True)
    pool = models.BigIntegerField(_("money available to lend"))
    cap = models.BigIntegerField(_("cap for this round"), null=True, blank=True)
    budget = models.BigIntegerField(_("budget"))
    used = models.BigIntegerField(_("approved amount"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # A member sees the rounds that decided one of their requests (and, through
    # ``AllocationDecision.scope``, only their own decisions in them).
    scope = ScopeRule(
        org_paths=["fund__kanoon__path"], person="decisions__loan__account__person_id"
    )

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=models.F("budget")),
                name="allocationround_within_budget",
            ),
            models.CheckConstraint(
                condition=between("pool", 0, MAX_BALANCE)
                & between("budget", 0, MAX_BALANCE)
                & (Q(cap__isnull=True) | between("cap", 0, MAX_AMOUNT)),
                name="allocationround_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.fund} {self.on} ({self.policy})"

    def get_absolute_url(self):
        return reverse("funds:round", args=[self.pk])

    @property
    def policy_label(self) -> str:
        return dict(Fund._meta.get_field("allocation_policy").choices).get(self.policy, self.policy)


class Outcome(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WAITING = "waiting", _("waits for a later round")


class AllocationDecision(models.Model):
    """What a round did with one request, in the policy's order, and why."""

    round = models.ForeignKey(AllocationRound, on_delete=models.CASCADE, related_name="decisions")
    loan = models.ForeignKey("Loan", on_delete=models.PROTECT, related_name="decisions")
    position = models.PositiveIntegerField(_("position"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    score = models.IntegerField(_("score"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    # Another member's decision (loan, amount, outcome, reasons, votes) is theirs alone.
    scope = ScopeRule(org_paths=["round__fund__kanoon__path"], person="loan__account__person_id")

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "loan"], name="allocationdecision_unique"),
        ]

    def __str__(self):
        return f"{self.round_id} #{self.position} {self.loan_id} {self.outcome}"
