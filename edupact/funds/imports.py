"""Bulk imports into a fund: its members, and the deposits of a bank statement.

Both follow the contract of ``core.tabular.Report``: every row is validated first and every
error kept with its row and column; nothing is written when one row fails; a dry run stops
after validation; a file whose digest was already imported adds nothing, and neither does a
row already present (a member already in the fund, a bank reference already posted).

Deposits are written set-based, for statements of 100,000 rows: entries and lines in bulk
(``COPY`` on PostgreSQL) inside one transaction, and each touched account's running sums rolled
forward in closed form from its stored state and the aggregate of its new postings
(Σa, Σa·d, latest d) — the same numbers as posting the rows one by one, backdated ones
included, because money_days(T) = Σ a × (T − d) does not depend on the order of postings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from edupact.core import bounds, identifiers
from edupact.core.calendars import Calendar, InvalidDate, parse_date
from edupact.core.errors import Refused
from edupact.core.money import parse_amount
from edupact.core.scoping import Scope
from edupact.core.tabular import (
    Report,
    Row,
    TableError,
    digest,
    read_rows,
    to_xlsx,
)
from edupact.core.text import ascii_digits, normalise, search_key
from edupact.directory.models import NATIONAL_ID_TAKEN, Country, Organisation, Person

from . import payments, services
from .ledger import posting
from .models import (
    AccountKind,
    EntryKind,
    FileImport,
    Fund,
    FundAccount,
    ImportKind,
    JournalEntry,
    JournalLine,
    day_number,
    from_day_number,
)

LANGUAGES = ("en", "fa", "vi")
CHUNK = 900  # rows per IN (…) and per bulk insert: under every database's parameter limit
WRITE_CHUNK = {"postgresql": 20_000}  # rows per COPY; SQLite writes in CHUNKs

# Each field: its header as the template shows it (translated), then headers people type.
MEMBER_COLUMNS = {
    "national_code": (
        gettext_lazy("National code"),
        "national id",
        "کد ملی",
        "کدملی",
        "Số định danh",
        "CCCD",
    ),
    "given_name": (gettext_lazy("Given name"), "first name", "نام", "Tên"),
    "family_name": (
        gettext_lazy("Family name"),
        "last name",
        "surname",
        "نام خانوادگی",
        "Họ",
    ),
    "mobile": (
        gettext_lazy("Mobile"),
        "mobile phone",
        "phone",
        "موبایل",
        "تلفن همراه",
        "Số điện thoại",
    ),
    "organisation": (
        gettext_lazy("Organisation"),
        "organization",
        "school",
        "سازمان",
        "مدرسه",
        "Tổ chức",
        "Đơn vị",
    ),
    "kind": (gettext_lazy("Person or organisation"), "kind", "type", "نوع", "Loại"),
    "iban": (gettext_lazy("Sheba (IBAN)"), "sheba", "iban", "شبا", "شماره شبا", "Số IBAN"),
}
MEMBER_OPTIONAL = ("organisation", "kind", "iban")

DEPOSIT_COLUMNS = {
    "date": (gettext_lazy("Date"), "تاریخ", "Ngày", "Ngày giao dịch"),
    "amount": (gettext_lazy("Amount"), "مبلغ", "مبلغ (ریال)", "Số tiền"),
    "payer": (
        gettext_lazy("Payer"),
        "واریز کننده",
        "پرداخت کننده",
        "Người nộp",
        "national code",
        "کد ملی",
    ),
    "reference": (
        gettext_lazy("Bank reference"),
        "reference",
        "tracking number",
        "شماره پیگیری",
        "کد رهگیری",
        "شماره مرجع",
        "Mã giao dịch",
        "Số tham chiếu",
    ),
    "memo": (gettext_lazy("Memo"), "description", "شرح", "توضیحات", "Ghi chú", "Diễn giải"),
}
DEPOSIT_OPTIONAL = ("memo",)

COLUMNS = {ImportKind.MEMBERS: MEMBER_COLUMNS, ImportKind.DEPOSITS: DEPOSIT_COLUMNS}
OPTIONAL = {ImportKind.MEMBERS: MEMBER_OPTIONAL, ImportKind.DEPOSITS: DEPOSIT_OPTIONAL}

PERSON_WORDS = {"person", "individual", "شخص", "حقیقی", "cá nhân", "ca nhan"}
ORGANISATION_WORDS = {"organisation", "organization", "سازمان", "حقوقی", "tổ chức", "to chuc"}


def _aliases(columns: dict) -> dict[str, list[str]]:
    """Every header a field accepts: its label in each of our languages, then the typed ones,
    so a template downloaded in one language reads back in any."""
    result = {}
    for name, (label, *typed) in columns.items():
        shown = []
        for language in (translation.get_language() or "en", *LANGUAGES):
            with translation.override(language):
                shown.append(str(label))
        result[name] = [*dict.fromkeys(shown), name, *typed]
    return result


def column_label(kind: str, name: str) -> str:
    """A field's header in the reader's language (for error tables)."""
    columns = COLUMNS.get(kind, {})
    return str(columns[name][0]) if name in columns else name


def template(kind: str) -> bytes:
    """An empty workbook with the headers of ``kind`` in the reader's language."""
    columns = COLUMNS[ImportKind(kind)]
    return to_xlsx([str(aliases[0]) for aliases in columns.values()], [], title=str(kind))


