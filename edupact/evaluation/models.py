"""Criteria frameworks for learning models, as versioned data.

A framework (Bộ tiêu chí) belongs to one learning model (household, clan, hamlet
community, …), has a legal basis and a period of validity, and holds criteria → indicators
in one of the scorer's two styles (``scoring.POINTS``, ``scoring.LEVELS``). Once a
framework has been used it is ``locked``: changes make a new version
(``services.revise_framework``), so an assessment always keeps the rules it was scored by.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core.scoping import ScopeRule
from edupact.core.text import normalise
from edupact.directory.models import AdminUnit, Organisation, Translated

from . import scoring

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
        Framework,
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


# The hamlet's part of the yearly cycle: evidence files and the review meeting ----------------


class EvidenceFile(models.Model):
    """A file that supports a self-assessment (a school report, a certificate, a photo).

    Stored under ``MEDIA_ROOT/evidence`` by a content-derived name and served only through a
    scoped view: the file has no public URL. Only PDF, JPEG and PNG are kept, as their first
    bytes prove, not as the browser claims.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("assessment")
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
        Assessment,
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
        Framework, on_delete=models.PROTECT, related_name="+", verbose_name=_("framework version")
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
        Assessment,
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
