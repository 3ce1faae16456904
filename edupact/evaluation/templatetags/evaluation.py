"""The dashboard's traffic light as a filter: a city ranks 168 communes, and an
``{% include %}`` per row cost more than everything else on the row."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop

register = template.Library()

LIGHTS = {
    "met": gettext_noop("met"),
    "close": gettext_noop("close"),
    "below": gettext_noop("below target"),
}


@register.filter
def light_badge(item) -> str:
    """``item["light"]`` (met, close, below or none) as a badge, then ≈ when the figure
    includes records placed through an approximate succession of units."""
    light = item.get("light")
    if light in LIGHTS:
        html = f'<span class="badge light light-{light}">● {escape(gettext(LIGHTS[light]))}</span>'
    else:
        html = '<span class="muted">—</span>'
    if item.get("approximate"):
        title = gettext(
            "Includes records placed through an approximate succession of units before July 2025."
        )
        word = escape(gettext("approximate"))
        html += f' <span class="badge" title="{escape(title)}">≈ {word}</span>'
    # The newline ends the line as the included template's last line did: pages stay byte-equal.
    return mark_safe(html + "\n")  # noqa: S308 — every piece above is escaped or a constant
