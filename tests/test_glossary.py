"""docs/glossary.md is the one source of the product's words: the catalogues must say what it says.

The glossary stays a document for people; these rules make it checkable as well:

* A table row is a term. Its English cell's key term is the text before any parenthesis; a
  dagger (†) marks a term not in the interface yet. ``deposit / withdrawal`` is two terms,
  paired in order with ``واریز / برداشت`` and ``gửi tiền / rút tiền``.
* In the Persian and Vietnamese cells, likewise, the rendering is the text before any
  parenthesis (the parenthesis explains it or gives the long form). After a semicolon,
  ``also: a, b`` lists other accepted forms (a plural that inflects, a short form in lists)
  and ``not: x, y`` lists variants that must not be used for this term.

* A row whose English cell begins ``states of …:`` lists the labels of a state (``states of a
  loan: requested / approved / rejected``). A label is checked where it is the whole message
  (a column, a badge, a choice): in a sentence the verb takes the sentence's grammar.

For every term in the interface, every message whose msgid names it (whole words, any case,
plural too; the longest term first, so "national code" is not also "code") must contain its
rendering or an accepted form in every translation, and no forbidden variant unless another
term the msgid names explains it. A term without a dagger must appear in some msgid and a term
with one in none, so a stale mark fails either way.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import edupact

PACKAGE = Path(edupact.__file__).resolve().parent
GLOSSARY = PACKAGE.parent / "docs" / "glossary.md"
HEADER = ("English", "فارسی", "Tiếng Việt", "Meaning")
COLUMNS = {"fa": 1, "vi": 2}
NOT_IN_INTERFACE = "†"

# Plurals English does not make with -s / -es / -ies.
IRREGULAR = {"criterion": "criteria"}

# Where a msgid uses a glossary word in another sense, so that the glossary's rendering would
# be wrong there: (English term, where, why). "where" is a regular expression for the words of
# the msgid that are blanked out for that term, or a source folder ("edupact/…/") whose
# messages use the word only in the other sense. Each exception must still be needed.
OTHER_SENSES = [
    # "code": the glossary's code is a place in a rotating lottery fund.
    ("code", "edupact/core/", "an identifier's digits (a province code inside a national code)"),
    ("code", "edupact/directory/", "an administrative unit's code"),
    ("code", "edupact/evaluation/", "the code of a subject, a framework or an indicator"),
    ("code", "edupact/templates/evaluation/", "the code of a subject, a criterion or an indicator"),
    ("code", "edupact/funds/", "the one-time SMS code of a gift, or a loan product's code"),
    ("code", "edupact/templates/funds/", "the one-time SMS code that confirms a gift"),
    # "share": the glossary's share is a holder's part of a lottery code.
    ("share", "edupact/evaluation/", "a percentage (the share of households recognised)"),
    ("share", "edupact/templates/evaluation/", "a percentage (the share of households recognised)"),
    ("share", r"do not share it", "the verb: do not tell anyone the code"),
    # "arrears": the glossary's arrears are a lottery holder's unpaid dues; a loan in arrears
    # has overdue instalments (معوق / quá hạn, in the instalment row).
    ("arrears", "edupact/funds/", "a loan's overdue instalments"),
    ("arrears", "edupact/templates/funds/", "a loan's overdue instalments"),
    # "balance" as a verb: debits equal credits.
    ("balance", r"must balance|ledger balances|does not balance", "the verb: debits equal credits"),
    ("balance", r"declining balance", "a loan's outstanding debt (ماندهٔ بدهی / dư nợ)"),
    ("minutes", r"(?:\d+|in)\s+minutes", "minutes of time"),
    ("point", r"\d+ points", "percentage points of a share"),
    ("committee vote", r"committee vote, each", "the verb: the members vote"),
    # "level": the glossary's level is a framework's level 1-3; these are administrative levels.
    ("level", r"level above|national level|top-level|city-level|this level|of the level|any level",
     "the administrative level (سطح / cấp)"),
    ("level", r"^level$", "the field naming a place's (or a deadline's) administrative level"),
    ("level", r"“levels”", "the literal value of a framework's scoring style"),
    ("code", r"^code$", "the field name shared by every model with a code; a lottery code's own "
     "labels say chân hụi"),
    ("place", r"meeting place", "the venue of a meeting (محل جلسه / địa điểm họp)"),
    ("place", r"in place", "the idiom: changed where it stands"),
    ("indicator", r"“indicators”|indicators sheet", "the workbook's sheet, named in English"),
    ("approved", "edupact/templates/evaluation/", "a hamlet's or commune's approved year"),
]

STATES = re.compile(r"states of [^:]+:\s*")
PARENTHESIS = re.compile(r"\s*\([^()]*\)")
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\{.*?\}\}|"
                         r"\{[^{}]*\}|</?[a-zA-Z][^<>]*>")


@dataclass
class Term:
    english: str
    in_interface: bool
    line: int
    label: bool = False  # a state's label: checked where it is the whole message
    renderings: dict = field(default_factory=dict)  # language -> accepted forms, first = the term
    forbidden: dict = field(default_factory=dict)  # language -> variants not to use

    def __str__(self):
        return f"{self.english!r} (glossary line {self.line})"


def normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ").casefold()


def _split_cell(cell: str, count: int, where: str) -> tuple[list, list]:
    """The cell's renderings (one list of accepted forms per term) and forbidden variants."""
    accepted, forbidden = [[] for _ in range(count)], [[] for _ in range(count)]
    head, *notes = [part.strip() for part in cell.split(";")]
    groups = [("", head)]
    for note in notes:
        kind, sep, rest = note.partition(":")
        if not sep or kind.strip() not in ("also", "not"):
            raise ValueError(f"{where}: after ';' write 'also: …' or 'not: …', not {note!r}")
        groups += [(kind.strip(), item) for item in PARENTHESIS.sub("", rest).split(",")]
    for kind, text in groups:
        parts = [PARENTHESIS.sub("", p).strip() for p in PARENTHESIS.sub("", text).split(" / ")]
        if len(parts) != count:
            raise ValueError(f"{where}: {text!r} has {len(parts)} parts for {count} terms")
        for index, part in enumerate(parts):
            if part:
                (forbidden if kind == "not" else accepted)[index].append(part)
    return accepted, forbidden


