"""Persian pages show Persian digits everywhere a number is read — counts in sentences, years,
select options, paging, a PDF's page counter — while identifiers and names keep their own
digits: «Khu phố 1» stays as Vietnamese writes it, and a document number such as
«387/QĐ-TTg» is isolated (``<bdi dir="ltr">`` or Unicode isolates) so that the bidi
algorithm does not reorder it inside a Persian sentence."""

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from test_rotating import EVERYTHING, make_fund

import edupact
from edupact.core import pdf
from edupact.core.money import ReaderNumber
from edupact.core.scoping import Scope
from edupact.core.text import isolate, script_digits
from edupact.funds import services as fund_services
from edupact.funds.models import Fund
from edupact.rotating import rules as rotating_rules
from edupact.rotating import services as rotating_services

TEMPLATES = Path(edupact.__file__).resolve().parent / "templates"


def render(source: str, language: str = "fa", /, **context) -> str:
    with translation.override(language):
        return Template("{% load i18n edupact %}" + source).render(Context(context)).strip()


# Counts inside translated sentences ------------------------------------------------------


def test_number_is_a_number_that_prints_the_readers_digits():
    with translation.override("fa"):
        three = Template("{% load edupact %}{{ n|number }}").render(Context({"n": 3}))
    assert three == "۳"
    with translation.override("fa"):
        from edupact.core.templatetags.edupact import number

        value = number(12345)
    assert isinstance(value, ReaderNumber) and value == 12345 and value > 1
    assert str(value) == "۱۲٬۳۴۵" and f"{value}" == "۱۲٬۳۴۵" and f"{value:d}" == "12345"


def test_places_below_target_in_persian_digits():
    sentence = (
        "{% blocktranslate count n=n|number %}{{ n }} place below target.{% plural %}"
        "{{ n }} places below target.{% endblocktranslate %}"
    )
    assert render(sentence, n=3) == "۳ محل زیر هدف است."
    assert render(sentence, n=1) == "۱ محل زیر هدف است."
    assert render(sentence, "vi", n=3) == "3 địa bàn chưa đạt chỉ tiêu."
    assert render(sentence, "en", n=1) == "1 place below target."


def test_every_counted_sentence_in_the_templates_prints_the_readers_digits():
    """``{% blocktranslate count n=x %}`` prints ``n`` with Latin digits in Persian; the
    count goes through ``|number`` (or the sentence prints another, formatted variable)."""
    tag = re.compile(r"{%\s*blocktranslate\s+count\s+(\w+)=(\S+)(.*?)%}(.*?){%\s*endblocktranslate",
                     re.S)
    found, problems = 0, []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for var, expr, _rest, body in tag.findall(path.read_text(encoding="utf-8")):
            found += 1
            if "{{ " + var + " }}" in body and not expr.endswith("|number"):
                problems.append(f"{path.relative_to(TEMPLATES)}: count {var}={expr}")
    assert found >= 8
    assert not problems, "\n".join(problems)


# Years and titles -----------------------------------------------------------------------


def test_annual_statistics_title_in_persian_digits():
    title = (
        "{% blocktranslate with year=year|digits %}Learning models: annual statistics {{ year }}"
        "{% endblocktranslate %}"
    )
    assert render(title, year=2025) == "الگوهای یادگیری: آمار سالانهٔ ۲۰۲۵"
    assert render(title, "vi", year=2025).endswith("2025")
    page = (TEMPLATES / "evaluation" / "annual_report.html").read_text(encoding="utf-8")
    assert "{{ title }}" not in page  # the page builds it with the reader's digits


# Select options ---------------------------------------------------------------------------


class _Choices(forms.Form):
    year = forms.TypedChoiceField(coerce=int, choices=[(2025, "2025"), (2024, "2024")])
    code = forms.TypedChoiceField(coerce=int, choices=[(1, 1), (12, 12)])
    parts = forms.TypedChoiceField(coerce=int, choices=[(6, "6/12")])
    unit = forms.ChoiceField(choices=[("3480", "Khu phố 1"), ("9", "منطقه 9")])


def test_number_options_in_persian_digits_and_names_as_written():
    with translation.override("fa"):
        html = str(_Choices())
    assert '<option value="2025">۲۰۲۵</option>' in html
    assert '<option value="12">۱۲</option>' in html
    assert '<option value="6">۶/۱۲</option>' in html
    assert '<option value="3480">Khu phố 1</option>' in html  # a name keeps its digits
    assert '<option value="9">منطقه 9</option>' in html  # a label as the form gave it
    with translation.override("vi"):
        assert '<option value="2025">2025</option>' in str(_Choices())


# Paging --------------------------------------------------------------------------------


def test_paging_in_persian_digits():
    page = Paginator(list(range(120)), 50).get_page(2)
    request = RequestFactory().get("/x/?page=2&q=a")
    html = render('{% include "includes/pagination.html" %}', page=page, request=request)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "۲" in text and "۳" in text and "۱۲۰" in text
    assert not re.search(r"[0-9]", text), text


# Names and identifiers -------------------------------------------------------------------


