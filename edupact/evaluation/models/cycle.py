"""The hamlet's part of the yearly cycle: evidence files, the review meeting (attendees,
proposals, revisions) and bulk-entry imports.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule
from edupact.core.text import normalise
from edupact.directory.models import Organisation

from .frameworks import LearningModel

__all__ = [
    "EvidenceFile",
    "ReviewMeeting",
    "Attendee",
    "Proposal",
    "MeetingRevision",
    "AssessmentImport",
]


# The hamlet's part of the yearly cycle: evidence files and the review meeting ----------------


class EvidenceFile(models.Model):
    """A file that supports a self-assessment (a school report, a certificate, a photo).

    Stored under ``MEDIA_ROOT/evidence`` by a content-derived name and served only through a
    scoped view: the file has no public URL. Only PDF, JPEG and PNG are kept, as their first
    bytes prove, not as the browser claims.
    """

    assessment = models.ForeignKey(
        "evaluation.Assessment",
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("assessment"),
    )
    stored_name = models.CharField(max_length=200, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("file type"), max_length=40)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope = ScopeRule(
        org_paths=["assessment__subject__organisation__path"],
        person="assessment__subject__person_id",
    )

    class Meta:
        ordering = ["assessment", "uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "sha256"], name="evidencefile_once_per_assessment"
            )
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("evaluation:evidence", args=[self.pk])


class ReviewMeeting(models.Model):
    """The review meeting (họp bình xét) where a hamlet's branch of the association weighs
    the year's self-assessments of its households and clans and proposes which the commune
    should recognise. Its minutes (biên bản) are printed and signed by chair and secretary.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="review_meetings",
        verbose_name=_("held by"),
        help_text=_("The hamlet's branch of the association."),
    )
    admin_unit = models.ForeignKey(
        "directory.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_review_meetings",
        verbose_name=_("hamlet"),
    )
    year = models.PositiveSmallIntegerField(_("year assessed"))
    date = models.DateField(_("meeting date"))
    place = models.CharField(_("meeting place"), max_length=200)
    chair = models.CharField(_("chair"), max_length=200)
    secretary = models.CharField(_("secretary"), max_length=200)
    present = models.PositiveSmallIntegerField(_("members present"))
    invited = models.PositiveSmallIntegerField(_("members invited"))
    minutes = models.TextField(_("minutes"), blank=True)
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
        ordering = ["-year", "-date", "-id"]
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(present__lte=models.F("invited")), name="reviewmeeting_present"
            )
        ]

    def __str__(self):
        return f"{self.organisation} — {self.date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        self.place = normalise(self.place)
        self.chair = normalise(self.chair)
        self.secretary = normalise(self.secretary)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evaluation:meeting", args=[self.pk])


class Attendee(models.Model):
    """Someone at the meeting: a person from the directory or a name as written down."""

    meeting = models.ForeignKey(
        ReviewMeeting, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        "directory.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(
        _("role at the meeting"), max_length=120, blank=True, help_text=_("e.g. chi hội trưởng")
    )

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalise(self.name)
        self.role = normalise(self.role)
        super().save(*args, **kwargs)


class Proposal(models.Model):
    """The meeting's word on one assessment: proposed for recognition or not, and the vote."""

    meeting = models.ForeignKey(
        ReviewMeeting, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("meeting")
    )
    assessment = models.OneToOneField(
        "evaluation.Assessment",
        on_delete=models.PROTECT,
        related_name="proposal",
        verbose_name=_("assessment"),
    )
    proposed = models.BooleanField(_("proposed for recognition"))
    votes_for = models.PositiveSmallIntegerField(_("in favour"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("abstaining"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self):
        return f"{self.assessment} — {'+' if self.proposed else '−'}"


class MeetingRevision(models.Model):
    """An earlier version of a review meeting's record, kept when the hamlet branch corrects
    it (``cycle.correct_review_meeting``): its facts, minutes, attendees and proposals as
    they stood, the reason for the correction, who made it and when. Number 1 is the
    meeting as first recorded; the meeting itself always holds the latest version."""

    meeting = models.ForeignKey(
        ReviewMeeting, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("meeting")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    record = models.JSONField(_("record before the correction"), editable=False)
    reason = models.TextField(_("reason for the correction"))
    corrected_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("corrected by"),
        editable=False,
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "-number"]
        verbose_name = _("earlier version of a review meeting")
        verbose_name_plural = _("earlier versions of review meetings")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="meetingrevision_once")
        ]

    def __str__(self):
        return f"{self.meeting_id} v{self.number}"

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.record["date"])


# Bulk entry and the yearly cycle's workflow ------------------------------------------------------


class AssessmentImport(models.Model):
    """One bulk-entry file written to the database (``bulk.import_assessments``).

    Its digest makes re-importing the same file add nothing; the row is the audit trail of a
    set-based write that per-row signals do not see.
    """

    digest = models.CharField(_("file digest"), max_length=64)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    model = models.CharField(_("learning model"), max_length=20, choices=LearningModel.choices)
    framework = models.ForeignKey(
        "evaluation.Framework",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("framework version"),
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("unchanged"), default=0)
    recognised = models.PositiveIntegerField(_("meeting the criteria"), default=0)
    imported_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("assessment import")
        verbose_name_plural = _("assessment imports")
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "year", "model"], name="assessmentimport_once"
            )
        ]

    def __str__(self):
        return f"{self.filename or self.digest[:12]} ({self.year})"