# The common frame -------------------------------------------------------------------------------


def _read(report: Report, kind: str, content: bytes, filename: str) -> list[Row] | None:
    """The file's rows, or None with the reason on row 1 (the header) when unreadable."""
    try:
        rows = read_rows(content, filename, _aliases(COLUMNS[kind]), optional=OPTIONAL[kind])
    except TableError as exc:
        report.error(1, "", str(exc))
        return None
    report.rows = len(rows)
    return rows


def _already(fund: Fund, kind: str, file_digest: str, report: Report) -> bool:
    done = FileImport.objects.filter(fund=fund, kind=kind, digest=file_digest).first()
    if done is None:
        return False
    report.already_imported = True
    report.rows, report.skipped = done.rows, done.rows
    return True


def _record(fund, kind, file_digest, filename, user, report) -> FileImport:
    return FileImport.objects.create(
        fund=fund,
        kind=kind,
        digest=file_digest,
        filename=(filename or "")[-255:],
        created_by=user if getattr(user, "pk", None) else None,
        rows=report.rows,
        created=report.created,
        skipped=report.skipped,
    )


def _run(fund, kind, content, filename, dry_run, user, validate, write) -> Report:
    """Read, validate every row, then (unless told otherwise) write everything or nothing."""
    report = Report(dry_run=dry_run)
    file_digest = digest(content)
    if _already(fund, kind, file_digest, report):
        return report
    rows = _read(report, kind, content, filename)
    if rows is None:
        return report
    plan = validate(report, rows)
    if not report.ok or dry_run:
        return report
    try:
        with transaction.atomic():
            write(plan)
            _record(fund, kind, file_digest, filename, user, report)
    except Refused as exc:  # checked under lock: a balance past its bound, posted meanwhile
        report.error(1, "", exc.messages[0])
        report.created = 0
    except IntegrityError:
        # The same file imported meanwhile by someone else: its rows are in, ours are not.
        if not _already(fund, kind, file_digest, report):
            raise
        report.created = 0
    return report


def import_file(
    scope: Scope, fund: Fund, kind: str, content: bytes, filename: str, **options
) -> Report:
    """The importer of ``kind`` (members or deposits); the web page, API and CLI call this."""
    if kind == ImportKind.MEMBERS:
        return import_members(scope, fund, content, filename, **options)
    if kind == ImportKind.DEPOSITS:
        return import_deposits(scope, fund, content, filename, **options)
    raise ValueError(kind)


def history(fund: Fund):
    return FileImport.objects.filter(fund=fund).select_related("created_by")


# Members ----------------------------------------------------------------------------------------


@dataclass
class _Member:
    row: int
    person: Person | None = None  # new (unsaved) or found by national code
    organisation: Organisation | None = None  # the owner of an organisation's account


def import_members(
    scope: Scope,
    fund: Fund,
    content: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    user=None,
) -> Report:
    """Open an account for each person or organisation of the file.

    A person is found by national code or created (home organisation: the row's
    organisation in the kanoon's subtree, else the kanoon); someone already a member is
    skipped, not an error.
    """
    scope.require_write(fund)
    checker = _MemberRows(fund, scope)

    def write(plan: list[_Member]) -> None:
        today = timezone.localdate()
        for member in plan:
            if member.person is not None and member.person.pk is None:
                member.person.save()
            services.open_account(
                scope,
                fund,
                person=member.person,
                organisation=None if member.person else member.organisation,
                opened_on=today,
            )

    return _run(fund, ImportKind.MEMBERS, content, filename, dry_run, user, checker.check, write)


