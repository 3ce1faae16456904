"""The shared form templates, as a screen reader meets them: every error and help text carries
the id that its control's aria-describedby names, a failed form opens with a summary linking to
each field, a group of check boxes is a fieldset with a legend and one label per box, and a
control in a table cell has its own label; names in another language carry ``lang``."""

import re

from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from edupact.core.templatetags.edupact import named
from edupact.core.text import script_language


class LoanForm(forms.Form):
    amount = forms.IntegerField(label="Amount", help_text="In toman.")
    committee = forms.MultipleChoiceField(
        label="Committee",
        choices=[("1", "Zahra Tehrani"), ("2", "Ali Karimi")],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="Note", required=False)


def ids(html: str) -> set[str]:
    return set(re.findall(r' id="([^"]+)"', html))


def described_by(html: str, name: str) -> list[str]:
    tag = re.search(rf'<(?:input|select|textarea)[^>]* name="{name}"[^>]*>', html).group(0)
    return re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()


def test_a_failed_form_links_each_error_to_its_field():
    html = render_to_string("includes/form_fields.html", {"form": LoanForm(data={"amount": "x"})})
    # Every id the amount box names exists: its help text and its error list.
    assert described_by(html, "amount") == ["id_amount_helptext", "id_amount_error"]
    assert {"id_amount_helptext", "id_amount_error"} <= ids(html)
    assert re.search(r'<input[^>]* name="amount"[^>]*aria-invalid="true"', html)
    # The error list is a plain list (no role that would hide its items)…
    assert re.search(r'<ul class="errorlist" id="id_amount_error"><li>', html)
    # …and the summary at the top links to each field in error, in the form's order.
    summary = html.split("data-error-summary>", 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in html.split("data-error-summary", 1)[0].rsplit("<div", 1)[1]
    assert re.findall(r'href="#([^"]+)"', summary) == ["id_amount", "id_committee_0"]
    assert "Amount: Enter a whole number." in summary
    # A valid field is neither invalid nor in the summary.
    assert 'name="note"' in html and not re.search(r'name="note"[^>]*aria-invalid', html)


def test_a_form_without_errors_has_no_summary():
    html = render_to_string("includes/form_fields.html", {"form": LoanForm()})
    assert "data-error-summary" not in html and "aria-invalid" not in html


def test_check_boxes_are_a_group_with_one_label_each():
    html = render_to_string("includes/form_fields.html", {"form": LoanForm()})
    group = html.split("<fieldset", 1)[1].split("</fieldset>", 1)[0]
    assert "<legend>Committee</legend>" in group
    labels = re.findall(r"<label[^>]*>(.*?)</label>", group, re.S)
    assert [re.sub(r"<[^>]+>", "", text).strip() for text in labels] == [
        "Zahra Tehrani",
        "Ali Karimi",
    ]
    assert 'for="id_committee_0"' in group and 'id="id_committee_0"' in group


def test_a_control_in_a_table_cell_has_its_own_label():
    form = LoanForm(data={"amount": ""}, prefix="rows-2")
    html = render_to_string("includes/cell_field.html", {"field": form["note"], "n": 3})
    assert '<label class="visually-hidden" for="id_rows-2-note">Note, row 3</label>' in html
    html = render_to_string(
        "includes/cell_field.html", {"field": form["amount"], "row": "Hộ ông Võ Văn Ba"}
    )
    assert ">Amount, Hộ ông Võ Văn Ba</label>" in html
    assert 'id="id_rows-2-amount_error"' in html


def test_names_in_another_language_carry_lang():
    assert script_language("Hộ ông Võ Văn Ba") == "vi"
    assert script_language("کانون محله ۹") == "fa"
    assert script_language("District 9") is None
    with translation.override("fa"):
        assert named("Hộ ông Võ Văn Ba") == '<span lang="vi">Hộ ông Võ Văn Ba</span>'
        assert named("کانون محله ۹") == "کانون محله ۹"
    with translation.override("en"):
        assert named("کانون <محله>") == '<span lang="fa">کانون &lt;محله&gt;</span>'
        assert named("District 9") == "District 9"
