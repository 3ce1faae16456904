"""Forms of the evaluation pages: trying answers on a framework, importing frameworks,
issuing a recognition decision."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from edupact.core import preferences
from edupact.core.forms import LocalisedModelForm
from edupact.core.text import ascii_digits

from . import scoring
from .models import RecognitionDecision


class AnswerField(forms.CharField):
    """A number as people type it: Persian digits, a decimal comma or point."""

    def to_python(self, value):
        text = ascii_digits(super().to_python(value) or "").strip().replace(",", ".")
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise forms.ValidationError(_("Enter a number.")) from exc

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "dir": "ltr", "autocomplete": "off", "size": 6})
        return attrs


class TryForm(forms.Form):
    """One field per indicator; the scorer, not the form, judges the values."""

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        language = preferences.language()
        self.codes: dict[str, str] = {}
        for criterion in criteria:
            for ind in criterion.indicator_list:
                name = f"i{ind.pk}"
                label = f"{ind.code} {ind.name_in(language)}"
                if ind.kind == scoring.BOOLEAN:
                    field = forms.BooleanField(label=label, required=False)
                else:
                    field = AnswerField(label=label, required=False)
                field.indicator = ind
                self.fields[name] = field
                self.codes[name] = ind.code

    def answers(self) -> dict:
        """The answers keyed by indicator code (empty numbers left out: 'No answer')."""
        return {
            self.codes[name]: value
            for name, value in self.cleaned_data.items()
            if value is not None
        }

    def add_scoring_errors(self, exc: scoring.ScoringError) -> None:
        by_code = {code: name for name, code in self.codes.items()}
        for problem in exc.problems:
            name = by_code.get(problem.indicator or "")
            self.add_error(name, problem.message)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file"), help_text=_("JSON (one framework or a list) or XLSX.")
    )
    dry_run = forms.BooleanField(
        label=_("Check only, import nothing"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".json", ".xlsx")):
            raise forms.ValidationError(_("Choose a .json or .xlsx file."))
        return upload


class AssessmentChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.subject.name


class DecisionForm(LocalisedModelForm):
    """Number, date (in the reader's calendar) and signer of a recognition decision, and the
    assessments it recognises (those awaiting a decision, all ticked at first)."""

    assessments = AssessmentChoices(
        queryset=None,
        label=_("Recognised subjects"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one assessment.")},
    )

    class Meta:
        model = RecognitionDecision
        fields = ["number", "date", "signer_title", "signer_name"]

    def __init__(self, *args, eligible=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessments"].queryset = eligible
        if not self.is_bound:
            self.initial["assessments"] = [a.pk for a in eligible]


# Bulk entry ---------------------------------------------------------------------------------------

MAX_BULK_FILE = 20 * 1024 * 1024


def _years():
    import datetime as dt

    this = dt.date.today().year
    return [(y, str(y)) for y in range(this, 2019, -1)]


class BulkTemplateForm(forms.Form):
    """Which template to generate: a hamlet or commune, a year, a learning model."""

    unit = forms.ModelChoiceField(queryset=None, label=_("Hamlet or commune"))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=_years)
    model = forms.ChoiceField(label=_("Learning model"), initial="household")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import LearningModel

        self.fields["unit"].queryset = units
        self.fields["model"].choices = LearningModel.choices


class BulkImportForm(forms.Form):
    file = forms.FileField(label=_("Filled-in template"), help_text=_("XLSX or CSV (UTF-8)."))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=_years)
    model = forms.ChoiceField(label=_("Learning model"), initial="household")
    dry_run = forms.BooleanField(
        label=_("Check only, import nothing"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import LearningModel

        self.fields["model"].choices = LearningModel.choices

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BULK_FILE:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Choose a .xlsx or .csv file."))
        return upload
