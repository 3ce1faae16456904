"""Imports of members and bank-statement deposits: every row checked, all or nothing, a dry
run, idempotent by file digest and by bank reference; the set-based write posts exactly what
posting row by row would."""

import datetime as dt
import io
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone
from factories import OrganisationFactory, iran_national_code
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from edupact.accounts.selectors import scope_for
from edupact.core.calendars import to_jalali
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.core.tabular import to_csv, to_xlsx
from edupact.core.text import persian_digits
from edupact.directory.models import Organisation, Person
from edupact.funds import imports, selectors, services
from edupact.funds.ledger import posting
from edupact.funds.models import (
    AccountKind,
    FileImport,
    Fund,
    FundAccount,
    JournalEntry,
    JournalLine,
)

EVERYTHING = Scope(everything=True)
TODAY = dt.date(2024, 9, 1)
SHEBA = "IR062960000000100324200001"


def legal_id(first_ten: str) -> str:
    """A valid Iranian legal-entity ID from its first ten digits."""
    bump = int(first_ten[9]) + 2
    weights = (29, 27, 23, 19, 17)
    s = sum((int(first_ten[i]) + bump) * weights[i % 5] for i in range(10)) % 11
    return first_ten + str(s % 10)


def code(n: int) -> str:
    return iran_national_code(900_000 + n)


def jalali(day: dt.date, persian: bool = True) -> str:
    text = to_jalali(day).strftime("%Y/%m/%d")
    return persian_digits(text) if persian else text


@pytest.fixture
def fund(tree):
    fund = services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))
    Fund.objects.filter(pk=fund.pk).update(created_at=timezone.make_aware(dt.datetime(2023, 1, 1)))
    fund.refresh_from_db()
    return fund


@pytest.fixture
def school(tree):
    return OrganisationFactory(
        name="دبستان کانون",
        kind=Organisation.Kind.SCHOOL,
        parent=tree.kanoon,
        legal_id=legal_id("1234567890"),
    )


MEMBER_HEADERS_FA = ["کد ملی", "نام", "نام خانوادگی", "تلفن همراه", "سازمان", "نوع", "شماره شبا"]


def members_csv(rows, headers=MEMBER_HEADERS_FA) -> bytes:
    return to_csv(headers, rows)


def import_members(fund, content, filename="members.csv", **kw):
    return imports.import_members(EVERYTHING, fund, content, filename, **kw)


def import_deposits(fund, content, filename="statement.csv", **kw):
    kw.setdefault("today", TODAY)
    return imports.import_deposits(EVERYTHING, fund, content, filename, **kw)


def counts():
    return (
        Person.objects.count(),
        FundAccount.objects.count(),
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        FileImport.objects.count(),
    )


# Members ----------------------------------------------------------------------------------------


def test_members_import_creates_links_and_skips_with_a_dry_run_first(fund, tree, school):
    services.open_account(EVERYTHING, fund, person=tree.other_member)
    content = members_csv(
        [
            [
                persian_digits(code(1)),
                "مریم",
                "احمدی",
                "+98 912 345 6789",
                school.legal_id,
                "",
                SHEBA,
            ],
            [code(2), "رضا", "کریمی", "۰۹۱۲۱۱۱۲۲۳۳", "", "حقیقی", ""],
            [tree.member.national_id, "زهرا", "تهرانی", "", "", "", ""],  # in the directory
            [tree.other_member.national_id, "", "ابراهیمی", "", "", "", ""],  # already a member
            ["", "", "", "", "دبستان کانون", "سازمان", ""],  # the school's own account
        ]
    )
    before = counts()
    dry = import_members(fund, content, dry_run=True)
    assert dry.ok and not dry.written
    assert (dry.rows, dry.created, dry.skipped) == (5, 4, 1)
    assert counts() == before

    report = import_members(fund, content, user=tree.users["kanoon_leader"])
    assert report.written and (report.created, report.skipped) == (4, 1)
    maryam = Person.objects.get(national_id=code(1))
    assert (maryam.phone, maryam.bank_account, maryam.home_organisation) == (
        "+989123456789",
        SHEBA,
        school,
    )
    assert Person.objects.get(national_id=code(2)).home_organisation == tree.kanoon
    members = FundAccount.objects.filter(fund=fund, kind=AccountKind.MEMBER)
    assert set(members.values_list("person_id", flat=True)) >= {
        maryam.pk,
        tree.member.pk,
        tree.other_member.pk,
    }
    assert members.filter(organisation=school).exists()
    record = FileImport.objects.get(fund=fund)
    assert (record.kind, record.rows, record.created, record.skipped) == ("members", 5, 4, 1)
    assert record.created_by == tree.users["kanoon_leader"]

    again = import_members(fund, content)
    assert again.already_imported and not again.written and again.created == 0
    same_people = import_members(fund, content + b"\n")  # another file, the same members
    assert same_people.written and (same_people.created, same_people.skipped) == (0, 5)
    assert members.count() == 5


