"""Forms of the hamlet's cycle: registration with members, the self-assessment generated
from a framework version, evidence upload, and the review meeting with its proposals."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from edupact.core.forms import LocalIntegerField, LocalisedModelForm

from . import cycle
from .forms import TryForm
from .models import LearningModel, ReviewMeeting, Subject


class SubjectForm(forms.ModelForm):
    """Who is registered, by whom and where; the year comes with it."""

    year = forms.IntegerField(label=_("Year"), min_value=2000)
    branches = forms.CharField(
        label=_("Branches of the clan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One branch per line."),
    )

    class Meta:
        model = Subject
        fields = ["kind", "name", "code", "organisation", "admin_unit", "former_admin_unit"]

    def __init__(self, *args, organisations=None, units=None, former_units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["admin_unit"].queryset = units
        self.fields["former_admin_unit"].queryset = former_units
        self.fields["kind"].choices = LearningModel.choices
        if not self.is_bound:
            self.initial.setdefault("year", dt.date.today().year)
            only = list(organisations[:2]) if organisations is not None else []
            if len(only) == 1:
                self.initial["organisation"] = only[0].pk

    def branch_names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["branches"].splitlines()]


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False)
    relation = forms.CharField(
        label=_("Relation"), max_length=60, required=False, help_text=_("e.g. chủ hộ, vợ, con")
    )


MemberFormSet = forms.formset_factory(MemberForm, extra=5)


def member_rows(formset) -> list[cycle.MemberRow]:
    return [
        cycle.MemberRow(
            f.cleaned_data["full_name"],
            f.cleaned_data["birth_year"],
            f.cleaned_data["relation"] or "",
        )
        for f in formset.forms
        if f.cleaned_data.get("full_name") or f.cleaned_data.get("birth_year")
    ]


class SelfAssessmentForm(TryForm):
    """One input per indicator of the framework version, with its guidance; notes."""

    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, criteria=(), answers=None, **kwargs):
        super().__init__(*args, criteria=criteria, **kwargs)
        self.order_fields([*self.codes, "notes"])
        for name, code in self.codes.items():
            field = self.fields[name]
            field.help_text = field.indicator.guidance
            if answers and code in answers and not self.is_bound:
                self.initial[name] = answers[code]

    def answers(self) -> dict:
        """The answers keyed by indicator code (empty numbers left out: 'No answer')."""
        data = self.cleaned_data
        return {code: data[name] for name, code in self.codes.items() if data.get(name) is not None}


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), help_text=_("PDF, JPEG or PNG."))


class MeetingForm(LocalisedModelForm):
    class Meta:
        model = ReviewMeeting
        fields = ["date", "place", "chair", "secretary", "invited", "present", "minutes"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 6})}


class MeetingCorrectionForm(MeetingForm):
    """The meeting's facts and minutes as corrected, and why."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the earlier version, which stays readable."),
    )


class AttendeeForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None, required=False)
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.CharField(label=_("Role at the meeting"), max_length=120, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=6)


def attendee_rows(formset) -> list[cycle.AttendeeRow]:
    return [
        cycle.AttendeeRow(
            name=f.cleaned_data.get("name") or "",
            role=f.cleaned_data.get("role") or "",
            person_id=f.cleaned_data["person"].pk if f.cleaned_data.get("person") else None,
        )
        for f in formset.forms
        if f.cleaned_data.get("name") or f.cleaned_data.get("person")
    ]


def meeting_record(data: dict, year: int, attendees, proposals) -> cycle.Meeting:
    """The meeting as the service takes it, from the valid meeting form (recording or
    correcting), its attendees and its proposals."""
    return cycle.Meeting(
        year=year,
        date=data["date"],
        place=data["place"],
        chair=data["chair"],
        secretary=data["secretary"],
        present=data["present"],
        invited=data["invited"],
        minutes=data["minutes"],
        attendees=attendee_rows(attendees),
        proposals=proposals.proposals(),
    )


class ProposalsForm(forms.Form):
    """For each self-assessment under review: proposed or not, the vote and a note."""

    def __init__(self, *args, assessments=(), current=None, **kwargs):
        """``current``: assessment id → the proposal being corrected (its values shown)."""
        super().__init__(*args, **kwargs)
        self.rows = []
        current = current or {}
        for a in assessments:
            prefix = f"p{a.pk}"
            old = current.get(a.pk)
            self.fields[f"{prefix}_proposed"] = forms.BooleanField(
                label=_("Propose"),
                required=False,
                initial=old.proposed if old else a.recognised,
            )
            for key, label in (
                ("for", _("In favour")),
                ("against", _("Against")),
                ("abstain", _("Abstaining")),
            ):
                self.fields[f"{prefix}_{key}"] = LocalIntegerField(
                    label=label,
                    min_value=0,
                    required=False,
                    initial=getattr(old, f"votes_{key}") if old else 0,
                )
            self.fields[f"{prefix}_note"] = forms.CharField(
                label=_("Note"), max_length=500, required=False, initial=old.note if old else ""
            )
            self.rows.append(
                (
                    a,
                    [
                        self[f"{prefix}_{k}"]
                        for k in ("proposed", "for", "against", "abstain", "note")
                    ],
                )
            )

    def proposals(self) -> list[cycle.ProposalRow]:
        data = self.cleaned_data
        return [
            cycle.ProposalRow(
                assessment=a.pk,
                proposed=data[f"p{a.pk}_proposed"],
                votes_for=data[f"p{a.pk}_for"] or 0,
                votes_against=data[f"p{a.pk}_against"] or 0,
                votes_abstain=data[f"p{a.pk}_abstain"] or 0,
                note=data[f"p{a.pk}_note"],
            )
            for a, _fields in self.rows
        ]
