"""Template filters that show dates, numbers and money the reader's way."""

from django import template
from django.utils.safestring import mark_safe

from .. import preferences
from ..calendars import format_date
from ..identifiers import mask
from ..money import Money, ReaderNumber, format_money, format_number
from ..text import isolate, reader_digits, script_digits, script_language

register = template.Library()


@register.filter
def localdate(value, style="short"):
    return format_date(value, preferences.calendar(), preferences.language(), style)


@register.filter
def number(value):
    """A quantity in the reader's digits and separators. A whole number stays a number
    (``ReaderNumber``), so ``{% blocktranslate count n=x|number %}`` picks the plural form
    and prints «۳» in fa."""
    if value is None or value == "":
        return ""
    text = format_number(value, preferences.language())
    if isinstance(value, int) and not isinstance(value, bool):
        return ReaderNumber(value, text)
    return text


@register.filter
def money(value, currency=None):
    """``{{ amount|money:"IRR" }}`` or ``{{ money_object|money }}``."""
    if value is None:
        return ""
    if not isinstance(value, Money):
        value = Money(int(value), currency)
    return format_money(value, preferences.language())


@register.filter
def digits(value):
    """Persian digits in fa for codes, phone numbers and counts shown as text."""
    return reader_digits(value, preferences.language())


@register.filter
def masked(value):
    return mask(value)


@register.simple_tag
def ltr(value):
    """Numbers and codes keep their left-to-right order inside right-to-left text."""
    return isolated(value)


@register.filter
def isolated(value):
    """An identifier set apart from the text around it: a document number such as
    «387/QĐ-TTg» keeps its own digits and its left-to-right order inside a Persian sentence
    (``{% blocktranslate with source=target.source|isolated %}``)."""
    if value is None or value == "":
        return ""
    return mark_safe(f'<bdi dir="ltr">{template.defaultfilters.force_escape(value)}</bdi>')


@register.filter
def isolated_text(value):
    """``isolated`` for plain text (a page title, an e-mail): Unicode isolates, no markup."""
    return isolate(value)


@register.filter
def in_language(obj):
    """A name or title in the reader's language when a translation is recorded.

    Digits are stored ASCII; a name keeps the digits of its own script
    (``core.text.script_digits``): «منطقه ۹» for a Persian reader, but «Khu phố 1» stays as
    Vietnamese writes it on a Persian page.
    """
    lang = preferences.language()
    text = "" if obj is None else str(obj)
    for attr in ("name_in", "title_in"):
        if hasattr(obj, attr):
            text = getattr(obj, attr)(lang)
            break
    return script_digits(text) if lang == "fa" else text


@register.filter
def named(obj):
    """``in_language``, marked with its own language when that is not the page's: a
    Vietnamese title on a Persian or English page is ``<span lang="vi">…</span>``."""
    text = in_language(obj)
    language = script_language(text)
    if language and language != preferences.language():
        escaped = template.defaultfilters.force_escape(text)
        return mark_safe(f'<span lang="{language}">{escaped}</span>')
    return text


@register.inclusion_tag("includes/export_links.html", takes_context=True)
def export_links(context, table=""):
    """Download links for a table of this page, keeping its filters (see core.exports)."""
    from django.utils.translation import gettext as _

    request = context["request"]
    query = request.GET.copy()
    for name in ("page", "format", "export"):
        query.pop(name, None)
    if table:
        query["export"] = table
    links = []
    for fmt, label in (("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV"))):
        query["format"] = fmt
        links.append({"label": label, "url": f"{request.path}?{query.urlencode()}", "format": fmt})
    return {"links": links}
