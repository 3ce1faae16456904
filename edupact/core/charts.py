"""Small charts drawn on the server as inline SVG: no JavaScript, no network.

Each chart is a ``<figure>`` with the SVG (``role="img"``, a title and a description), and the
same figures as a table inside ``<details>`` for screen readers and for anyone who wants the
numbers. Values arrive with their display text already formatted for the reader (Persian
digits, toman…), so the chart never formats anything itself. In a right-to-left language the
time axis runs from right to left and horizontal bars grow from the right.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi

WIDTH, HEIGHT, PAD, LABEL = 640, 240, 8, 28
_ids = count(1)


@dataclass(frozen=True)
class Point:
    label: str  # category or month, as the reader reads it
    value: int
    text: str  # the value as the reader reads it


def _figure(kind: str, title: str, description: str, body: str, points, headers) -> SafeString:
    n = next(_ids)
    rows = "".join(
        format_html("<tr><th scope='row'>{}</th><td>{}</td></tr>", p.label, p.text) for p in points
    )
    svg = (
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart{n}-t chart{n}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="chart{n}-t">{escape(title)}</title>'
        f'<desc id="chart{n}-d">{escape(description)}</desc>{body}</svg>'
    )
    table = format_html(
        "<details><summary>{}</summary><table><thead><tr><th scope='col'>{}</th>"
        "<th scope='col'>{}</th></tr></thead><tbody>{}</tbody></table></details>",
        headers[2],
        headers[0],
        headers[1],
        mark_safe(rows),
    )
    return mark_safe(
        f'<figure class="chart-figure" data-chart="{kind}">{svg}'
        f"<figcaption>{escape(title)}</figcaption>{table}</figure>"
    )


def _scale(values: Sequence[int]) -> tuple[int, int]:
    low, high = min(0, *values), max(0, *values)
    return low, high if high > low else low + 1


def _x(index: int, n: int, rtl: bool) -> float:
    """Left edge of slot ``index`` of ``n``: the first slot on the reader's starting side."""
    slot = (WIDTH - 2 * PAD) / n
    position = n - 1 - index if rtl else index
    return PAD + position * slot


def columns(points: Sequence[Point], *, title: str, description: str, headers) -> SafeString:
    """Vertical bars from a zero line (negative values hang below it): monthly figures."""
    if not points:
        return SafeString("")
    rtl = get_language_bidi()
    low, high = _scale([p.value for p in points])
    plot = HEIGHT - LABEL - PAD
    zero = PAD + plot * high / (high - low)
    slot = (WIDTH - 2 * PAD) / len(points)
    parts = [f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{zero:.1f}" y2="{zero:.1f}" class="axis"/>']
    for i, p in enumerate(points):
        x = _x(i, len(points), rtl) + slot * 0.15
        h = plot * abs(p.value) / (high - low)
        y = zero - h if p.value >= 0 else zero
        sign = "pos" if p.value >= 0 else "neg"
        parts.append(
            f'<rect class="bar {sign}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}"><title>{escape(p.label)}: {escape(p.text)}</title></rect>'
        )
        parts.append(_tick(p.label, x + slot * 0.35, i, len(points)))
    return _figure("columns", title, description, "".join(parts), points, headers)


def line(points: Sequence[Point], *, title: str, description: str, headers) -> SafeString:
    """A balance over time: one polyline with a dot per month."""
    if not points:
        return SafeString("")
    rtl = get_language_bidi()
    low, high = _scale([p.value for p in points])
    plot = HEIGHT - LABEL - PAD
    slot = (WIDTH - 2 * PAD) / len(points)
    coords = []
    parts = []
    for i, p in enumerate(points):
        x = _x(i, len(points), rtl) + slot / 2
        y = PAD + plot * (high - p.value) / (high - low)
        coords.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(p.label)}: {escape(p.text)}</title></circle>"
        )
        parts.append(_tick(p.label, x, i, len(points)))
    zero = PAD + plot * high / (high - low)
    body = (
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{zero:.1f}" y2="{zero:.1f}" class="axis"/>'
        f'<polyline class="series" fill="none" points="{" ".join(coords)}"/>' + "".join(parts)
    )
    return _figure("line", title, description, body, points, headers)


def bars(points: Sequence[Point], *, title: str, description: str, headers) -> SafeString:
    """Horizontal bars by category (loans by status), growing from the reader's start side."""
    if not points:
        return SafeString("")
    rtl = get_language_bidi()
    high = max(1, *(p.value for p in points))
    row = (HEIGHT - 2 * PAD) / len(points)
    label_w, full = 200, WIDTH - 2 * PAD - 200 - 90
    parts = []
    for i, p in enumerate(points):
        y = PAD + i * row
        w = full * p.value / high
        mid = y + row / 2
        if rtl:
            lx, anchor, bx, tanchor = WIDTH - PAD, "end", WIDTH - PAD - label_w - w, "end"
            tx = bx - 6
        else:
            lx, anchor, bx, tanchor = PAD, "start", PAD + label_w, "start"
            tx = bx + w + 6
        parts.append(
            f'<text x="{lx}" y="{mid:.1f}" text-anchor="{anchor}" dominant-baseline="middle">'
            f"{escape(p.label)}</text>"
            f'<rect class="bar pos" x="{bx:.1f}" y="{y + row * 0.2:.1f}" width="{w:.1f}" '
            f'height="{row * 0.6:.1f}"/>'
            f'<text x="{tx:.1f}" y="{mid:.1f}" text-anchor="{tanchor}" '
            f'dominant-baseline="middle">{escape(p.text)}</text>'
        )
    return _figure("bars", title, description, "".join(parts), points, headers)


def _tick(label: str, x: float, index: int, n: int) -> str:
    """Month labels under the axis; with many months only every other one is written."""
    if n > 8 and index % 2:
        return ""
    return (
        f'<text class="tick" x="{x:.1f}" y="{HEIGHT - PAD}" text-anchor="middle">'
        f"{escape(label)}</text>"
    )
