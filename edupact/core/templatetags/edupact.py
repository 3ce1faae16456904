"""Template filters that show dates, numbers and money the reader's way."""

from django import template
from django.utils.safestring import mark_safe

from .. import preferences
from ..calendars import format_date
from ..identifiers import mask
from ..money import Money, format_money, format_number
from ..text import persian_digits, reader_digits, script_language

register = template.Library()


@register.filter
def localdate(value, style="short"):
    return format_date(value, preferences.calendar(), preferences.language(), style)


@register.filter
def number(value):
    if value is None or value == "":
        return ""
    return format_number(value, preferences.language())


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
    return mark_safe(f'<bdi dir="ltr">{template.defaultfilters.force_escape(value)}</bdi>')


@register.filter
def in_language(obj):
    """A name or title in the reader's language when a translation is recorded.

    Digits are stored ASCII; Persian readers see Persian digits ("منطقه ۹").
    """
    lang = preferences.language()
    text = "" if obj is None else str(obj)
    for attr in ("name_in", "title_in"):
        if hasattr(obj, attr):
            text = getattr(obj, attr)(lang)
            break
    return persian_digits(text) if lang == "fa" else text


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
