"""Forms of the funds pages: amounts and dates typed the reader's way."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from edupact.core import preferences
from edupact.core.calendars import JALALI_MONTHS_FA
from edupact.core.forms import LocalDateField, LocalisedModelForm
from edupact.core.money import parse_amount

from .models import ImportKind, LoanProduct, PointsUse, TransferKind


class AmountField(forms.CharField):
    """A whole amount in minor units; Persian digits and separators allowed."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            amount = parse_amount(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="amount") from exc
        if amount <= 0:
            raise ValidationError(_("Enter a positive whole amount."), code="amount")
        return amount

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"})
        return attrs


class DepositForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None, label=_("Account"))
    amount = AmountField(label=_("Amount"), help_text=_("In rials or đồng (minor units)."))
    on = LocalDateField(label=_("Date"))
    memo = forms.CharField(label=_("Memo"), max_length=255, required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["account"].label_from_instance = lambda a: a.owner_name
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class GiveForm(forms.Form):
    """Give points to a member found by national code and mobile (both must match)."""

    national_code = forms.CharField(
        label=_("Beneficiary's national code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
    )
    mobile = forms.CharField(
        label=_("Beneficiary's mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "off"}),
    )
    points = AmountField(label=_("Points"), help_text=_("In 10-month units."))
    use = forms.ChoiceField(label=_("Allowed use"), choices=PointsUse.choices)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (TransferKind.GIFT, TransferKind.GIFT.label),
            (TransferKind.PLEDGE, TransferKind.PLEDGE.label),
        ],
    )


class ConfirmGiftForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        help_text=_("The 6-digit code sent by SMS to the supporter's mobile."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "one-time-code"}
        ),
    )


GREGORIAN_MONTHS = [
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"),
    _("August"), _("September"), _("October"), _("November"), _("December"),
]  # fmt: skip


JALALI_MONTHS_LATIN = [
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
]  # fmt: skip


def month_choices(calendar: str) -> list[tuple[int, str]]:
    """The twelve months of the fund's calendar, named as its members name them."""
    if calendar == "jalali":
        names = JALALI_MONTHS_FA if preferences.language() == "fa" else JALALI_MONTHS_LATIN
    else:
        names = GREGORIAN_MONTHS
    return [(i, str(name)) for i, name in enumerate(names, start=1)]


class ProductForm(LocalisedModelForm):
    """A new dated version of a loan product (or a new product)."""

    min_amount = AmountField(label=_("Minimum amount"), help_text=_("In rials or đồng."))
    max_amount = AmountField(label=_("Maximum amount"), help_text=_("In rials or đồng."))
    blackout_months = forms.TypedMultipleChoiceField(
        label=_("Months without lending"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = LoanProduct
        fields = [
            "code", "name", "valid_from", "min_amount", "max_amount", "min_months",
            "max_months", "fee_strategy", "fee_rate_percent", "cooling_off_days",
            "blackout_months", "guarantors_required",
        ]  # fmt: skip

    def __init__(self, *args, fund, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.fund = fund
        self.fields["valid_from"].required = True
        self.fields["blackout_months"].choices = month_choices(fund.calendar)
class LoanRequestForm(forms.Form):
    """A member's request: product, amount, months and purpose (previewed live)."""

    product = forms.ModelChoiceField(queryset=None, label=_("Loan product"))
    amount = AmountField(label=_("Amount"), help_text=_("In rials or đồng (minor units)."))
    months = forms.IntegerField(
        label=_("Months"),
        min_value=1,
        max_value=600,
        widget=forms.NumberInput(attrs={"dir": "ltr"}),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=255, required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class GuarantorForm(forms.Form):
    """Name a guarantor by national code and mobile (both must match one member)."""

    national_code = forms.CharField(
        label=_("Guarantor's national code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
    )
    mobile = forms.CharField(
        label=_("Guarantor's mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "off"}),
    )
    amount = AmountField(label=_("Committed amount"))


class RescheduleForm(forms.Form):
    months = forms.IntegerField(label=_("New number of monthly instalments"), min_value=1)
    on = LocalDateField(label=_("From"))
    reason = forms.CharField(label=_("Reason"), max_length=255)
MAX_UPLOAD_BYTES = 30 * 1024 * 1024


class ImportForm(forms.Form):
    """A members list or a bank statement, XLSX or CSV, checked first when ``dry_run``."""

    kind = forms.ChoiceField(
        label=_("The file holds"), choices=ImportKind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check every row and show what would happen, without importing"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
                code="too_big",
            )
        return upload