def parse_glossary(text: str) -> list[Term]:
    terms, in_table = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if tuple(cells) == HEADER:
            in_table = True
            continue
        if not in_table:
            raise ValueError(f"line {number}: a table without the header {HEADER}")
        if set("".join(cells)) <= set("- "):
            continue
        english = cells[0]
        key = PARENTHESIS.sub("", english.replace(NOT_IN_INTERFACE, ""))
        states = STATES.match(key)
        if states:
            key = key[states.end():]
        row = [
            Term(k.strip(), NOT_IN_INTERFACE not in english, number, label=bool(states))
            for k in key.split(" / ")
        ]
        for language, column in COLUMNS.items():
            accepted, forbidden = _split_cell(cells[column], len(row), f"line {number}")
            for term, forms, never in zip(row, accepted, forbidden, strict=True):
                if not forms:
                    raise ValueError(f"line {number}: no {language} rendering of {term.english!r}")
                term.renderings[language], term.forbidden[language] = forms, never
        terms += row
    return terms


def english_pattern(term: str) -> re.Pattern:
    """The term as whole words, any case, singular or plural, words joined by space or hyphen."""
    *words, last = [re.escape(w) for w in re.split(r"[\s-]+", term)]
    bare = last.lower()
    if bare in IRREGULAR:
        last = f"(?:{last}|{IRREGULAR[bare]})"
    elif bare.endswith("y") and bare[-2:-1] not in tuple("aeiou"):
        last = f"{last[:-1]}(?:y|ies)"
    elif bare.endswith(("s", "sh", "ch", "x")):
        last = f"{last}(?:es)?"
    else:
        last = f"{last}s?"
    return re.compile(r"\b" + r"[\s-]+".join([*words, last]) + r"\b", re.IGNORECASE)


def catalogue(language: str) -> list[tuple[list, list, int, tuple]]:
    path = PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as fh:
        entries = []
        for message in read_po(fh, locale=language):
            if not message.id:
                continue
            ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
            strings = message.string
            strings = list(strings) if isinstance(strings, tuple) else [strings]
            paths = tuple(path for path, _line in message.locations)
            entries.append(([PLACEHOLDER.sub(" ", i) for i in ids], strings, message.lineno, paths))
        return entries


@pytest.fixture(scope="module")
def terms():
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


def _mask_other_senses(term: Term, text: str, paths: tuple, used: set) -> str:
    """The msgid with the words that mean something else than ``term`` blanked out."""
    folders = {
        index: where for index, (english, where, _why) in enumerate(OTHER_SENSES)
        if english == term.english and where.startswith("edupact/")
    }
    if paths and folders and all(p.startswith(tuple(folders.values())) for p in paths):
        used.update(i for i, where in folders.items() if any(p.startswith(where) for p in paths))
        return ""
    for index, (english, where, _why) in enumerate(OTHER_SENSES):
        if english != term.english or index in folders:
            continue
        if re.search(where, text, re.IGNORECASE):
            used.add(index)
            text = re.sub(where, "\0", text, flags=re.IGNORECASE)
    return text