def test_every_bad_member_row_is_reported_with_its_row_and_column_and_nothing_changes(
    fund, tree, school
):
    content = members_csv(
        [
            [code(1), "علی", "رضایی", "09121234567", "", "", ""],  # row 2: fine
            ["1234567890", "علی", "رضایی", "", "", "", ""],  # row 3: bad checksum
            [code(1), "علی", "رضایی", "", "", "", ""],  # row 4: duplicate of row 2
            [code(3), "علی", "", "", "", "", ""],  # row 5: no family name
            [code(4), "علی", "رضایی", "12", "", "", ""],  # row 6: bad mobile
            [code(5), "علی", "رضایی", "", "مدرسه ناشناس", "", ""],  # row 7: unknown org
            [code(6), "علی", "رضایی", "", "", "", "IR000000000000000000000000"],  # row 8
            [code(7), "علی", "رضایی", "", "", "گروه", ""],  # row 9: bad kind
            [code(8), "علی", "رضایی", "", "12345678901", "", ""],  # row 10: bad legal ID
            ["", "", "", "", tree.school_a.name, "سازمان", ""],  # row 11: outside the kanoon
        ]
    )
    before = counts()
    report = import_members(fund, content)
    assert not report.written and report.created == 0
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "national_code"),
        (4, "national_code"),
        (5, "family_name"),
        (6, "mobile"),
        (7, "organisation"),
        (8, "iban"),
        (9, "kind"),
        (10, "organisation"),
        (11, "organisation"),
    }
    duplicate = next(e for e in report.errors if e.row == 4)
    assert "row 2" in duplicate.message
    assert counts() == before


def test_a_missing_column_is_reported_on_the_header_row(fund):
    report = import_members(fund, to_csv(["کد ملی", "نام"], [[code(1), "علی"]]))
    assert not report.ok and report.errors[0].row == 1
    assert "Family name" in report.errors[0].message


def test_an_xlsx_with_vietnamese_headers_is_read_too(fund):
    content = to_xlsx(
        ["Số định danh", "Tên", "Họ", "Số điện thoại"], [[code(9), "Lan", "Lê", "09121230000"]]
    )
    report = import_members(fund, content, filename="thanh-vien.xlsx")
    assert report.written and report.created == 1


def test_the_downloaded_template_reads_back_in_every_language(fund):
    from django.utils import translation

    for language in ("fa", "vi", "en"):
        with translation.override(language):
            book = imports.template("members")
        sheet = load_workbook(io.BytesIO(book)).active
        headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
        content = to_csv(headers, [[code(20), "A", "B", "", "", "", ""]])
        report = import_members(fund, content, dry_run=True)
        assert report.ok and report.created == 1, (language, report.as_dict())