class _MemberRows:
    """Validation of a members file against the directory and the fund, in few queries."""

    def __init__(self, fund: Fund, scope: Scope):
        self.fund = fund
        self.scope = scope
        self.kanoon = fund.kanoon
        self.country = self.kanoon.country or Country.IRAN
        self.id_kind = (
            Person.IdKind.VN_CCCD
            if self.country == Country.VIETNAM
            else Person.IdKind.IR_NATIONAL_CODE
        )
        orgs = list(Organisation.objects.filter(path__startswith=self.kanoon.path))
        self.by_legal_id = {o.legal_id: o for o in orgs if o.legal_id}
        self.by_name = defaultdict(list)
        for o in orgs:
            for name in {o.name, *o.name_i18n.values()}:
                self.by_name[search_key(name)].append(o)

    def check(self, report: Report, rows: list[Row]) -> list[_Member]:
        codes = {}
        for row in rows:
            code = self._code(row)
            if code:
                codes.setdefault(code, row.number)

        # A person is linked only if the importer sees them (in the directory, or as a member
        # of this fund already); a code held by someone out of sight is refused as the
        # directory refuses it, naming no one (``NATIONAL_ID_TAKEN``).
        def holders(part):
            return Person.objects.filter(id_kind=self.id_kind, national_id__in=part)

        def seen(part):
            members = holders(part).filter(fund_accounts__fund=self.fund).values("pk")
            return holders(part).filter(
                Q(pk__in=self.scope.filter(holders(part)).values("pk")) | Q(pk__in=members)
            )

        people = {p.national_id: p for p in _in_chunks(seen, codes)}
        self.taken = set(
            _in_chunks(
                lambda part: holders(part).values_list("national_id", flat=True),
                [c for c in codes if c not in people],
            )
        )
        members = FundAccount.objects.filter(fund=self.fund, kind=AccountKind.MEMBER)
        member_people = set(members.exclude(person=None).values_list("person_id", flat=True))
        member_orgs = set(
            members.exclude(organisation=None).values_list("organisation_id", flat=True)
        )
        plan, seen_people, seen_orgs = [], {}, {}
        for row in rows:
            kind = self._kind(report, row)
            if kind == "organisation":
                member = self._organisation_row(report, row, seen_orgs, member_orgs)
            elif kind == "person":
                member = self._person_row(report, row, people, seen_people, member_people)
            else:
                member = None
            if member is not None:
                plan.append(member)
        if not report.ok:
            return []
        report.created, report.skipped = len(plan), report.rows - len(plan)
        return plan

    def _code(self, row: Row) -> str:
        try:
            if self.id_kind == Person.IdKind.VN_CCCD:
                return identifiers.vietnam_cccd(row["national_code"])
            return identifiers.iran_national_code(row["national_code"])
        except ValidationError:
            return ""

    def _kind(self, report: Report, row: Row) -> str | None:
        word = search_key(row["kind"])
        if not word or word in {search_key(w) for w in PERSON_WORDS}:
            return "person"
        if word in {search_key(w) for w in ORGANISATION_WORDS}:
            return "organisation"
        report.error(row.number, "kind", _("Write “person” or “organisation”."))
        return None

    def _organisation(self, report: Report, row: Row) -> Organisation | None:
        """The row's organisation by legal ID or exact name, within the kanoon's subtree."""
        text = row["organisation"]
        digits = "".join(ascii_digits(text).split()).replace("-", "")
        if digits.isdigit():
            if self.country == Country.IRAN:
                try:
                    digits = identifiers.iran_legal_id(digits)
                except ValidationError as exc:
                    report.error(row.number, "organisation", exc.messages[0])
                    return None
            found = self.by_legal_id.get(digits)
            if found is None:
                report.error(
                    row.number,
                    "organisation",
                    _("No organisation of this kanoon has the legal ID %(id)s.") % {"id": digits},
                )
            return found
        matches = self.by_name.get(search_key(text), [])
        if len(matches) == 1:
            return matches[0]
        message = (
            _("Several organisations of this kanoon are named “%(name)s”; use the legal ID.")
            if matches
            else _("No organisation of this kanoon is named “%(name)s”.")
        )
        report.error(row.number, "organisation", message % {"name": text})
        return None

    def _organisation_row(self, report, row, seen, members) -> _Member | None:
        if not row["organisation"]:
            report.error(row.number, "organisation", _("Name the organisation."))
            return None
        org = self._organisation(report, row)
        if org is None:
            return None
        if org.pk in seen:
            report.error(
                row.number,
                "organisation",
                _("This organisation is already on row %(row)s.") % {"row": seen[org.pk]},
            )
            return None
        seen[org.pk] = row.number
        if org.pk in members:
            return None
        return _Member(row.number, organisation=org)

    def _person_row(self, report, row, people, seen, members) -> _Member | None:
        errors = len(report.errors)
        if not row["national_code"]:
            report.error(row.number, "national_code", _("Enter the national code."))
            return None
        try:
            code = self._code_or_raise(row)
        except ValidationError as exc:
            report.error(row.number, "national_code", exc.messages[0])
            return None
        if code in seen:
            report.error(
                row.number,
                "national_code",
                _("This national code is already on row %(row)s.") % {"row": seen[code]},
            )
            return None
        seen[code] = row.number
        home = self._organisation(report, row) if row["organisation"] else self.kanoon
        person = people.get(code)
        if person is None and code in self.taken:
            report.error(row.number, "national_code", str(NATIONAL_ID_TAKEN))
            return None
        if person is None:
            person = self._new_person(report, row, code, home)
        else:
            self._check_contact(report, row)
        if len(report.errors) > errors or person is None or person.pk in members:
            return None
        return _Member(row.number, person=person)

    def _code_or_raise(self, row: Row) -> str:
        if self.id_kind == Person.IdKind.VN_CCCD:
            return identifiers.vietnam_cccd(row["national_code"])
        return identifiers.iran_national_code(row["national_code"])

    def _check_contact(self, report: Report, row: Row) -> None:
        """A known person is linked as they are, but a bad mobile or Sheba is still an error."""
        if row["mobile"]:
            try:
                identifiers.phone_e164(row["mobile"], self.country)
            except ValidationError as exc:
                report.error(row.number, "mobile", exc.messages[0])
        if row["iban"]:
            try:
                identifiers.bank_account(row["iban"])
            except ValidationError as exc:
                report.error(row.number, "iban", exc.messages[0])

    def _new_person(self, report, row, code, home) -> Person | None:
        if not row["family_name"]:
            report.error(row.number, "family_name", _("Enter the family name."))
        vietnamese = self.country == Country.VIETNAM
        person = Person(
            id_kind=self.id_kind,
            national_id=code,
            given_name=row["given_name"],
            family_name=row["family_name"],
            phone=row["mobile"],
            bank_account=row["iban"],
            home_organisation=home or self.kanoon,
            name_order=(
                Person.NameOrder.FAMILY_FIRST if vietnamese else Person.NameOrder.GIVEN_FIRST
            ),
        )
        try:
            person.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                column = PERSON_FIELD_COLUMN.get(field, field)
                if column == "family_name" and not row["family_name"]:
                    continue  # reported above
                for message in messages:
                    report.error(row.number, column, message)
            return None
        return person