def test_names_keep_the_digits_of_their_script():
    assert script_digits("منطقه 9") == "منطقه ۹"
    assert script_digits("Khu phố 1") == "Khu phố 1"
    assert render("{{ a|in_language }} · {{ b|in_language }}", a="منطقه 9", b="Khu phố 1") == (
        "منطقه ۹ · Khu phố 1"
    )


def test_document_numbers_are_isolated_and_keep_their_digits():
    by = (
        "{% blocktranslate with year=year|digits source=source|isolated %}by {{ year }}, "
        "{{ source }}{% endblocktranslate %}"
    )
    assert render(by, year=2025, source="387/QĐ-TTg") == (
        'تا سال ۲۰۲۵، <bdi dir="ltr">387/QĐ-TTg</bdi>'
    )
    assert render("{{ n|isolated }}", n="125/QĐ-UBND") == '<bdi dir="ltr">125/QĐ-UBND</bdi>'
    assert render("{{ n|isolated_text }}", n="125/QĐ-UBND") == "\u2066125/QĐ-UBND\u2069"
    assert isolate("") == ""


def test_document_numbers_in_persian_messages_are_isolated():
    with translation.override("fa"):
        text = translation.gettext("e.g. 387/QĐ-TTg or a local plan")
    assert text == "مثلاً \u2066387/QĐ-TTg\u2069 یا یک برنامهٔ محلی"


# The rotating fund page --------------------------------------------------------------------


@pytest.mark.django_db
def test_rotating_fund_page_in_persian_digits(tree, client_as):
    fund = make_fund(tree.kanoon, codes=3, due=2_000_000)
    codes = {code.number: code for code in fund.codes.all()}
    rotating_services.assign_code(EVERYTHING, codes[1], [(tree.member, 12)])
    rotating_services.assign_code(EVERYTHING, codes[2], [(tree.other_member, 12)])
    rotating_services.assign_code(EVERYTHING, codes[3], [(tree.kanoon_head, 6), (tree.member, 6)])
    draw_day = rotating_rules.month_date(fund, 1)
    rotating_services.run_draw(EVERYTHING, fund, mode="automatic", today=draw_day, seed="1396/02")
    html = client_as(tree.users["kanoon_leader"], "fa").get(fund.get_absolute_url())
    page = html.content.decode()
    assert '<dd><bdi dir="ltr">۱, ۲, ۳</bdi></dd>' in page  # the candidates: code numbers
    # The seed is hashed as typed: it is shown as typed, isolated, to re-run the draw.
    assert '<dd><bdi dir="ltr">1396/02</bdi></dd>' in page
    body = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", page, flags=re.S)
    body = body.replace("1396/02", "")
    latin = sorted(set(re.findall(r"\S*[0-9]\S*", body)))
    assert latin == ["SHA-256"], latin
    dues = client_as(tree.users["kanoon_leader"], "fa").get(f"/rotating/{fund.pk}/dues/")
    assert '<option value="3">۳</option>' in dues.content.decode()


# The statement PDF's page counter -------------------------------------------------------------


def test_page_counter_in_the_readers_digits():
    assert pdf.page_counter("fa") == 'counter(page, persian) " / " counter(pages, persian)'
    assert pdf.page_counter("vi") == 'counter(page, decimal) " / " counter(pages, decimal)'
    for name in ("funds/statement_pdf.html", "evaluation/annual_report_pdf.html"):
        assert "{{ page_counter|safe }}" in (TEMPLATES / name).read_text(encoding="utf-8")


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_the_persian_statement_counts_its_pages_in_persian_digits(tree, client_as, tmp_path):
    scope = Scope(everything=True)
    fund = fund_services.create_fund(scope, Fund(name="صندوق کانون ۹", kanoon=tree.kanoon))
    account = fund_services.open_account(scope, fund, person=tree.member)
    fund_services.deposit(scope, account, 1_800_000, dt.date(2017, 4, 9))
    member = client_as(tree.users["member"], "fa")
    response = member.get(f"/funds/accounts/{account.pk}/statement.pdf")
    assert response.status_code == 200
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    # pdftotext wraps right-to-left runs in embedding marks and drops the spaces around "/".
    plain = re.sub("[\u202a-\u202e\u2066-\u2069\\s]", "", text)
    assert "۱/۱" in plain and "1/1" not in plain


def test_an_isolated_identifier_keeps_its_digits_in_a_persian_sentence():
    """A message such as «حکم 125/QĐ-UBND …» passes through the page's digit filter whole: the
    sentence's count turns Persian, the decision number between its isolates does not."""
    from edupact.core.text import persian_digits

    sentence = f"حکم {isolate('125/QĐ-UBND')} تعداد 2 مورد"
    assert persian_digits(sentence) == "حکم \u2066125/QĐ-UBND\u2069 تعداد ۲ مورد"
    assert persian_digits("1 " + isolate("387/QĐ-TTg") + " 2 " + isolate("3")) == (
        "۱ \u2066387/QĐ-TTg\u2069 ۲ \u20663\u2069"
    )
