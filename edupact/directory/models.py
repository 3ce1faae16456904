"""Places, organisations, people, the titles they hold and the partnerships they form."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.core import identifiers
from edupact.core.calendars import CALENDAR_CHOICES, Calendar
from edupact.core.scoping import ScopeRule
from edupact.core.text import normalise, search_key


class Country(models.TextChoices):
    IRAN = "IR", _("Iran")
    VIETNAM = "VN", _("Vietnam")


# Each country's defaults for a new organisation.
COUNTRY_DEFAULTS = {
    Country.IRAN: {
        "language": "fa",
        "calendar": Calendar.JALALI,
        "currency": "IRR",
        "time_zone": "Asia/Tehran",
    },
    Country.VIETNAM: {
        "language": "vi",
        "calendar": Calendar.GREGORIAN,
        "currency": "VND",
        "time_zone": "Asia/Ho_Chi_Minh",
    },
}


class Translated(models.Model):
    """Names are data in their own language, with optional translations for other readers."""

    name = models.CharField(_("name"), max_length=255)
    name_i18n = models.JSONField(_("translated names"), default=dict, blank=True)
    search_key = models.CharField(max_length=400, editable=False, blank=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalise(self.name)
        keys = [self.name, *self.name_i18n.values()]
        self.search_key = search_key(" | ".join(k for k in keys if k))[:400]
        super().save(*args, **kwargs)

    def name_in(self, language: str) -> str:
        return self.name_i18n.get(language) or self.name


class AdminUnit(Translated):
    """A province, district, commune or hamlet, valid for a period.

    Retired units (Vietnam's 63 provinces and their districts before 1 July 2025) stay,
    with ``valid_to`` and their successors, so that older records keep their place.
    Hamlets and quarters have no national code: users manage them under a commune.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        DISTRICT = "district", _("district")
        COMMUNE = "commune", _("commune")
        HAMLET = "hamlet", _("hamlet or quarter")

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(
        _("kind"),
        max_length=40,
        blank=True,
        help_text=_("As written locally: phường, xã, ấp, khu phố, استان…"),
    )
    code = models.CharField(_("code"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        through="AdminUnitSuccession",
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    class Meta:
        ordering = ["country", "level", "code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "level", "code", "valid_from"],
                condition=~Q(code=""),
                name="adminunit_code_unique",
            ),
        ]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")

    def get_absolute_url(self):
        return reverse("directory:place", args=[self.pk])

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class AdminUnitSuccession(models.Model):
    """Old unit → new unit; ``approximate`` when the old one was split between several."""

    old = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    new = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    approximate = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="succession_unique")]

    def __str__(self):
        return f"{self.old} → {self.new}"


class Organisation(Translated):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        EDUCATION_DEPARTMENT = "education_department", _("provincial education department")
        EDUCATION_OFFICE = "education_office", _("district education office")
        SCHOOL = "school", _("school")
        ASSOCIATION = "association", _("association")
        SECRETARIAT = "secretariat", _("association secretariat")
        BRANCH = "branch", _("association branch or chapter")
        BANK = "bank", _("bank")
        BANK_GROUP = "bank_group", _("bank group")
        KANOON = "kanoon", _("kanoon (mutual-aid club)")
        LEARNING_CENTRE = "learning_centre", _("community learning centre")
        PEOPLES_COMMITTEE = "peoples_committee", _("people's committee")
        AGENCY = "agency", _("agency or enterprise")

    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    path = models.CharField(max_length=255, editable=False, blank=True, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    admin_unit = models.ForeignKey(
        AdminUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("place"),
    )
    legal_id = models.CharField(_("legal identifier"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fa")
    calendar = models.CharField(
        _("calendar"),
        max_length=10,
        choices=CALENDAR_CHOICES,
        default=Calendar.JALALI,
    )
    currency = models.CharField(_("currency"), max_length=3, default="IRR")
    time_zone = models.CharField(_("time zone"), max_length=40, default="Asia/Tehran")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    # A new organisation is created by who writes for its parent; one at the top, by
    # platform administrators only.
    scope = ScopeRule(
        org_paths=["path"],
        new_paths=["parent__path"],
        unowned=_("Only platform administrators create top-level records."),
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "path"])]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "legal_id"],
                condition=~Q(legal_id=""),
                name="organisation_legal_id_unique",
            ),
        ]

    def get_absolute_url(self):
        return reverse("directory:organisation", args=[self.pk])

    def clean(self):
        errors = _collect(
            {
                "legal_id": lambda: (
                    self.legal_id
                    and self.country == Country.IRAN
                    and identifiers.iran_legal_id(self.legal_id)
                ),
                "phone": lambda: self.phone and identifiers.phone_e164(self.phone, self.country),
            }
        )
        if self.legal_id and self.country == Country.IRAN and "legal_id" not in errors:
            self.legal_id = identifiers.iran_legal_id(self.legal_id)
        if self.phone and "phone" not in errors:
            self.phone = identifiers.phone_e164(self.phone, self.country)
        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "-"):
            errors["parent"] = [_("An organisation cannot be placed inside itself.")]
        if errors:
            raise ValidationError(errors)


