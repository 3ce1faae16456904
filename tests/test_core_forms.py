"""Whole numbers typed the reader's way: Persian or ASCII digits, in a text box with the
numeric keypad (a browser's number box refuses ۲۱)."""

import pytest
from django.core.exceptions import ValidationError

from edupact.core.forms import LocalIntegerField
from edupact.evaluation.forms_cycle import MeetingForm


def test_persian_and_ascii_digits_read_the_same():
    field = LocalIntegerField(min_value=0)
    assert field.clean("۲۱") == 21 == field.clean(" 21 ")
    assert field.clean("٢١") == 21  # Arabic-Indic digits too
    with pytest.raises(ValidationError) as exc:
        field.clean("-۳")
    assert [e.code for e in exc.value.error_list] == ["min_value"]
    with pytest.raises(ValidationError) as exc:
        field.clean("۲۱الف")
    assert [e.code for e in exc.value.error_list] == ["invalid"]


def test_a_localised_model_form_takes_persian_digits_for_its_integers():
    form = MeetingForm()
    invited = form.fields["invited"]
    assert isinstance(invited, LocalIntegerField)
    widget = str(form["invited"])
    assert 'type="text"' in widget and 'inputmode="numeric"' in widget and 'dir="ltr"' in widget
    assert invited.clean("۳۰") == 30
    with pytest.raises(ValidationError):
        invited.clean("-۱")  # the model's positive integer keeps its lower bound
