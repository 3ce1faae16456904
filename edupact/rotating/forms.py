"""Forms of the rotating fund pages: codes, months, amounts and dates typed the reader's way."""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from edupact.core import preferences
from edupact.core.calendars import CALENDAR_CHOICES
from edupact.core.forms import AmountField, LocalDateField, identity_field
from edupact.core.money import Currency
from edupact.core.text import ascii_digits

from .forming import MAX_CODES, parse_start
from .models import DrawMode

_EXCLUSION = re.compile(r"^\s*#?(\d+)\s*[:\-–،,]\s*(.+?)\s*$")


class _Keyed(forms.Form):
    """A hidden one-time key: a form submitted twice records one payment or draw."""

    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class DueForm(_Keyed):
    code = forms.TypedChoiceField(label=_("Code"), coerce=int)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int)
    amount = AmountField(label=_("Amount"), help_text=_("In rials or đồng (minor units)."))
    paid_on = LocalDateField(label=_("Paid on"))
    memo = forms.CharField(label=_("Memo"), max_length=255, required=False)

    def __init__(self, *args, codes, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = codes
        self.fields["month"].choices = months


class DrawForm(_Keyed):
    mode = forms.ChoiceField(label=_("How the winner is chosen"), choices=DrawMode.choices)
    seed = forms.CharField(
        label=_("Seed"),
        max_length=64,
        required=False,
        help_text=_("Leave empty for an unpredictable seed; it is published with the result."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    exclusions = forms.CharField(
        label=_("Excluded codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("With exclusions only: one code per line with its reason, e.g. “7: arrears”."),
    )
    code = forms.IntegerField(label=_("Winning code"), required=False, min_value=1)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        required=False,
        help_text=_("Required for a manual draw."),
    )

    def clean_exclusions(self) -> dict[int, str]:
        found: dict[int, str] = {}
        lines = ascii_digits(self.cleaned_data["exclusions"] or "").splitlines()
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            match = _EXCLUSION.match(line)
            if not match:
                raise ValidationError(
                    _("Line %(n)s: write a code number, a colon and the reason.") % {"n": n}
                )
            found[int(match.group(1))] = match.group(2)
        return found


class TransferForm(forms.Form):
    national_code = identity_field(_("New holder's national code"))
    parts = forms.TypedChoiceField(label=_("Parts transferred"), coerce=int)
    on = LocalDateField(label=_("From"))

    def __init__(self, *args, parts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parts"].choices = parts


class _Organisations(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name_in(preferences.language())


class FundForm(forms.Form):
    """A new lottery fund: its terms, and every code's first holders typed or uploaded."""

    name = forms.CharField(label=_("Name"), max_length=255)
    organisation = _Organisations(label=_("Organisation"), queryset=None)
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=[("", _("The organisation's"))] + list(Currency.choices),
    )
    calendar = forms.ChoiceField(
        label=_("Calendar"),
        required=False,
        choices=[("", _("The organisation's"))] + list(CALENDAR_CHOICES),
    )
    due = AmountField(
        label=_("Monthly due per code"), help_text=_("In rials or đồng (minor units).")
    )
    start = forms.CharField(
        label=_("First month"),
        max_length=10,
        help_text=_("Year/month in the fund's calendar, e.g. 1403/07 or 2025/01."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    codes_count = forms.IntegerField(label=_("Number of codes"), min_value=2, max_value=MAX_CODES)
    draw_day = forms.IntegerField(label=_("Draw day"), min_value=1, max_value=31, initial=15)
    draw_mode = forms.ChoiceField(label=_("Usual draw mode"), choices=DrawMode.choices)
    holders = forms.CharField(
        label=_("Holders"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "ltr"}),
        help_text=_(
            "One line per holder: code, national code (or an organisation's legal ID), parts "
            "of 12 — e.g. “3, 0076229645, 6” for half of code 3."
        ),
    )
    file = forms.FileField(
        label=_("Or a holders file"),
        required=False,
        help_text=_(
            "XLSX or CSV with the columns Code, National code or legal ID, Parts; it replaces "
            "the lines above."
        ),
    )
    dry_run = forms.BooleanField(label=_("Check only, create nothing"), required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_start(self) -> tuple[int, int]:
        try:
            return parse_start(self.cleaned_data["start"])
        except ValueError:
            raise ValidationError(
                _("Write the first month as year/month, e.g. 1403/07 or 2025/01.")
            ) from None

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > 5 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 5 MB."))
        if upload and not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Choose a .xlsx or .csv file."))
        return upload


class ReverseForm(_Keyed):
    reason = forms.CharField(label=_("Reason"), max_length=255)
    on = LocalDateField(label=_("Date"))
