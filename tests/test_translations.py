"""The Persian and Vietnamese catalogues: complete, well-formed, compiled, and in use.

Nothing here lists the messages themselves: after new strings are added, re-run
``makemessages -l fa -l vi``, translate, ``compilemessages``, and these tests check the result.
"""

import gettext
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.html import escape
from django.utils.translation.template import templatize

import edupact

PACKAGE = Path(edupact.__file__).resolve().parent
LOCALE_DIR = PACKAGE / "locale"
SOURCE_LANGUAGE = "en"
# Each translated language and the Plural-Forms its catalogue must declare.
PLURALS = {"fa": (2, "(n > 1)"), "vi": (1, "0")}
TRANSLATED = sorted(PLURALS)

# printf-style placeholders: %(name)s, %s, %d, %.2f … (not %%).
PRINTF = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)
TEMPLATE_VARIABLE = re.compile(r"\{\{.*?\}\}")
BRACE_FIELD = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}(?!\})")
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")

# Arabic letters and digits that look like Persian ones but are not (ي ك ى ة, ٠…٩).
ARABIC_LOOKALIKES = re.compile("[\u064a\u0643\u0649\u0660-\u0669]")
ZWNJ = "\u200c"

# The gettext keywords Django's makemessages passes to xgettext.
KEYWORDS = {
    "_": None, "gettext": None, "gettext_lazy": None, "gettext_noop": None,
    "ngettext": (1, 2), "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3), "npgettext_lazy": ((1, "c"), 2, 3),
}
TEMPLATE_SUFFIXES = {".html", ".txt"}


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def mo_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"


def load(language: str):
    with po_path(language).open("rb") as fh:
        return read_po(fh, locale=language)


def messages(catalog):
    """Every real message (not the header), as (label, ids, strings, message)."""
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        label = repr(ids[0]) if not message.context else f"{message.context!r}|{ids[0]!r}"
        yield label, ids, strings, message


def printf_placeholders(text: str) -> tuple[Counter, list]:
    """Named placeholders (any order) and positional ones (in order)."""
    named, positional = Counter(), []
    for m in PRINTF.finditer(text):
        if m["conv"] == "%":
            continue
        if m["name"] is not None:
            named[m.group(0)] += 1
        else:
            positional.append(m.group(0))
    return named, positional


def markers(text: str, flags) -> tuple:
    """Everything in a message that a translation must carry over unchanged."""
    named, positional = printf_placeholders(text) if "python-format" in flags else (Counter(), [])
    braces = Counter(BRACE_FIELD.findall(text)) if "python-brace-format" in flags else Counter()
    return (
        named,
        positional,
        braces,
        Counter(TEMPLATE_VARIABLE.findall(text)),
        Counter(HTML_TAG.findall(text)),
    )


def test_the_translated_languages_are_the_configured_ones():
    configured = {code for code, _name in settings.LANGUAGES}
    assert configured == {SOURCE_LANGUAGE, *TRANSLATED}


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_files_exist(language):
    assert po_path(language).is_file(), f"run makemessages -l {language}"
    assert mo_path(language).is_file(), "run compilemessages"


@pytest.mark.parametrize("language", TRANSLATED)
def test_header(language):
    catalog = load(language)
    assert not catalog.fuzzy, "the catalogue header is still marked fuzzy"
    assert catalog.mime_headers and dict(catalog.mime_headers).get("Language") == language
    assert (catalog.num_plurals, catalog.plural_expr) == PLURALS[language]
    assert catalog.charset.lower() == "utf-8"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_not_fuzzy(language):
    catalog = load(language)
    problems = []
    count = 0
    for label, ids, strings, message in messages(catalog):
        count += 1
        if message.fuzzy:
            problems.append(f"fuzzy: {label}")
        if len(ids) > 1 and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms, not {catalog.num_plurals}: {label}")
        if any(not s.strip() for s in strings):
            problems.append(f"untranslated: {label}")
    assert count, "the catalogue is empty"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_and_markup_match_the_source(language):
    problems = []
    for label, ids, strings, message in messages(load(language)):
        flags = message.flags
        if len(ids) == 1:
            if strings[0] and markers(strings[0], flags) != markers(ids[0], flags):
                problems.append(f"{label}: {strings[0]!r}")
            continue
        # Plurals: the general form must carry the plural msgid's placeholders; other forms
        # may drop the count ("one item") but must not invent placeholders.
        allowed = set()
        for source in ids:
            for part in markers(source, flags):
                allowed |= set(part if isinstance(part, list) else part.elements())
        for index, string in enumerate(strings):
            if not string:
                continue
            found = set()
            for part in markers(string, flags):
                found |= set(part if isinstance(part, list) else part.elements())
            if not found <= allowed:
                problems.append(f"{label}[{index}] adds {sorted(found - allowed)}")
        if strings[-1] and markers(strings[-1], flags) != markers(ids[-1], flags):
            problems.append(f"{label}[{len(strings) - 1}]: {strings[-1]!r}")
    assert not problems, "placeholders or markup differ:\n" + "\n".join(problems)


