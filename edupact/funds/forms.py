"""Forms of the funds pages: amounts and dates typed the reader's way."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from edupact.core import bounds
from edupact.core.forms import (
    AmountField,
    LocalDateField,
    LocalisedModelForm,
    identity_field,
    month_choices,
)

from .models import (
    ImportKind,
    LoanProduct,
    NeedCategory,
    PaymentSource,
    PointsUse,
    TransferKind,
)


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


class PointsField(AmountField):
    """A whole number of points (``core.bounds.check_points``)."""

    def bounded(self, amount: int) -> int:
        return bounds.check_points(amount, minimum=self.minimum)


class GiveForm(forms.Form):
    """Give points to a member found by national code and mobile (both must match)."""

    national_code = identity_field(_("Beneficiary's national code"))
    mobile = identity_field(_("Beneficiary's mobile number"), phone=True)
    points = PointsField(label=_("Points"), help_text=_("In 10-month units."))
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
            "blackout_months", "guarantors_required", "open_requests",
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
        max_value=bounds.MAX_MONTHS,
        widget=forms.NumberInput(attrs={"dir": "ltr"}),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=255, required=False)
    need = forms.TypedChoiceField(
        label=_("Need"),
        choices=NeedCategory.choices,
        initial=NeedCategory.OTHER,
        required=False,
        empty_value=NeedCategory.OTHER,
        help_text=_("Weighed when the kanoon allocates by priority."),
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class GuarantorForm(forms.Form):
    """Name a guarantor by national code and mobile (both must match one member)."""

    national_code = identity_field(_("Guarantor's national code"))
    mobile = identity_field(_("Guarantor's mobile number"), phone=True)
    amount = AmountField(label=_("Committed amount"))


class SettleForm(forms.Form):
    """Where the money of a settlement comes from; paid in, with the bank's reference if any
    (a bank statement with that reference then confirms it)."""

    source = forms.ChoiceField(
        label=_("The money"),
        choices=PaymentSource.choices,
        initial=PaymentSource.PAID_IN,
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("Bank reference"),
        max_length=200,
        required=False,
        help_text=_("The bank's tracking number of the transfer, if any."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class RepaymentForm(SettleForm):
    """A repayment: how much, when it was paid, and where the money comes from."""

    amount = AmountField(label=_("Amount"), help_text=_("In rials or đồng (minor units)."))
    on = LocalDateField(label=_("Paid on"))
    field_order = ["amount", "on", "source", "reference", "note"]


class RescheduleForm(forms.Form):
    months = forms.IntegerField(
        label=_("New number of monthly instalments"), min_value=1, max_value=bounds.MAX_MONTHS
    )
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


class AllocationSettingsForm(forms.Form):
    """The leader chooses the fund's allocation policy and its visible parameters."""

    policy = forms.ChoiceField(label=_("Allocation policy"))
    need_medical = forms.IntegerField(label=_("Weight of a medical need"), min_value=0)
    need_education = forms.IntegerField(label=_("Weight of an education need"), min_value=0)
    need_housing = forms.IntegerField(label=_("Weight of a housing need"), min_value=0)
    need_marriage = forms.IntegerField(label=_("Weight of a marriage need"), min_value=0)
    need_other = forms.IntegerField(label=_("Weight of another need"), min_value=0)
    waiting_month = forms.IntegerField(
        label=_("Points per 30 days of waiting"), min_value=0, max_value=1_000_000
    )
    contribution = forms.IntegerField(
        label=_("Points for own contribution"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("Given in full when the borrower's own points cover the loan, in part else."),
    )
    recent_loan = forms.IntegerField(
        label=_("Penalty per recent loan"), min_value=0, max_value=1_000_000
    )
    recent_days = forms.IntegerField(label=_("Recent means within (days)"), min_value=1)
    quorum = forms.IntegerField(label=_("Quorum (approvals needed)"), min_value=1)
    leader = forms.ModelChoiceField(queryset=None, label=_("Committee leader"), required=False)
    members = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Committee members"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    only_backed = forms.BooleanField(
        label=_("Approve only requests backed by a supporter's points"), required=False
    )
    seed = forms.CharField(
        label=_("Published seed for the next lottery"),
        max_length=200,
        required=False,
        help_text=_("Publish it before the round; leave empty to have one drawn at the round."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )

    NEEDS = ("medical", "education", "housing", "marriage", "other")

    def __init__(self, *args, people, policies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = policies
        self.fields["leader"].queryset = people
        self.fields["members"].queryset = people

    def clean(self):
        data = super().clean()
        if data.get("policy") == "committee" and not data.get("leader"):
            self.add_error("leader", _("A committee has a leader."))
        return data

    def parameters(self) -> dict:
        d = self.cleaned_data
        return {
            "weights": {
                "need": {n: d[f"need_{n}"] for n in self.NEEDS},
                "waiting_month": d["waiting_month"],
                "contribution": d["contribution"],
                "recent_loan": d["recent_loan"],
            },
            "recent_days": d["recent_days"],
            "quorum": d["quorum"],
            "only_backed": d["only_backed"],
            "seed": d["seed"].strip(),
        }

    @classmethod
    def initial_from(cls, policy: str, all_parameters: dict, committee) -> dict:
        w = all_parameters["weights"]
        initial = {f"need_{n}": w["need"][n] for n in cls.NEEDS}
        initial.update({k: w[k] for k in ("waiting_month", "contribution", "recent_loan")})
        initial.update(
            {k: all_parameters[k] for k in ("recent_days", "quorum", "only_backed", "seed")}
        )
        initial["policy"] = policy
        initial["leader"] = next((m.person for m in committee if m.role == "leader"), None)
        initial["members"] = [m.person for m in committee if m.role != "leader"]
        return initial


class RoundForm(forms.Form):
    """Options of one allocation round: a cap on the money lent, and the lottery's seed."""

    cap = AmountField(
        label=_("Cap for this round"),
        required=False,
        help_text=_("At most this much is lent in this round; empty: what the pool allows."),
    )
    seed = forms.CharField(
        label=_("Seed of the draw"),
        max_length=200,
        required=False,
        help_text=_("Lottery only. Empty: the published seed, or one drawn now."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
