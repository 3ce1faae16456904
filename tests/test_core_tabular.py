"""The shared spreadsheet reader and writer used by every import and export."""

import pytest

from edupact.core import tabular

COLUMNS = {
    "national_code": ["national code", "کد ملی", "mã định danh"],
    "amount": ["amount", "مبلغ"],
}


def test_csv_headers_in_persian_map_to_fields_and_keep_row_numbers():
    content = "کد ملی;مبلغ\n۰۰۷۶۲۲۹۶۴۵;۱۰۰\n\n0076229645;200\n".encode()
    rows = tabular.read_rows(content, "deposits.csv", COLUMNS)
    assert [(r.number, r["national_code"], r["amount"]) for r in rows] == [
        (2, "0076229645", "100"),
        (4, "0076229645", "200"),
    ]


def test_xlsx_round_trip_with_vietnamese_header_and_numbers():
    content = tabular.to_xlsx(["Mã định danh", "Amount"], [["079123456789", 5], ["x", 7.0]])
    rows = tabular.read_rows(content, "a.xlsx", COLUMNS)
    assert [(r.number, r.values) for r in rows] == [
        (2, {"national_code": "079123456789", "amount": "5"}),
        (3, {"national_code": "x", "amount": "7"}),
    ]


def test_missing_column_is_named_before_any_row():
    with pytest.raises(tabular.TableError, match="amount"):
        tabular.read_rows(b"national code\n1\n", "a.csv", COLUMNS)


def test_not_a_workbook_is_a_clear_error():
    with pytest.raises(tabular.TableError):
        tabular.read_rows(b"PK\x03\x04garbage", "a.xlsx", COLUMNS)


def test_csv_export_opens_in_excel_with_a_bom_and_report_written_only_when_clean():
    assert tabular.to_csv(["نام"], [["علی"]]).startswith("\ufeff".encode())
    report = tabular.Report(rows=2)
    assert report.written
    report.error(3, "amount", "bad")
    assert not report.written and report.as_dict()["errors"] == [
        {"row": 3, "column": "amount", "message": "bad"}
    ]
    assert tabular.digest(b"a") == tabular.digest(b"a") != tabular.digest(b"b")