PERSON_FIELD_COLUMN = {
    "national_id": "national_code",
    "phone": "mobile",
    "bank_account": "iban",
    "home_organisation": "organisation",
    "__all__": "",
}


def _in_chunks(query, values: Sequence | dict) -> list:
    values = list(values)
    found = []
    for start in range(0, len(values), CHUNK):
        found.extend(query(values[start : start + CHUNK]))
    return found


# Deposits ---------------------------------------------------------------------------------------


class Posting(NamedTuple):
    """One statement row to post (a tuple: 100,000 of them are built per statement)."""

    row: int
    account_id: int
    on: dt.date
    amount: int
    key: str
    memo: str


def reference_key(reference: str) -> str:
    """The idempotency key of a statement row: the fund is the other half of the unique key,
    so the same bank reference is posted once per fund, whatever file brings it."""
    return f"bank:{reference}"


def import_deposits(
    scope: Scope,
    fund: Fund,
    content: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    user=None,
    today: dt.date | None = None,
) -> Report:
    """Post each row of a bank statement as a deposit to the payer's member account — or,
    when the row is a payment a borrower recorded (its bank reference, payer and amount are
    the claim's), confirm that payment instead (``payments.confirm_from_statement``)."""
    scope.require_write(fund)
    checker = _DepositRows(fund, today or timezone.localdate())

    def write(plan: list[Posting]) -> None:
        # The claims still waiting, locked with their loans first: the order every repayment
        # takes (claim, loan, accounts, pool). A claim decided meanwhile: its row is a deposit.
        claims = payments.lock_claims(checker.claims)
        deposits = [p for p in plan if p.key not in claims]
        write_deposits(fund, deposits, user=user, also_lock=payments.receivables(claims))
        payments.confirm_from_statement(
            [(p, claims[p.key]) for p in plan if p.key in claims], user=user
        )

    return _run(fund, ImportKind.DEPOSITS, content, filename, dry_run, user, checker.check, write)