def named_terms(terms, ids: list, paths: tuple, used: set) -> list[Term]:
    """The glossary terms the msgid names in the glossary's sense, longest first: the words of a
    longer term are not read again as a shorter one."""
    found = []
    texts = list(ids)
    for term in sorted(terms, key=lambda t: -len(t.english)):
        pattern = english_pattern(term.english)
        hit = False
        for index, text in enumerate(texts):
            masked = _mask_other_senses(term, text, paths, used)
            if term.label:
                if pattern.fullmatch(masked.strip(" .:")):
                    hit, texts[index] = True, ""
                continue
            if pattern.search(masked):
                hit = True
                texts[index] = pattern.sub("\0", text)
        if hit:
            found.append(term)
    return found


def test_the_glossary_parses_into_terms(terms):
    keys = [t.english.casefold() for t in terms]
    assert len(keys) > 100
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"terms defined twice: {duplicates}"
    assert {"kanoon", "indicator", "target", "commune", "allocation round"} <= set(keys)


@pytest.mark.parametrize("language", sorted(COLUMNS))
def test_catalogue_renders_each_term_as_the_glossary_does(terms, language):
    problems, used = [], set()
    live = [t for t in terms if t.in_interface]
    for ids, strings, line, paths in catalogue(language):
        named = named_terms(live, ids, paths, used)
        for term in named:
            forms = [normal(f) for f in term.renderings[language]]
            for string in strings:
                text = normal(string)
                if not any(f in text for f in forms):
                    problems.append(
                        f"po line {line}: {ids[0][:70]!r} names {term} but {string[:90]!r} "
                        f"has none of {term.renderings[language]}"
                    )
                for variant in term.forbidden[language]:
                    explained = any(
                        normal(variant) in normal(form)
                        for other in named if other is not term
                        for form in other.renderings[language]
                    )
                    if normal(variant) in text and not explained:
                        problems.append(
                            f"po line {line}: {string[:90]!r} renders {term} as {variant!r}"
                        )
    assert not problems, f"{len(problems)} messages differ from the glossary:\n" + "\n".join(
        problems
    )


def test_marks_say_whether_a_term_is_in_the_interface(terms):
    """A term without † is used by some message; a term with † by none."""
    used = set()
    messages = [(ids, paths) for ids, _strings, _line, paths in catalogue("vi")]
    stale = []
    for term in terms:
        found = any(named_terms([term], ids, paths, used) for ids, paths in messages)
        if found != term.in_interface:
            state = "is in the interface: remove its †" if found else "is in no message: mark it †"
            stale.append(f"{term} {state}")
    assert not stale, "\n".join(stale)


def test_every_other_sense_exception_is_still_needed(terms):
    used = set()
    for ids, _strings, _line, paths in catalogue("vi"):
        named_terms([t for t in terms if t.in_interface], ids, paths, used)
    unused = [OTHER_SENSES[i] for i in range(len(OTHER_SENSES)) if i not in used]
    assert not unused, f"exceptions that match no message any more: {unused}"


@pytest.mark.parametrize(
    "cell, count, accepted, forbidden",
    [
        ("chỉ số (giá trị chỉ số); not: chỉ tiêu", 1, [["chỉ số"]], [["chỉ tiêu"]]),
        ("واریز / برداشت", 2, [["واریز"], ["برداشت"]], [[], []]),
        ("tặng điểm; also: tặng (in lists), tặng lại", 1, [["tặng điểm", "tặng", "tặng lại"]],
         [[]]),
        ("tỉnh/thành phố", 1, [["tỉnh/thành phố"]], [[]]),
    ],
)
def test_cell_syntax(cell, count, accepted, forbidden):
    assert _split_cell(cell, count, "here") == (accepted, forbidden)


def test_a_note_without_a_known_kind_is_refused():
    with pytest.raises(ValueError, match="write 'also: …' or 'not: …'"):
        _split_cell("tặng điểm; in lists: tặng", 1, "here")


@pytest.mark.parametrize(
    "term, text, found",
    [
        ("kanoon", "Kanoons of the fund", True),
        ("kanoon", "the kanoon's leader", True),
        ("criterion", "Criteria and indicators", True),
        ("allocation round", "Run an allocation round", True),
        ("money-days", "money days", True),
        ("activity", "Activities", True),
        ("fee", "feedback", False),
        ("commune", "communes", True),
    ],
)
def test_english_pattern(term, text, found):
    assert bool(english_pattern(term).search(text)) is found