# The one refusal of a national identifier already held by someone. Uniqueness cannot help
# telling that the identifier is taken, but nothing more: the refusal names no one and reads
# the same wherever the holder is, in the caller's scope or far outside it (issue 9).
NATIONAL_ID_TAKEN = _(
    "This national identifier cannot be used. If this person is already recorded, ask the "
    "platform administrator to find the record."
)


class Person(models.Model):
    """A person with their name as their culture writes it.

    Vietnamese names are family + middle + given and sort by given name; Persian names
    are given + family and sort by family name. Identifiers and bank numbers are stored
    whole and shown masked; revealing one is logged.
    """

    class NameOrder(models.TextChoices):
        FAMILY_FIRST = "family_first", _("family name first (Vietnamese)")
        GIVEN_FIRST = "given_first", _("given name first")

    class Sex(models.TextChoices):
        UNKNOWN = "", _("not recorded")
        FEMALE = "female", _("female")
        MALE = "male", _("male")

    class IdKind(models.TextChoices):
        NONE = "", _("none")
        IR_NATIONAL_CODE = "ir_national_code", _("Iranian national code")
        VN_CCCD = "vn_cccd", _("Vietnamese citizen ID (CCCD)")

    honorific = models.CharField(
        _("honorific"), max_length=40, blank=True, help_text=_("e.g. TS., PGS. TS., آقای, خانم")
    )
    family_name = models.CharField(_("family name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    name_order = models.CharField(
        _("name order"), max_length=12, choices=NameOrder.choices, default=NameOrder.GIVEN_FIRST
    )
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    id_kind = models.CharField(
        _("identifier type"), max_length=20, choices=IdKind.choices, blank=True
    )
    national_id = models.CharField(_("national identifier"), max_length=12, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    bank_account = models.CharField(_("bank account (IBAN/Sheba)"), max_length=34, blank=True)
    home_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("home organisation"),
    )
    sort_key = models.CharField(max_length=300, editable=False, blank=True, db_index=True)
    search_key = models.CharField(max_length=400, editable=False, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(
        org_paths=["home_organisation__path"],
        person="id",
        related=[("positions", "person", "organisation__path")],
    )

    class Meta:
        ordering = ["sort_key", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["id_kind", "national_id"],
                condition=~Q(national_id=""),
                name="person_national_id_unique",
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        for f in ("honorific", "family_name", "middle_name", "given_name"):
            setattr(self, f, normalise(getattr(self, f)))
        if self.name_order == self.NameOrder.FAMILY_FIRST:
            order = [self.given_name, self.family_name, self.middle_name]
        else:
            order = [self.family_name, self.given_name, self.middle_name]
        self.sort_key = search_key(" ".join(p for p in order if p))[:300]
        self.search_key = search_key(f"{self.full_name} {self.phone} {self.email}")[:400]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:person", args=[self.pk])

    def clean(self):
        """Check identifiers as the person's country writes them; store normalised forms.
        An optional text left empty as ``None`` (a client's ``null``) is stored empty."""
        optional = ("honorific", "middle_name", "given_name", "national_id", "phone", "email")
        for name in (*optional, "bank_account"):
            if getattr(self, name) is None:
                setattr(self, name, "")
        country = self.home_organisation.country if self.home_organisation_id else Country.IRAN
        checks = {
            "national_id": self._clean_national_id,
            "phone": lambda: self.phone and identifiers.phone_e164(self.phone, country),
            "bank_account": lambda: (
                self.bank_account and identifiers.bank_account(self.bank_account)
            ),
        }
        errors = _collect(checks)
        for field in ("national_id", "phone", "bank_account"):
            if field not in errors and getattr(self, field):
                setattr(self, field, checks[field]())
        if self.national_id and not self.id_kind:
            errors.setdefault("id_kind", []).append(_("Choose the type of identifier."))
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        """An identifier held by another person is refused on the identifier, with
        ``NATIONAL_ID_TAKEN`` (every path — forms, the API, imports — runs this), not with
        the constraint's technical message; the database constraint stays the guarantee."""
        exclude = set(exclude or ())
        if self.national_id and not {"national_id", "id_kind"} & exclude:
            held = Person._default_manager.filter(
                id_kind=self.id_kind, national_id=self.national_id
            ).exclude(pk=self.pk)
            if held.exists():
                error = ValidationError(NATIONAL_ID_TAKEN, code="national_id_taken")
                raise ValidationError({"national_id": [error]})
        super().validate_constraints(exclude=exclude)

    def _clean_national_id(self):
        if not self.national_id:
            return ""
        if self.id_kind == self.IdKind.IR_NATIONAL_CODE:
            return identifiers.iran_national_code(self.national_id)
        if self.id_kind == self.IdKind.VN_CCCD:
            return identifiers.vietnam_cccd(self.national_id, self.birth_year, self.sex or None)
        return self.national_id

    @property
    def full_name(self) -> str:
        if self.name_order == self.NameOrder.FAMILY_FIRST:
            parts = [self.family_name, self.middle_name, self.given_name]
        else:
            parts = [self.given_name, self.middle_name, self.family_name]
        return " ".join(p for p in parts if p)


class Position(models.Model):
    """A person holds a title in an organisation for a period (``end`` is exclusive)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="positions", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="positions",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=255)
    title_i18n = models.JSONField(_("translated titles"), default=dict, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    scope = ScopeRule(org_paths=["organisation__path"], person="person_id")

    class Meta:
        ordering = ["-start"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        indexes = [models.Index(fields=["person", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="position_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.title} — {self.organisation}"

    def title_in(self, language: str) -> str:
        return self.title_i18n.get(language) or self.title

    def clean(self):
        if self.end and self.start and self.end <= self.start:
            raise ValidationError({"end": _("The end must come after the start.")})


class Partnership(Translated):
    """Two or more organisations working together for a period (an agreement, a plan)."""

    class Kind(models.TextChoices):
        MEMORANDUM = "memorandum", _("memorandum of understanding")
        COORDINATION_PLAN = "coordination_plan", _("coordination plan")
        JOINT_MEETING = "joint_meeting", _("joint meeting")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    signed_on = models.DateField(_("signed or held on"))
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    source = models.CharField(_("source document"), max_length=255, blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="PartnershipMember", related_name="partnerships"
    )

    scope = ScopeRule(related=[("members", "partnership", "organisation__path")])

    class Meta:
        ordering = ["-signed_on"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def get_absolute_url(self):
        return reverse("directory:partnership", args=[self.pk])


class PartnershipMember(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="partnership_member_unique"
            )
        ]

    def __str__(self):
        return f"{self.organisation} — {self.partnership}"


class Participant(models.Model):
    """Someone who signed or attended for an organisation; their title is looked up on the date."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    signatory = models.BooleanField(_("signatory"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "person"], name="participant_unique")
        ]

    def __str__(self):
        return f"{self.person} — {self.partnership}"


def _collect(checks: dict) -> dict:
    """Run each field's check and gather every message, so a form shows them all at once."""
    errors: dict[str, list] = {}
    for field, check in checks.items():
        try:
            check()
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    return errors