class _Memo(dict):
    """Cell text → (value, error message), parsed once per distinct text: a statement of
    100,000 rows has a few hundred dates and a few thousand payers."""

    def __init__(self, parse):
        super().__init__()
        self.parse = parse

    def __missing__(self, text):
        result = self[text] = self.parse(text)
        return result


class _DepositRows:
    def __init__(self, fund: Fund, today: dt.date):
        self.fund, self.today = fund, today
        self.start = fund_start(fund)
        self.payers = _payer_index(fund)
        self.dates = _Memo(self._date)
        self.amounts = _Memo(self._amount)
        self.accounts = _Memo(self._payer)
        self.claims: dict = {}  # row key → the borrower's payment the row confirms

    def check(self, report: Report, rows: list[Row]) -> list[Posting]:
        plan, seen = [], {}
        for row in rows:
            posting = self._row(report, row, seen)
            if posting is not None:
                plan.append(posting)
        if not report.ok:
            return []
        done = _posted_keys(self.fund, [p.key for p in plan])
        fresh = [p for p in plan if p.key not in done]
        self.claims = payments.matching_claims(self.fund, fresh)
        self._within_balances(report, fresh)
        if not report.ok:
            return []
        report.created, report.skipped = len(fresh), len(plan) - len(fresh)
        return fresh

    def _within_balances(self, report: Report, postings: list[Posting]) -> None:
        """No member's balance, and not the pool's, may pass ``MAX_BALANCE``: the row that
        would take it past is an error (``write_deposits`` checks again under lock)."""
        if not postings:
            return
        ids = {p.account_id for p in postings}
        running = dict(
            _in_chunks(
                lambda part: FundAccount.objects.filter(pk__in=part).values_list("pk", "balance"),
                ids,
            )
        )
        pool = posting.system_account(self.fund, AccountKind.POOL).balance
        over = set()  # the accounts already reported: one error for each, on its first row
        for p in postings:
            if p.key not in self.claims:  # a repayment credits the loan, not the member
                running[p.account_id] += p.amount
            pool += p.amount
            past = {
                key
                for key, balance in ((p.account_id, running[p.account_id]), ("pool", pool))
                if balance > bounds.MAX_BALANCE and key not in over
            }
            if past:
                over |= past
                report.error(p.row, "amount", posting.above_max_balance(self.fund).messages[0])

    def _row(self, report: Report, row: Row, seen: dict) -> Posting | None:
        values, number, failed = row.values, row.number, False
        on, message = self.dates[values.get("date", "")]
        if message is not None:
            report.error(number, "date", message)
            failed = True
        amount, message = self.amounts[values.get("amount", "")]
        if message is not None:
            report.error(number, "amount", message)
            failed = True
        account_id, message = self.accounts[values.get("payer", "")]
        if message is not None:
            report.error(number, "payer", message)
            failed = True
        reference = values.get("reference", "")  # normalised by the reader
        if not reference.isascii():
            reference = normalise(reference)
        message = None
        if not reference:
            message = _("Enter the bank reference.")
        elif len(reference) > 200:
            message = _("The bank reference is too long.")
        elif reference in seen:
            message = _("This bank reference is already on row %(row)s.") % {"row": seen[reference]}
        else:
            seen[reference] = number
        if message is not None:
            report.error(number, "reference", message)
            return None
        if failed:
            return None
        memo = values.get("memo", "")[:255]
        return Posting(number, account_id, on, amount, reference_key(reference), memo)

    def _date(self, text: str) -> tuple[dt.date | None, str | None]:
        try:
            on = statement_date(text, self.fund.calendar)
        except InvalidDate as exc:
            return None, str(exc)
        if on > self.today:
            return None, _("The date is in the future.")
        if on < self.start:
            return None, _("The date is before the fund existed.")
        try:
            bounds.check_date(on, earliest=bounds.MONEY_DATE_MIN)
        except ValidationError as exc:
            return None, exc.messages[0]
        return on, None

    @staticmethod
    def _amount(text: str) -> tuple[int | None, str | None]:
        try:
            amount = parse_amount(text)
        except ValueError as exc:
            return None, str(exc)
        try:
            return bounds.check_amount(amount), None
        except ValidationError as exc:
            return None, exc.messages[0]

    def _payer(self, text: str) -> tuple[int | None, str | None]:
        if not text:
            return None, _("Name the payer: national code, Sheba or account label.")
        found = self.payers.get(_payer_key(text))
        if found is None:
            return None, _("No member of this fund matches “%(payer)s”.") % {"payer": text}
        if found == AMBIGUOUS:
            return None, _("Several members of this fund match “%(payer)s”.") % {"payer": text}
        return found, None


