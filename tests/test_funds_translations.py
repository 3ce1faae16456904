"""The funds app's own catalogues (edupact/funds/locale) cover its strings in fa and vi
until they are merged into edupact/locale; the UI speaks all three languages meanwhile."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent / "edupact"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
ARABIC_LOOKALIKES = re.compile("[\u064a\u0643\u0649\u0660-\u0669]")


def funds_messages() -> set[str]:
    files = [p for p in (ROOT / "funds").rglob("*.py") if "migrations" not in p.parts]
    files += list((ROOT / "templates" / "funds").rglob("*.html"))
    found = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = templatize(text, origin=str(path))
        for _line, message, _comments, _context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS
        ):
            if message:
                found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(path: Path, language: str) -> dict[str, str]:
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=language) if m.id}


@pytest.mark.parametrize("language", ["fa", "vi"])
def test_every_funds_string_is_translated(language):
    main = catalogue(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", language)
    app = catalogue(ROOT / "funds" / "locale" / language / "LC_MESSAGES" / "django.po", language)
    missing = sorted(m for m in funds_messages() if not (main.get(m) or app.get(m)))
    assert not missing, "untranslated:\n" + "\n".join(missing)
    for msgid, string in app.items():
        assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(msgid)), msgid
        assert not (language == "fa" and ARABIC_LOOKALIKES.search(string)), msgid


def test_the_compiled_catalogues_are_used():
    with translation.override("fa"):
        assert translation.gettext("Points available") == "امتیاز در دسترس"
    with translation.override("vi"):
        assert translation.gettext("Money-days") == "Tiền-ngày"