def test_only_writers_of_the_kanoon_may_import(fund, tree):
    content = members_csv([[code(1), "علی", "رضایی", "", "", "", ""]])
    # The banker reads the fund (403); the member and the principal do not (404, as missing).
    for role, refusal in (
        ("member", NotFound),
        ("social_banker", ReadOnly),
        ("principal", NotFound),
    ):
        scope = scope_for(tree.users[role])
        with pytest.raises(refusal):
            imports.import_members(scope, fund, content, "m.csv")
    for role in ("kanoon_leader", "secretariat"):
        scope = scope_for(tree.users[role])
        assert imports.import_members(scope, fund, content, "m.csv", dry_run=True).ok


# Deposits ---------------------------------------------------------------------------------------

DEPOSIT_HEADERS_FA = ["تاریخ", "مبلغ", "واریز کننده", "شماره پیگیری", "شرح"]


@pytest.fixture
def members(fund, tree, school):
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member, label="Bob's savings")
    Person.objects.filter(pk=tree.other_member.pk).update(bank_account=SHEBA)
    org = services.open_account(EVERYTHING, fund, organisation=school)
    return alice, bob, org


def statement(rows) -> bytes:
    return to_csv(DEPOSIT_HEADERS_FA, rows)


def test_a_bank_statement_posts_deposits_once_whatever_file_brings_them(fund, tree, members):
    alice, bob, org = members
    d1, d2 = dt.date(2024, 3, 20), dt.date(2024, 4, 19)
    services.deposit(EVERYTHING, alice, 1_000, dt.date(2024, 4, 9))
    content = statement(
        [
            [jalali(d1), "۱٬۰۰۰٬۰۰۰", persian_digits(tree.member.national_id), "۷۷۰۱", "حقوق"],
            [d2.isoformat(), "250,000", SHEBA, "7702", ""],
            [jalali(d2, persian=False), "5000", "bob's savings", "7703", ""],
            [jalali(d2), "40", org.organisation.legal_id, "7704", ""],
        ]
    )
    dry = import_deposits(fund, content, dry_run=True)
    assert dry.ok and (dry.created, dry.skipped) == (4, 0) and not dry.written
    assert JournalEntry.objects.filter(fund=fund).count() == 1

    report = import_deposits(fund, content, user=tree.users["kanoon_leader"])
    assert report.written and report.created == 4
    a, b = FundAccount.objects.get(pk=alice.pk), FundAccount.objects.get(pk=bob.pk)
    # Alice: 1,000 on 04-09, then 1,000,000 backdated to 03-20: at 04-09 that is 20 days.
    assert (a.balance, a.last_posting_date, a.first_deposit_date) == (
        1_001_000,
        dt.date(2024, 4, 9),
        d1,
    )
    assert a.money_days_at_last_posting == 1_000_000 * 20
    assert (b.balance, b.last_posting_date, b.money_days_at_last_posting) == (255_000, d2, 0)
    assert selectors.account_points(a, dt.date(2024, 5, 9)).money_days == (
        1_000_000 * 50 + 1_000 * 30
    )
    assert services.verify(fund) == []
    entry = JournalEntry.objects.get(fund=fund, idempotency_key="bank:7701")
    assert (entry.memo, entry.created_by) == ("حقوق", tree.users["kanoon_leader"])

    assert import_deposits(fund, content).already_imported
    overlapping = statement(
        [
            [jalali(d2), "250000", SHEBA, "7702", ""],  # already posted
            [jalali(d2), "300", tree.member.national_id, "7705", ""],
        ]
    )
    later = import_deposits(fund, overlapping)
    assert later.written and (later.created, later.skipped) == (1, 1)
    assert FundAccount.objects.get(pk=bob.pk).balance == 255_000
    assert JournalEntry.objects.filter(fund=fund).count() == 6
    assert [r.rows for r in imports.history(fund)] == [2, 4]