def _posted_keys(fund: Fund, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the fund has already posted. The literal ``<> ''`` (not a parameter)
    lets the database answer from the partial unique index rather than scan the fund's
    entries. PostgreSQL takes all the keys as one array (one round trip for a statement);
    SQLite, which has no arrays, takes them ``CHUNK`` at a time in ``IN (…)``."""
    table, column = _table(JournalEntry), _columns(JournalEntry, "idempotency_key")
    sql = (
        f"SELECT {column} FROM {table} WHERE {_columns(JournalEntry, 'fund')} = %s "
        f"AND NOT ({column} = '') AND {column} "
    )
    found = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql + "= ANY(%s::text[])", [fund.pk, list(keys)])
            return {key for (key,) in cursor.fetchall()}
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            cursor.execute(sql + f"IN ({', '.join(['%s'] * len(part))})", [fund.pk, *part])
            found.update(key for (key,) in cursor.fetchall())
    return found


AMBIGUOUS = -1
_YEAR_FIRST = re.compile(r"^\s*(\d{4})\s*[/\-.]")
_YEAR_LAST = re.compile(r"[/\-.]\s*(\d{4})\s*$")


def statement_date(text: str, calendar: str) -> dt.date:
    """A statement date in the fund's calendar, except that a four-digit year tells the
    calendar itself: Iranian bank exports mix ``1403/01/15`` and ``2024-04-03``."""
    raw = ascii_digits(str(text)).strip()
    match = _YEAR_FIRST.match(raw) or _YEAR_LAST.search(raw)
    if match:
        year = int(match.group(1))
        if year >= 1700:
            calendar = Calendar.GREGORIAN
        elif year >= 1200:
            calendar = Calendar.JALALI
    return parse_date(raw, calendar)


def fund_start(fund: Fund) -> dt.date:
    """The day the fund began: its creation, or its first posting when history was loaded."""
    created = timezone.localdate(fund.created_at) if fund.created_at else timezone.localdate()
    first = JournalEntry.objects.filter(fund=fund).order_by("date").values_list("date", flat=True)
    first = first.first()
    return min(created, first) if first else created


def _payer_key(text: str) -> str:
    compact = ascii_digits(str(text)).replace(" ", "").replace("-", "")
    if compact.isdigit():
        return "id:" + compact
    if len(compact) >= 15 and compact[:2].isalpha() and compact[2:].isdigit():
        return "iban:" + compact.upper()
    return "label:" + search_key(text)


def _payer_index(fund: Fund) -> dict[str, int]:
    """Member accounts by national code, legal ID, Sheba and label, read in one query."""
    index: dict[str, int] = {}

    def put(key, pk):
        index[key] = pk if index.get(key, pk) == pk else AMBIGUOUS

    rows = FundAccount.objects.filter(fund=fund, kind=AccountKind.MEMBER).values_list(
        "pk", "person__national_id", "person__bank_account", "organisation__legal_id", "label"
    )
    for pk, code, iban, legal_id, label in rows.iterator(chunk_size=5000):
        for value in (code, legal_id):
            if value:
                put("id:" + value, pk)
        if iban:
            put("iban:" + iban.upper(), pk)
        if label:
            put("label:" + search_key(label), pk)
    return index


# The set-based write ----------------------------------------------------------------------------

ROLLED_FIELDS = ("balance", "last_posting_date", "money_days_at_last_posting", "first_deposit_date")


def write_deposits(fund: Fund, postings: list[Posting], *, user=None, also_lock=()) -> None:
    """Post ``postings`` as deposits (Dr pool, Cr member) in the caller's transaction.

    Members are locked in id order and the pool last; entries and lines go in by the
    database's own bulk writer (``_WRITERS``: ``COPY`` on PostgreSQL, prepared INSERTs on
    SQLite; the ORM's per-object work would cost more than the database's); the running sums
    of every touched account are set once from the closed form.
    """
    if not postings:
        return
    pool = posting.system_account(fund, AccountKind.POOL)
    # Members in id order, the pool last: the order every posting takes (ledger), so an
    # import and a deposit to the same member never wait on each other in a cycle.
    accounts = _lock(sorted(({p.account_id for p in postings} | set(also_lock)) - {pool.pk}))
    accounts.update(_lock([pool.pk]))
    author_id = user.pk if getattr(user, "pk", None) else None
    size = WRITE_CHUNK.get(connection.vendor, CHUNK)
    for start in range(0, len(postings), size):
        _insert_chunk(fund, postings[start : start + size], pool.pk, author_id)
    _save_running_sums(_rolled_all(fund, accounts, postings, pool.pk))


@dataclass(slots=True)
class Running:
    """The running sums of one account, read under lock (plain values: no model instances,
    so no per-object signal work for thousands of accounts)."""

    pk: int
    kind: str
    balance: int
    last_posting_date: dt.date | None
    money_days_at_last_posting: int
    first_deposit_date: dt.date | None


def _lock(ids: list[int]) -> dict[int, Running]:
    """Lock ``ids`` in id order and read their running sums. ``FOR NO KEY UPDATE``, the lock
    an ``UPDATE`` of the sums takes anyway: a row referencing the account meanwhile (a loan,
    a posting's line, whose foreign-key check takes ``FOR KEY SHARE``) need not wait for
    the import; a posting that updates the account still does."""
    found = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            FundAccount.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=ids[start : start + CHUNK])
            .order_by("pk")
            .values_list("pk", "kind", *ROLLED_FIELDS)
        )
        found.update((row[0], Running(*row)) for row in rows)
    return found


def _columns(model, *names) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(model._meta.get_field(n).column) for n in names)


ENTRY_FIELDS = ("fund", "date", "kind", "memo", "idempotency_key", "created_by", "created_at")
LINE_FIELDS = ("entry", "account", "amount", "day")


def _insert_chunk(fund: Fund, postings: Sequence[Posting], pool_id: int, author_id) -> None:
    """One chunk: the entries, then their two lines each (Dr pool, Cr member), through the
    database's own bulk writer (``_WRITERS``)."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    kind = EntryKind.DEPOSIT.value
    entries = [
        (fund.pk, ops.adapt_datefield_value(p.on), kind, p.memo, p.key, author_id, now)
        for p in postings
    ]
    write_entries, write_lines = _WRITERS.get(connection.vendor, _WRITERS["sqlite"])
    with connection.cursor() as cursor:
        ids = write_entries(cursor, entries)
        lines = []
        for entry, p in zip(ids, postings, strict=True):
            day = day_number(p.on)
            lines += [(entry, pool_id, p.amount, day), (entry, p.account_id, -p.amount, day)]
        write_lines(cursor, lines)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _entries_returning(cursor, entries: list[tuple]) -> list[int]:
    """Multi-row ``INSERT … RETURNING``; ids matched back by idempotency key (the order of
    RETURNING is not promised)."""
    ids = {}
    size = _batch(len(ENTRY_FIELDS))
    row = "(" + ", ".join(["%s"] * len(ENTRY_FIELDS)) + ")"
    for start in range(0, len(entries), size):
        batch = entries[start : start + size]
        cursor.execute(
            f"INSERT INTO {_table(JournalEntry)} ({_columns(JournalEntry, *ENTRY_FIELDS)}) "
            f"VALUES {', '.join([row] * len(batch))} "
            f"RETURNING {_columns(JournalEntry, 'id', 'idempotency_key')}",
            [value for entry in batch for value in entry],
        )
        ids.update((key, pk) for pk, key in cursor.fetchall())
    return [ids[entry[4]] for entry in entries]


def _lines_executemany(cursor, lines: list[tuple]) -> None:
    """SQLite works in this process: one prepared statement run per row is its fastest path
    (measured against multi-row INSERTs, see docs/performance.md)."""
    cursor.executemany(
        f"INSERT INTO {_table(JournalLine)} ({_columns(JournalLine, *LINE_FIELDS)}) "
        "VALUES (%s, %s, %s, %s)",
        lines,
    )


def _entries_copy(cursor, entries: list[tuple]) -> list[int]:
    """PostgreSQL: take the ids from the table's sequence, then ``COPY`` the rows with them —
    two round trips for the whole chunk."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [JournalEntry._meta.db_table, JournalEntry._meta.pk.column, len(entries)],
    )
    ids = [pk for (pk,) in cursor.fetchall()]
    rows = ((pk, *entry) for pk, entry in zip(ids, entries, strict=True))
    _copy(cursor, JournalEntry, ("id", *ENTRY_FIELDS), rows)
    return ids


def _lines_copy(cursor, lines: list[tuple]) -> None:
    _copy(cursor, JournalLine, LINE_FIELDS, lines)


def _copy(cursor, model, fields, rows) -> None:
    """``COPY … FROM STDIN`` in binary through psycopg 3 (the raw cursor under Django's
    wrapper): the server reads integers and dates as they are instead of parsing text."""
    sql = f"COPY {_table(model)} ({_columns(model, *fields)}) FROM STDIN (FORMAT BINARY)"
    types = [_pg_type(model._meta.get_field(name)) for name in fields]
    with cursor.cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _pg_type(field) -> str:
    """The column's type name as psycopg knows it: ``varchar(255)`` → ``varchar``."""
    return field.db_type(connection).split("(")[0]


# vendor → (write the entries and return their ids in order, write the lines)
_WRITERS = {
    "sqlite": (_entries_returning, _lines_executemany),
    "postgresql": (_entries_copy, _lines_copy),
}


def _batch(fields: int) -> int:
    """Rows per multi-row INSERT within the database's limit on parameters."""
    limit = connection.features.max_query_params or 65_535
    return max(1, min(CHUNK, limit // fields))


def _save_running_sums(accounts: list[Running]) -> None:
    """Set the rolled sums: one ``UPDATE … FROM unnest(arrays)`` on PostgreSQL (one
    statement for thousands of accounts), one prepared UPDATE per account on SQLite."""
    ops = connection.ops
    rows = [
        (
            a.balance,
            ops.adapt_datefield_value(a.last_posting_date),
            a.money_days_at_last_posting,
            ops.adapt_datefield_value(a.first_deposit_date),
            a.pk,
        )
        for a in accounts
    ]
    columns = _columns(FundAccount, *ROLLED_FIELDS).split(", ")
    table, key = _table(FundAccount), _columns(FundAccount, "id")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assignments = ", ".join(f"{c} = v.{c}" for c in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest("
                "%s::bigint[], %s::date[], %s::bigint[], %s::date[], %s::bigint[]"
                f") AS v({', '.join(columns)}, id) WHERE {table}.{key} = v.id",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        assignments = ", ".join(f"{c} = %s" for c in columns)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)


def _rolled_all(fund: Fund, accounts: dict[int, Running], postings, pool_id: int) -> list[Running]:
    """New running sums of every touched account: one pass over the postings gathers, per
    member account, Σa, Σa·d and the first and last day (the pool's are their totals);
    the closed form does the rest."""
    sums: dict[int, list[int]] = {}
    for p in postings:
        d = day_number(p.on)
        s = sums.get(p.account_id)
        if s is None:
            sums[p.account_id] = [p.amount, p.amount * d, d, d]
        else:
            s[0] += p.amount
            s[1] += p.amount * d
            if d < s[2]:
                s[2] = d
            elif d > s[3]:
                s[3] = d
    values = list(sums.values())
    sums[pool_id] = [
        sum(s[0] for s in values),
        sum(s[1] for s in values),
        min(s[2] for s in values),
        max(s[3] for s in values),
    ]
    changed = []
    for pk, (total, weighted, first, last) in sums.items():
        roll(accounts[pk], total, weighted, first, last)
        if abs(accounts[pk].balance) > bounds.MAX_BALANCE:  # the database check backs this
            raise posting.above_max_balance(fund)
        changed.append(accounts[pk])
    return changed


def roll(account: Running, total: int, weighted: int, first: int, last: int) -> None:
    """Add postings (in the account's direction, Σa = ``total``, Σa·d = ``weighted``, days
    ``first``…``last``) to the running sums: money_days at the new last posting day L' is
    the old money_days rolled to L' plus Σ a × (L' − d) = total × L' − weighted."""
    old = day_number(account.last_posting_date) if account.last_posting_date else None
    if old is None:
        new, md = last, 0
    else:
        new = max(old, last)
        md = account.money_days_at_last_posting + account.balance * (new - old)
    account.money_days_at_last_posting = md + total * new - weighted
    account.balance += total
    account.last_posting_date = from_day_number(new)
    if account.kind == AccountKind.MEMBER and total > 0:
        start = from_day_number(first)
        if account.first_deposit_date is None or start < account.first_deposit_date:
            account.first_deposit_date = start
