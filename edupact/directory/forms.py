from django import forms
from django.utils.translation import gettext_lazy as _

from edupact.core.forms import LocalisedModelForm
from edupact.core.text import ascii_digits

from .models import AdminUnit, Organisation, Person, Position

# A Jalali year mostly overlaps the Gregorian year 621 later (1364 began in March 1985).
JALALI_YEAR_OFFSET = 621


class PersonForm(LocalisedModelForm):
    class Meta:
        model = Person
        fields = [
            "honorific",
            "family_name",
            "middle_name",
            "given_name",
            "name_order",
            "sex",
            "birth_year",
            "id_kind",
            "national_id",
            "phone",
            "email",
            "bank_account",
            "home_organisation",
        ]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["home_organisation"].queryset = organisations
        for name in ("national_id", "phone", "bank_account", "birth_year"):
            self.fields[name].widget.attrs.update({"dir": "ltr", "inputmode": "numeric"})
        self.fields["birth_year"].widget = forms.TextInput(
            attrs={"dir": "ltr", "inputmode": "numeric"}
        )

    def clean_birth_year(self):
        """A Gregorian year, or a Jalali one (1364 → 1985) as Iranians usually write it."""
        raw = self.data.get(self.add_prefix("birth_year"), "")
        value = ascii_digits(str(raw)).strip()
        if not value:
            return None
        year = int(value) if value.isdigit() else 0
        if 1250 <= year <= 1500:
            year += JALALI_YEAR_OFFSET
        if not 1900 <= year <= 2100:
            raise forms.ValidationError(_("Enter a year such as 1985 or 1364."))
        return year


class OrganisationForm(LocalisedModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "parent",
            "country",
            "legal_id",
            "language",
            "calendar",
            "currency",
            "time_zone",
            "phone",
            "email",
            "address",
            "active",
        ]
        widgets = {
            "language": forms.Select(
                choices=[("fa", "فارسی"), ("vi", "Tiếng Việt"), ("en", "English")]
            )
        }

    place_code = forms.CharField(
        label=_("place code"),
        required=False,
        help_text=_("Code of the province or commune, e.g. 79 or 26734."),
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}),
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            if self.instance.parent_id:  # keeping the parent it has is no move: always offered
                organisations = organisations | Organisation.objects.filter(
                    pk=self.instance.parent_id
                )
            self.fields["parent"].queryset = organisations
        if self.instance.admin_unit_id:
            self.initial["place_code"] = self.instance.admin_unit.code

    def clean_place_code(self):
        code = ascii_digits(self.cleaned_data.get("place_code") or "").strip()
        if not code:
            self.instance.admin_unit = None
            return None
        unit = (
            AdminUnit.objects.filter(code=code, valid_to__isnull=True)
            .exclude(level=AdminUnit.Level.HAMLET)
            .first()
        )
        if unit is None:
            raise forms.ValidationError(_("No current province or commune has this code."))
        self.instance.admin_unit = unit
        return unit


class PositionForm(LocalisedModelForm):
    class Meta:
        model = Position
        fields = ["organisation", "title", "start", "end"]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations


class HamletForm(LocalisedModelForm):
    class Meta:
        model = AdminUnit
        fields = ["name", "kind", "valid_from", "valid_to"]