def test_every_bad_statement_row_is_reported_and_nothing_is_posted(fund, tree, members):
    alice, *_ = members
    ok_code = tree.member.national_id
    content = statement(
        [
            ["1403/01/10", "1000", ok_code, "1", ""],  # row 2: fine
            ["1403/01/10", "1000", code(50), "2", ""],  # row 3: not a member
            ["1403/01/10", "-5", ok_code, "3", ""],  # row 4: negative
            ["1403/01/10", "ده هزار", ok_code, "4", ""],  # row 5: not a number
            ["1404/01/10", "1000", ok_code, "5", ""],  # row 6: in the future
            ["1390/01/10", "1000", ok_code, "6", ""],  # row 7: before the fund
            ["1403/01/11", "1000", ok_code, "1", ""],  # row 8: duplicate reference
            ["1403/13/40", "1000", ok_code, "7", ""],  # row 9: no such date
            ["1403/01/10", "1000", "", "8", ""],  # row 10: no payer
            ["1403/01/10", "1000", ok_code, "", ""],  # row 11: no reference
        ]
    )
    before = counts()
    report = import_deposits(fund, content)
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "payer"),
        (4, "amount"),
        (5, "amount"),
        (6, "date"),
        (7, "date"),
        (8, "reference"),
        (9, "date"),
        (10, "payer"),
        (11, "reference"),
    }
    assert not report.written and counts() == before
    assert FundAccount.objects.get(pk=alice.pk).balance == 0


@pytest.mark.django_db(transaction=True)
def test_a_crash_during_the_bulk_write_rolls_everything_back(tree, monkeypatch):
    fund = services.create_fund(EVERYTHING, Fund(name="Crash fund", kanoon=tree.kanoon))
    Fund.objects.filter(pk=fund.pk).update(created_at=timezone.make_aware(dt.datetime(2023, 1, 1)))
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    services.deposit(EVERYTHING, alice, 77, dt.date(2024, 1, 1))
    rows = [
        [f"2024-02-{1 + i % 28:02d}", str(100 + i), tree.member.national_id, f"R{i}", ""]
        for i in range(2 * imports.CHUNK + 10)
    ]
    calls = []
    real = imports._insert_chunk

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args)

    monkeypatch.setattr(imports, "_insert_chunk", failing)
    # PostgreSQL COPYs larger chunks: write this file in CHUNKs there too, so it fails midway.
    monkeypatch.setattr(imports, "WRITE_CHUNK", {})
    before = counts()

    def state():
        return sorted(
            FundAccount.objects.filter(fund=fund).values_list(
                "pk", "balance", "money_days_at_last_posting", "last_posting_date"
            )
        )

    accounts_before = state()
    with pytest.raises(RuntimeError):
        import_deposits(fund, statement(rows))
    assert len(calls) == 2  # the first chunk had been inserted
    assert counts() == before
    assert state() == accounts_before
    assert services.verify(fund) == []
    monkeypatch.setattr(imports, "_insert_chunk", real)
    assert import_deposits(fund, statement(rows)).created == len(rows)
    assert services.verify(fund) == []