def test_persian_uses_persian_letters_and_digits():
    problems = []
    for label, _ids, strings, _message in messages(load("fa")):
        for string in strings:
            if ARABIC_LOOKALIKES.search(string):
                problems.append(f"Arabic letter or digit in {label}: {string!r}")
            if re.search(rf"(^|\s){ZWNJ}|{ZWNJ}(\s|$)|{ZWNJ}{ZWNJ}", string):
                problems.append(f"stray zero-width non-joiner in {label}: {string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_matches_the_po(language):
    """The committed .mo says what the .po says (a stale .mo fails: run compilemessages)."""
    catalog = load(language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    expected = gettext.GNUTranslations(buffer)
    with mo_path(language).open("rb") as fh:
        committed = gettext.GNUTranslations(fh)

    def content(translations):
        return {k: v for k, v in translations._catalog.items() if k != ""}

    want, have = content(expected), content(committed)
    stale = sorted(str(k) for k in want.keys() ^ have.keys())
    stale += sorted(str(k) for k in want.keys() & have.keys() if want[k] != have[k])
    assert not stale, "django.mo is out of date; run compilemessages:\n" + "\n".join(stale[:20])
    assert [committed.plural(n) for n in range(4)] == [expected.plural(n) for n in range(4)]


def source_messages() -> set:
    """What makemessages would extract from the package, without writing any file."""
    found = set()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in {".py", *TEMPLATE_SUFFIXES} or LOCALE_DIR in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix in TEMPLATE_SUFFIXES:
            text = templatize(text, origin=str(path))
        for _lineno, message, _comments, context in _extract(text):
            if message and (message[0] if isinstance(message, tuple) else message):
                found.add((context, message))
    return found


def _extract(text: str) -> list:
    """Babel's Python extractor over source or templatized text. A template whose tag spans
    indented lines templatizes to Python that does not tokenize; xgettext (makemessages) does
    not mind, so neither do we: the calls are re-read with the indentation removed."""
    try:
        return list(extract("python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS))
    except IndentationError:
        flat = "\n".join(line.lstrip() for line in text.splitlines())
        return list(extract("python", io.BytesIO(flat.encode("utf-8")), keywords=KEYWORDS))


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_covers_every_string_in_the_code(language):
    in_catalogue = {(m.context, m.id) for m in load(language) if m.id}
    missing = source_messages() - in_catalogue
    assert not missing, (
        "strings not in the catalogue; run makemessages -l fa -l vi, translate, "
        "compilemessages:\n" + "\n".join(sorted(repr(m) for _c, m in missing))
    )


@pytest.fixture
def plain_static_files(settings):
    """Render templates without a collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.parametrize(
    ("language", "direction"), [("fa", "rtl"), ("vi", "ltr"), (SOURCE_LANGUAGE, "ltr")]
)
def test_login_page_speaks_the_requested_language(client, plain_static_files, language, direction):
    if language == SOURCE_LANGUAGE:
        sign_in = "Sign in"
    else:
        sign_in = load(language)["Sign in"].string
        assert sign_in and sign_in != "Sign in"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f"<h1>{escape(sign_in)}</h1>" in html
    assert f'type="submit">{escape(sign_in)}</button>' in html
