"""Form fields that read input the reader's way (calendar, digits, Persian letters)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates

from . import bounds, preferences
from .calendars import (
    GREGORIAN_MONTHS,
    JALALI_MONTHS_FA,
    JALALI_MONTHS_LATIN,
    Calendar,
    InvalidDate,
    format_date,
    parse_date,
)
from .money import parse_amount
from .text import ascii_digits, normalise, reader_digits


class LocalDateField(forms.CharField):
    """A date typed in the reader's calendar, Persian or ASCII digits, e.g. ۹۶/۰۱/۲۰."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.validators = []  # max_length limits the typed text (widget); the value is a date

    def prepare_value(self, value):
        if hasattr(value, "year"):
            calendar = preferences.calendar()
            if calendar == Calendar.GREGORIAN:
                return value.strftime("%d/%m/%Y")  # what parse_date reads back, day first
            return format_date(value, calendar, "en")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_date(value, preferences.calendar())
        except InvalidDate as exc:
            raise ValidationError(str(exc), code="invalid_date") from exc

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"})
        return attrs


class LocalIntegerField(forms.IntegerField):
    """A whole number typed with Persian or ASCII digits (۲۱ or 21). A text box with the
    numeric keypad: a browser's number box refuses Persian digits."""

    widget = forms.TextInput

    def to_python(self, value):
        if isinstance(value, str):
            value = ascii_digits(value).strip()
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"})
        return attrs


class NormalisedCharField(forms.CharField):
    """Text stored the one way: NFC, Persian yeh/kaf, ASCII digits, ZWNJ kept."""

    def to_python(self, value):
        return normalise(super().to_python(value))


class LocalisedModelForm(forms.ModelForm):
    """Dates in the reader's calendar, whole numbers in Persian or ASCII digits and
    normalised text for every field of the model."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in list(self.fields.items()):
            if isinstance(field, forms.DateField):
                replacement = LocalDateField(
                    required=field.required, label=field.label, help_text=field.help_text
                )
                self.fields[name] = replacement
            elif type(field) is forms.IntegerField:
                self.fields[name] = LocalIntegerField(
                    required=field.required,
                    label=field.label,
                    help_text=field.help_text,
                    initial=field.initial,
                    min_value=field.min_value,
                    max_value=field.max_value,
                )
            elif type(field) is forms.CharField:
                field.__class__ = NormalisedCharField


def identity_field(label, *, phone: bool = False, max_length: int = 20) -> forms.CharField:
    """A national code (or legal ID) or a mobile number typed to find someone: left-to-right,
    the right keypad on a phone, never autofilled with the reader's own."""
    attrs = {"inputmode": "tel" if phone else "numeric", "dir": "ltr", "autocomplete": "off"}
    return forms.CharField(label=label, max_length=max_length, widget=forms.TextInput(attrs=attrs))


class AmountField(forms.CharField):
    """A whole amount in minor units; Persian digits and separators allowed. Within the
    domain bounds (``core.bounds``): from ``minimum`` (1 by default) to ``MAX_AMOUNT``."""

    def __init__(self, *args, minimum: int = 1, **kwargs):
        self.minimum = minimum
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            amount = parse_amount(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="amount") from exc
        return self.bounded(amount)

    def bounded(self, amount: int) -> int:
        return bounds.check_amount(amount, minimum=self.minimum)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"})
        return attrs


def month_choices(calendar: str) -> list[tuple[int, str]]:
    """The twelve months of the fund's calendar, named as its members name them. (Here and
    not in ``calendars``, which ``preferences`` imports: the names follow the reader's
    language.)"""
    if calendar == "jalali":
        names = JALALI_MONTHS_FA if preferences.language() == "fa" else JALALI_MONTHS_LATIN
    else:
        names = GREGORIAN_MONTHS
    return [(i, str(name)) for i, name in enumerate(names, start=1)]


def add_errors(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: each field's messages beside the field, the
    rest (and messages of fields the form does not have) above it."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def error_lines(exc: ValidationError) -> list[str]:
    """Every message, prefixed with where it applies (a row, an indicator, a field)."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        message if key == "__all__" else f"{key}: {message}"
        for key, messages in exc.message_dict.items()
        for message in messages
    ]


# A choice label that is only a number (a year, a code's number, parts of 12) as opposed to
# a name that contains one («Khu phố 1», which keeps its own digits).
_NUMBER_LABEL = re.compile(r"[0-9]+(?:[/.][0-9]+)*")


class LocalisedRenderer(DjangoTemplates):
    """The form renderer (``FORM_RENDERER``): a select's options that are numbers are shown
    in the reader's digits (۲۰۲۵, ۱۲), for every form at once. Only the label changes; the
    submitted value stays the same, and text labels (names) are left as written."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if isinstance(widget, dict) and "optgroups" in widget:
            language = preferences.language()
            if language == "fa":
                for _group, options, _index in widget["optgroups"]:
                    for option in options:
                        option["label"] = _number_label(option["label"], language)
        return super().render(template_name, context, request=request)


def _number_label(label, language: str):
    if isinstance(label, bool):
        return label
    if isinstance(label, int) or (isinstance(label, str) and _NUMBER_LABEL.fullmatch(label)):
        return reader_digits(label, language)
    return label
