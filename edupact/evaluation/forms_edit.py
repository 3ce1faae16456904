"""The framework editor: a form for the header and one formset row per criterion or
indicator (the rows of the XLSX exchange sheet), turned into the canonical JSON form that
``services.revise_framework`` checks. The form only reshapes input; the rules live in
``exchange.canonical`` and ``scoring``, whose errors are put back next to their row."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from edupact.core.forms import LocalDateField, LocalisedModelForm, NormalisedCharField
from edupact.core.text import ascii_digits

from . import exchange, scoring
from .forms import AnswerField
from .models import IndicatorKind, LearningModel, Style, Target

PAIR = re.compile(r"(\d+)\s*[=:]\s*(\d+(?:[.,]\d+)?)")


def _optional(label, **kwargs):
    return NormalisedCharField(label=label, required=False, **kwargs)


class FrameworkHeaderForm(forms.Form):
    """The framework's own fields, as the canonical form has them."""

    version = NormalisedCharField(label=_("Version"), max_length=40)
    name = NormalisedCharField(label=_("Name (Vietnamese)"), max_length=255)
    name_en = _optional(_("Name in English"), max_length=255)
    name_fa = _optional(_("Name in Persian"), max_length=255)
    model = forms.ChoiceField(label=_("Learning model"), choices=LearningModel.choices)
    style = forms.ChoiceField(label=_("Scoring style"), choices=Style.choices)
    valid_from = LocalDateField(label=_("Valid from"), required=False)
    valid_to = LocalDateField(label=_("Valid until (exclusive)"), required=False)
    legal_reference = _optional(
        _("Legal basis"), max_length=80, help_text=_("e.g. 448/QĐ-KHVN or TT-BGDĐT")
    )
    legal_date = LocalDateField(label=_("Document date"), required=False)
    legal_title = _optional(_("Document title"), max_length=300)
    pass_total = AnswerField(label=_("Pass total"), required=False)
    min_indicator = AnswerField(label=_("Minimum per indicator"), required=False)
    levels = _optional(_("Levels"), max_length=60, help_text=_("Levels frameworks: e.g. 1, 2"))
    bands = _optional(
        _("Classification bands"),
        max_length=500,
        help_text=_("code=name≥minimum; … (a * after the minimum: recognised subjects only)"),
    )
    unconfirmed = _optional(
        _("Unconfirmed fields"), max_length=300, help_text=_("e.g. pass_total, bands")
    )
    description = _optional(_("Description"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_levels(self):
        text = ascii_digits(self.cleaned_data["levels"])
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise ValidationError(_("List the levels as whole numbers, e.g. 1, 2."))
        return [int(p) for p in parts]

    def clean_bands(self):
        text = self.cleaned_data["bands"].replace(">=", "≥")
        if not text:
            return []
        problems: dict = {}
        bands = exchange.parse_bands(text, problems)
        if problems:
            raise ValidationError([m for messages in problems.values() for m in messages])
        return bands

    def clean_unconfirmed(self):
        return [u.strip() for u in self.cleaned_data["unconfirmed"].split(",") if u.strip()]

    @staticmethod
    def initial_from(data: dict, framework) -> dict:
        legal = data["legal_basis"] or {}
        return {
            **{k: data[k] for k in ("version", "name", "model", "style", "description")},
            "name_en": data["name_i18n"].get("en", ""),
            "name_fa": data["name_i18n"].get("fa", ""),
            "valid_from": framework.valid_from,
            "valid_to": framework.valid_to,
            "legal_reference": framework.legal_reference,
            "legal_date": framework.legal_date,
            "legal_title": legal.get("title", ""),
            "pass_total": data["pass_total"],
            "min_indicator": data["min_indicator"],
            "levels": ", ".join(str(x) for x in data["levels"]),
            "bands": exchange.bands_text(data["bands"]),
            "unconfirmed": ", ".join(data["unconfirmed"]),
        }


class NewFrameworkForm(FrameworkHeaderForm):
    """A framework created from scratch: its code and who it belongs to, then the header."""

    code = NormalisedCharField(label=_("Code"), max_length=40, help_text=_("e.g. TTHTCD-HCM"))
    owner = forms.ModelChoiceField(
        queryset=None,
        label=_("Belongs to"),
        required=False,
        empty_label=_("National (platform administrators)"),
        help_text=_("A local rubric belongs to a province's or commune's organisation."),
    )

    def __init__(self, *args, owners=None, national=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].required = not national
        self.order_fields(["code", "owner"])

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if any(c.isspace() for c in code):
            raise ValidationError(_("A code has no spaces, e.g. TTHTCD-HCM."))
        return code


class RowForm(forms.Form):
    """A criterion (no indicator code) or one of its indicators."""

    criterion = forms.CharField(label=_("Criterion"), max_length=20, required=False)
    indicator = forms.CharField(label=_("Indicator"), max_length=20, required=False)
    name = _optional(_("Name"), max_length=500)
    name_en = _optional(_("Name in English"), max_length=500)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", "—"), *IndicatorKind.choices]
    )
    max = AnswerField(label=_("Maximum"), required=False)
    levels = _optional(
        _("Thresholds or levels"),
        max_length=100,
        help_text=_("percentage: 1=90; 2=95 · yes/no: 1, 2"),
    )
    placeholder = forms.BooleanField(label=_("Placeholder"), required=False)
    derived_from = _optional(_("Derived from"), max_length=300)
    guidance = forms.CharField(
        label=_("Guidance"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def clean(self):
        data = super().clean()
        if not self.has_changed() and not data.get("criterion"):
            return data
        if not data.get("criterion"):
            self.add_error("criterion", _("Enter the criterion's code."))
        text = ascii_digits(data.get("levels") or "")
        kind = data.get("kind") or scoring.POINTS
        if data.get("indicator") and kind == scoring.PERCENT:
            pairs = PAIR.findall(text)
            if text.strip() and len(pairs) != len(re.findall(r"[=:]", text)):
                self.add_error("levels", _("Write the thresholds as level=percentage; …"))
            data["thresholds"] = {lv: _dec(v) for lv, v in pairs}
        elif data.get("indicator") and kind == scoring.BOOLEAN and text.strip():
            if not re.fullmatch(r"[\d,;\s]+", text):
                self.add_error("levels", _("List the levels as whole numbers, e.g. 1, 2."))
            data["level_list"] = [int(x) for x in re.findall(r"\d+", text)]
        return data

    @staticmethod
    def level_text(item: dict) -> str:
        if item["kind"] == scoring.PERCENT:
            return "; ".join(f"{k}={v}" for k, v in item["thresholds"].items())
        if item["kind"] == scoring.BOOLEAN:
            return ", ".join(str(x) for x in item["levels"])
        return ""


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


RowFormSet = forms.formset_factory(RowForm, extra=3, can_order=True, can_delete=True)
NewRowFormSet = forms.formset_factory(RowForm, extra=10, can_order=True, can_delete=True)

#: The canonical form of a framework with nothing in it yet (the editor's "before").
EMPTY = {"criteria": [], "name_i18n": {}}


def initial_rows(data: dict) -> list[dict]:
    rows = []
    for c in data["criteria"]:
        rows.append(
            {
                "criterion": c["code"],
                "name": c["name"],
                "name_en": c["name_i18n"].get("en", ""),
                "max": c["max"],
                "placeholder": c["placeholder"],
            }
        )
        for i in c["indicators"]:
            rows.append(
                {
                    "criterion": c["code"],
                    "indicator": i["code"],
                    "name": i["name"],
                    "name_en": i["name_i18n"].get("en", ""),
                    "kind": i["kind"],
                    "max": i["max"],
                    "levels": RowForm.level_text(i),
                    "placeholder": i["placeholder"],
                    "derived_from": i["derived_from"],
                    "guidance": i["guidance"],
                }
            )
    return rows


def _i18n(before: dict, english: str) -> dict:
    """Keep the other translations (Persian…) the editor does not show; replace English."""
    out = {k: v for k, v in before.items() if k != "en"}
    return out | ({"en": english} if english else {})


class Editor:
    """The header form and the rows together: ``data()`` is the framework's JSON form, and
    ``add_errors`` places a service's ValidationError on the field or row it names."""

    def __init__(self, framework, before: dict, post=None, owners=None, national=False):
        """``framework`` None: a new one (``NewFrameworkForm`` asks for its code and owner,
        more empty rows)."""
        self.framework = framework
        self.before = before
        self.errors: list[str] = []
        if framework is None:
            initial = {"style": scoring.POINTS}
            self.header = NewFrameworkForm(post, initial=initial, owners=owners, national=national)
            self.rows = NewRowFormSet(post, prefix="row")
            return
        initial = None if post else FrameworkHeaderForm.initial_from(before, framework)
        self.header = FrameworkHeaderForm(post, initial=initial)
        self.rows = RowFormSet(post, initial=None if post else initial_rows(before), prefix="row")

    def is_valid(self) -> bool:
        valid = self.header.is_valid() & self.rows.is_valid()
        if valid:
            self._link_rows()
        return valid and not self.rows.total_error_count()

    def _kept(self):
        return [f for f in self.rows.ordered_forms if f.cleaned_data.get("criterion")]

    def _link_rows(self):
        criteria = {
            f.cleaned_data["criterion"] for f in self._kept() if not f.cleaned_data["indicator"]
        }
        for f in self._kept():
            if f.cleaned_data["indicator"] and f.cleaned_data["criterion"] not in criteria:
                f.add_error(
                    "criterion",
                    _("Add a row for criterion %(code)s (without an indicator code).")
                    % {"code": f.cleaned_data["criterion"]},
                )

    def data(self) -> dict:
        h = self.header.cleaned_data
        names = {"en": h["name_en"], "fa": h["name_fa"]}
        legal = None
        if h["legal_reference"]:
            legal = {
                "reference": h["legal_reference"],
                "date": h["legal_date"].isoformat() if h["legal_date"] else None,
                "title": h["legal_title"],
            }
        out = {
            "code": self.framework.code if self.framework else h["code"],
            "version": h["version"],
            "name": h["name"],
            "name_i18n": {k: v for k, v in names.items() if v},
            "model": h["model"],
            "style": h["style"],
            "description": h["description"],
            "valid_from": h["valid_from"].isoformat() if h["valid_from"] else None,
            "valid_to": h["valid_to"].isoformat() if h["valid_to"] else None,
            "legal_basis": legal,
            "levels": h["levels"],
            "bands": h["bands"],
            "unconfirmed": h["unconfirmed"],
            "criteria": self._criteria(),
        }
        if h["style"] == scoring.POINTS:
            out["pass_total"] = h["pass_total"]
            out["min_indicator"] = h["min_indicator"] or 0
        return out

    def _criteria(self) -> list[dict]:
        old_c = {c["code"]: c for c in self.before["criteria"]}
        old_i = {i["code"]: i for c in self.before["criteria"] for i in c["indicators"]}
        criteria: dict[str, dict] = {}
        for f in self._kept():
            d = f.cleaned_data
            if not d["indicator"]:
                before = old_c.get(d["criterion"], {}).get("name_i18n", {})
                criteria[d["criterion"]] = {
                    "code": d["criterion"],
                    "name": d["name"],
                    "name_i18n": _i18n(before, d["name_en"]),
                    "max": d["max"],
                    "placeholder": d["placeholder"],
                    "indicators": [],
                }
        for f in self._kept():
            d = f.cleaned_data
            if not d["indicator"] or d["criterion"] not in criteria:
                continue
            kind = d["kind"] or scoring.POINTS
            item = {
                "code": d["indicator"],
                "name": d["name"],
                "name_i18n": _i18n(
                    old_i.get(d["indicator"], {}).get("name_i18n", {}), d["name_en"]
                ),
                "kind": kind,
                "placeholder": d["placeholder"],
                "derived_from": d["derived_from"],
                "guidance": d["guidance"],
            }
            if kind == scoring.POINTS:
                item["max"] = d["max"]
            elif kind == scoring.PERCENT:
                item["thresholds"] = d.get("thresholds", {})
            elif d.get("level_list"):
                item["levels"] = d["level_list"]
            criteria[d["criterion"]]["indicators"].append(item)
        return list(criteria.values())

    def add_errors(self, exc: ValidationError) -> None:
        """Each message on the header field, the indicator's row or the criterion's row."""
        rows = {}  # code → (row, column), the first row with the code winning
        for f in reversed(self._kept()):
            d = f.cleaned_data
            key = d["indicator"] or d["criterion"]
            rows[key] = (f, "indicator" if d["indicator"] else "criterion")
        aliases = {
            "legal_basis": "legal_reference",
            "code": "code" if self.framework is None else None,
            "criteria": None,
        }
        for key, messages in exc.message_dict.items():
            field = aliases.get(key, key.split(".")[0])
            if key in rows:
                target, column = rows[key]
                for message in messages:
                    target.add_error(column, message)
            elif field in self.header.fields:
                for message in messages:
                    self.header.add_error(field, message)
            else:
                self.errors.extend(
                    messages
                    if key in ("__all__", "criteria")
                    else [f"{key}: {m}" for m in messages]
                )


# Targets, indicator values, deadlines ------------------------------------------------------------


class TargetForm(LocalisedModelForm):
    """A local plan's target: the indicator, its learning model, the year it is due by,
    the province or commune, the share, the plan's number and date."""

    class Meta:
        model = Target
        fields = [
            "indicator",
            "model",
            "name",
            "year",
            "admin_unit",
            "value",
            "source",
            "source_date",
        ]

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin_unit"].queryset = places
        self.fields["admin_unit"].required = True
        self.fields["indicator"].help_text = _("e.g. household.recognised")


class IndicatorValueForm(forms.Form):
    """A figure from another system: numerator and denominator, so any level recomputes."""

    code = forms.CharField(label=_("Indicator"), max_length=60, help_text=_("e.g. citizen.worker"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    admin_unit = forms.ModelChoiceField(
        queryset=None, label=_("Place"), required=False, empty_label=_("Whole country")
    )
    numerator = forms.IntegerField(label=_("Numerator"), min_value=0)
    denominator = forms.IntegerField(label=_("Denominator"), min_value=1)
    source = forms.CharField(label=_("Source"), max_length=120, initial="manual")
    note = _optional(_("Note"), max_length=300)

    def __init__(self, *args, places=None, national=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin_unit"].queryset = places
        self.fields["admin_unit"].required = not national


class IndicatorValueCorrectionForm(forms.Form):
    """Correct a stored figure: its code, year, place and source identify it."""

    numerator = forms.IntegerField(label=_("Numerator"), min_value=0)
    denominator = forms.IntegerField(label=_("Denominator"), min_value=1)
    note = _optional(_("Note"), max_length=300)


class DeadlineForm(forms.Form):
    """One step's deadline for a place (prefix: the step)."""

    due = LocalDateField(label=_("Due on"))
    remind_days = forms.IntegerField(label=_("Remind days before"), min_value=0, max_value=60)
    inherit = forms.BooleanField(label=_("Use the one above"), required=False)