def test_postings_after_a_bulk_import_take_fresh_ids(fund, tree, members):
    """PostgreSQL writes the entries with ids it took from their sequence: a later posting
    through the service gets the next ids, not one the import used."""
    alice, bob, _ = members
    rows = [[f"2024-05-0{1 + i}", "100", tree.member.national_id, f"S{i}", ""] for i in range(3)]
    assert import_deposits(fund, statement(rows)).created == 3
    imported = set(JournalEntry.objects.filter(fund=fund).values_list("pk", flat=True))
    lines = set(JournalLine.objects.filter(entry__in=imported).values_list("pk", flat=True))
    later = services.deposit(EVERYTHING, bob, 7, dt.date(2024, 6, 1))
    assert later.pk > max(imported)
    assert min(later.lines.values_list("pk", flat=True)) > max(lines)
    assert services.verify(fund) == []


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_an_import_and_a_posting_to_the_same_member_do_not_deadlock(tree):
    """A posting holds its member's row and then takes the pool's; the import takes its
    members in id order and then the pool, so it waits for the posting instead of holding
    the pool the posting needs (which PostgreSQL would end as a deadlock, aborting one)."""
    fund = services.create_fund(EVERYTHING, Fund(name="Busy fund", kanoon=tree.kanoon))
    Fund.objects.filter(pk=fund.pk).update(created_at=timezone.make_aware(dt.datetime(2023, 1, 1)))
    fund.refresh_from_db()
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    bob = services.open_account(EVERYTHING, fund, person=tree.other_member)
    rows = [
        ["2024-05-01", "300", tree.member.national_id, "D1", ""],
        ["2024-05-02", "40", tree.other_member.national_id, "D2", ""],
    ]
    held, go, errors = threading.Event(), threading.Event(), []

    def posting():
        try:
            with transaction.atomic():
                FundAccount.objects.select_for_update().get(pk=alice.pk)  # the member first
                held.set()
                go.wait(30)
                services.deposit(EVERYTHING, alice, 5, dt.date(2024, 6, 1))  # then the pool
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def bulk():
        try:
            errors.extend(import_deposits(fund, statement(rows)).errors)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=posting), threading.Thread(target=bulk)]
    threads[0].start()
    assert held.wait(30)
    threads[1].start()
    for _ in range(300):  # until the import waits for the member's row
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
        time.sleep(0.05)
    else:
        pytest.fail(f"the import never waited for the posting: {errors}")
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert FundAccount.objects.get(pk=alice.pk).balance == 305
    assert FundAccount.objects.get(pk=bob.pk).balance == 40
    assert services.verify(fund) == []


# Bulk equals row by row --------------------------------------------------------------------------

BASE = dt.date(2024, 1, 1)
postings = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 200), st.integers(1, 10**9)), max_size=25
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=postings, rows=postings)
def test_bulk_import_equals_deposits_row_by_row(tree, before, rows):
    """Same prior history in two funds; the file goes in by bulk import in one and by
    ``services.deposit`` row by row (in file order, backdated rows included) in the other."""
    funds, accounts = [], []
    for name in ("bulk", "row by row"):
        fund = services.create_fund(EVERYTHING, Fund(name=name, kanoon=tree.kanoon))
        Fund.objects.filter(pk=fund.pk).update(
            created_at=timezone.make_aware(dt.datetime(2023, 1, 1))
        )
        fund.refresh_from_db()
        people = (tree.member, tree.other_member, tree.kanoon_head)
        accounts.append([services.open_account(EVERYTHING, fund, person=p) for p in people])
        for who, day, amount in before:
            services.deposit(EVERYTHING, accounts[-1][who], amount, BASE + dt.timedelta(day))
        funds.append(fund)
    people = (tree.member, tree.other_member, tree.kanoon_head)
    content = statement(
        [
            [
                (BASE + dt.timedelta(day)).isoformat(),
                str(amount),
                people[who].national_id,
                f"r{i}",
                "",
            ]
            for i, (who, day, amount) in enumerate(rows)
        ]
    )
    report = import_deposits(funds[0], content)
    assert report.ok and report.created == len(rows)
    for i, (who, day, amount) in enumerate(rows):
        services.deposit(
            EVERYTHING, accounts[1][who], amount, BASE + dt.timedelta(day), idempotency_key=f"r{i}"
        )
    fields = ("balance", "last_posting_date", "money_days_at_last_posting", "first_deposit_date")
    for bulk, single in zip(*accounts, strict=True):
        bulk, single = (FundAccount.objects.get(pk=a.pk) for a in (bulk, single))
        assert [getattr(bulk, f) for f in fields] == [getattr(single, f) for f in fields]
        for offset in (-1, 0, 50, 150, 201, 400):
            on = BASE + dt.timedelta(offset)
            assert selectors.account_points(bulk, on) == selectors.account_points(single, on)
    pools = [posting.system_account(f, AccountKind.POOL) for f in funds]
    assert [getattr(pools[0], f) for f in fields] == [getattr(pools[1], f) for f in fields]
    assert services.verify(funds[0]) == []
