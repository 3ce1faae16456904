"""PDF documents (statements, certificates), drawn by WeasyPrint from an HTML template.

Fonts come from the installed Noto packages (Noto Sans for Latin and Vietnamese, Noto Sans
Arabic for Persian) so that Persian letters are shaped and joined whatever the host has.
The renderer fetches nothing but those font files: no network, no other local file.
"""

from functools import cache
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher

from edupact.core import preferences

FONT_FAMILIES = {
    "Noto Sans": (fontpkg_noto_sans, "NotoSans[[]wdth,wght[]].ttf"),
    "Noto Sans Arabic": (fontpkg_noto_sans_arabic, "NotoSansArabic[[]wdth,wght[]].ttf"),
}


@cache
def font_files() -> dict[str, Path]:
    """The TTF file of each family, found in its package's ``files`` folder."""
    found = {}
    for family, (package, pattern) in FONT_FAMILIES.items():
        folder = Path(package.__file__).parent / "files"
        matches = sorted(folder.glob(pattern)) or sorted(folder.glob("*.ttf"))
        found[family] = matches[0].resolve()
    return found


# Noto Sans's glyph composition ("ccmp") splits i, o, u, y with a dot below into a base and
# a mark, which text extraction (search, copy, pdftotext) then reads as "Thi ị" for "Thị";
# the font has every precomposed Vietnamese letter, so the feature is not needed for it.
FEATURES = {"Noto Sans": 'font-feature-settings: "ccmp" 0; '}


def font_face_css() -> str:
    """``@font-face`` rules with file:// URLs (variable fonts: every weight in one file)."""
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
        f"{FEATURES.get(family, '')}font-style: normal; }}"
        for family, path in font_files().items()
    )


def font_stack(language: str | None = None) -> str:
    """Noto Sans Arabic first for Persian (Noto Sans for Latin digits and words in it)."""
    language = language or preferences.language()
    if language == "fa":
        return '"Noto Sans Arabic", "Noto Sans", sans-serif'
    return '"Noto Sans", "Noto Sans Arabic", sans-serif'


class _FontsOnly(URLFetcher):
    """Fetch the bundled font files and refuse every other URL."""

    def __init__(self):
        super().__init__(allowed_protocols=("file",))
        self._allowed = {path.as_uri() for path in font_files().values()}

    def fetch(self, url, headers=None):
        if url.split("?")[0] not in self._allowed:
            raise ValueError(f"Not a bundled font: {url}")
        return super().fetch(url, headers)


def page_counter(language: str | None = None) -> str:
    """The CSS ``content`` of a page footer, «۲ / ۵» in fa (WeasyPrint's ``persian``
    counter style) and "2 / 5" otherwise: ``content: {{ page_counter|safe }}``."""
    style = "persian" if (language or preferences.language()) == "fa" else "decimal"
    return f'counter(page, {style}) " / " counter(pages, {style})'


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    """The template rendered in the active language, as PDF bytes."""
    context = {
        **context,
        "font_faces": font_face_css(),
        "font_stack": font_stack(),
        "page_counter": page_counter(),
    }
    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url=None, url_fetcher=_FontsOnly()).write_pdf()
