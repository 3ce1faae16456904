"""A large kanoon fund, written with set-based SQL: members, accounts and a year of deposits.

One kanoon with one fund (created by ``services.create_fund``: pool, fee income and
adjustments), ``accounts`` members (a person each, with a Persian name from a lookup
table), and ``postings`` deposits spread evenly over the ``days`` days before ``end``,
each a balanced journal entry of two lines (Dr pool, Cr member), on accounts picked by a
multiplicative hash (some members deposit often, a few never), amounts 100,000 to
5,000,000 rials. Then the running sums of every account (balance, last posting date,
money-days at the last posting, first deposit) are set from the lines by one
``UPDATE … FROM (GROUP BY)``, exactly what the services would have kept.

Rows are generated inside the database: ``INSERT … SELECT`` over ``generate_series``
(PostgreSQL) or a recursive CTE (SQLite); lines are derived from the entries by id.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

SEED = 1404
HASH = 2654435761
NAMES = 2048


@dataclass
class Plan:
    accounts: int
    postings: int
    days: int
    end: dt.date
    fund_id: int = 0
    kanoon_id: int = 0
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def _series(n: int) -> tuple[str, str]:
    if connection.vendor == "postgresql":
        return "", f"generate_series(0, {n - 1}) AS seq(i)"
    return (
        f"WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1}) ",
        "seq",
    )


def _date(day_sql: str) -> str:
    """SQL for the date of a day number (days since 2000-01-01)."""
    if connection.vendor == "postgresql":
        return f"(DATE '2000-01-01' + CAST({day_sql} AS INTEGER))"
    return f"date('2000-01-01', '+' || ({day_sql}) || ' days')"


def _execute(sql: str, params=None) -> int:
    """One statement; with ``params`` a literal ``%`` is written ``%%``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _scalar(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def load(accounts: int, postings: int, days: int, end: dt.date, log=print) -> Plan:
    plan = Plan(accounts, postings, days, end)
    started = time.perf_counter()

    def step(name, work):
        t = time.perf_counter()
        result = work()
        plan.timings[name] = round(time.perf_counter() - t, 2)
        log(f"  {name}: {plan.timings[name]:.1f} s")
        return result

    step("fund", lambda: _fund(plan))
    with transaction.atomic():
        step("people", lambda: _people(plan))
        step("accounts", lambda: _accounts(plan))
        step("entries", lambda: _entries(plan))
        step("lines", lambda: _lines(plan))
        step("running sums", lambda: _running_sums(plan))
    step("analyse", _analyse)
    plan.timings["total"] = round(time.perf_counter() - started, 2)
    plan.counts = counts(plan.fund_id)
    return plan


def counts(fund_id: int) -> dict:
    return {
        "accounts": _scalar(f"SELECT COUNT(*) FROM funds_fundaccount WHERE fund_id = {fund_id}"),
        "entries": _scalar("SELECT COUNT(*) FROM funds_journalentry"),
        "lines": _scalar("SELECT COUNT(*) FROM funds_journalline"),
        "people": _scalar("SELECT COUNT(*) FROM directory_person"),
    }


def _fund(plan: Plan) -> None:
    from edupact.core.scoping import Scope
    from edupact.directory.models import Organisation
    from edupact.funds import services
    from edupact.funds.models import Fund

    kanoon = Organisation.objects.create(
        name="کانون قرض‌الحسنه منطقه ۹ (بنچمارک)",
        kind=Organisation.Kind.KANOON,
        country="IR",
        language="fa",
        calendar="jalali",
        currency="IRR",
        time_zone="Asia/Tehran",
    )
    fund = services.create_fund(
        Scope(everything=True), Fund(name="صندوق کانون (بنچمارک)", kanoon=kanoon)
    )
    plan.fund_id, plan.kanoon_id = fund.pk, kanoon.pk


def _people(plan: Plan) -> None:
    """Members as people of the kanoon, names from a lookup with their real sort and search
    keys (``Person.save`` computes them)."""
    from edupact.core.text import normalise, search_key
    from edupact.demo import vocabulary as V
    from edupact.directory.models import Person

    rng = random.Random(SEED)
    rows = []
    for i in range(NAMES):
        p = Person(
            given_name=normalise(rng.choice(V.FA_MALE + V.FA_FEMALE)),
            family_name=normalise(rng.choice(V.FA_FAMILY)),
            name_order=Person.NameOrder.GIVEN_FIRST,
        )
        # As Person.save computes them (given-first names sort by family name).
        sort_key = search_key(f"{p.family_name} {p.given_name}")[:300]
        rows.append((i, p.given_name, p.family_name, sort_key, search_key(f"{p.full_name}  ")))
    _execute(
        "CREATE TABLE bench_name (idx INTEGER PRIMARY KEY, given TEXT, family TEXT, "
        "skey TEXT, qkey TEXT)"
    )
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_name VALUES (%s, %s, %s, %s, %s)", rows)
    with_, series = _series(plan.accounts)
    _execute(
        f"{with_}INSERT INTO {Person._meta.db_table} (honorific, family_name, middle_name, "
        "given_name, name_order, sex, birth_year, id_kind, national_id, phone, email, "
        "bank_account, home_organisation_id, sort_key, search_key, created_at) "
        "SELECT '', n.family, '', n.given, %s, '', NULL, '', '', '', '', '', %s, "
        f"n.skey, n.qkey, %s FROM {series} "
        f"JOIN bench_name n ON n.idx = (CAST(i AS BIGINT) * 40503) %% {NAMES}",
        [Person.NameOrder.GIVEN_FIRST, plan.kanoon_id, timezone.now()],
    )


def _accounts(plan: Plan) -> None:
    from edupact.directory.models import Person
    from edupact.funds.models import FundAccount

    opened = plan.end - dt.timedelta(days=plan.days + 30)
    _execute(
        f"INSERT INTO {FundAccount._meta.db_table} (fund_id, kind, person_id, label, opened_on, "
        "balance, money_days_at_last_posting, points_received, points_given, points_used, "
        "restricted_received, restricted_used, created_at) "
        f"SELECT %s, 'member', p.id, '', %s, 0, 0, 0, 0, 0, 0, 0, %s "
        f"FROM {Person._meta.db_table} p WHERE p.home_organisation_id = %s ORDER BY p.id",
        [plan.fund_id, opened, timezone.now(), plan.kanoon_id],
    )


def _entries(plan: Plan) -> None:
    from edupact.funds.models import JournalEntry, day_number

    first_day = day_number(plan.end) - plan.days
    with_, series = _series(plan.postings)
    day = f"{first_day} + CAST(i AS BIGINT) * {plan.days} / {plan.postings}"
    _execute(
        f"{with_}INSERT INTO {JournalEntry._meta.db_table} (fund_id, date, kind, memo, "
        "idempotency_key, created_at) "
        f"SELECT %s, {_date(day)}, 'deposit', '', '', %s FROM {series}",
        [plan.fund_id, timezone.now()],
    )


def _lines(plan: Plan) -> None:
    """Cr member (negative), Dr pool (positive) for every entry; the member is picked by a
    hash of the entry's position, the amount by another (100,000 … 5,000,000 rials)."""
    from edupact.funds.models import FundAccount, JournalEntry, JournalLine, day_number

    first_entry = _scalar(
        f"SELECT MIN(id) FROM {JournalEntry._meta.db_table} WHERE fund_id = {plan.fund_id}"
    )
    first_account = _scalar(
        f"SELECT MIN(id) FROM {FundAccount._meta.db_table} "
        f"WHERE fund_id = {plan.fund_id} AND kind = 'member'"
    )
    pool = _scalar(
        f"SELECT id FROM {FundAccount._meta.db_table} WHERE fund_id = {plan.fund_id} "
        "AND kind = 'pool'"
    )
    first_day = day_number(plan.end) - plan.days
    i = f"(e.id - {first_entry})"
    # Skewed: half the hash space maps to a tenth of the members (they deposit often).
    h = f"(CAST({i} AS BIGINT) * {HASH} % 4294967296)"
    member = (
        f"CASE WHEN {h} % 2 = 0 THEN {h} / 2 % {max(1, plan.accounts // 10)} "
        f"ELSE {h} / 2 % {plan.accounts} END"
    )
    amount = f"(100000 * (1 + ({i} * 7919) % 50))"
    day = f"{first_day} + CAST({i} AS BIGINT) * {plan.days} / {plan.postings}"
    table = JournalLine._meta.db_table
    _execute(
        f"INSERT INTO {table} (entry_id, account_id, amount, day) "
        f"SELECT e.id, {first_account} + {member}, -{amount}, {day} "
        f"FROM {JournalEntry._meta.db_table} e WHERE e.fund_id = {plan.fund_id} ORDER BY e.id"
    )
    _execute(
        f"INSERT INTO {table} (entry_id, account_id, amount, day) "
        f"SELECT entry_id, {pool}, -amount, day FROM {table} WHERE account_id <> {pool} "
        "ORDER BY entry_id"
    )


def _running_sums(plan: Plan) -> None:
    """What the services keep on every account, from its lines in one UPDATE."""
    from edupact.funds.models import FundAccount, JournalLine

    accounts = FundAccount._meta.db_table
    sums = (
        "SELECT l.account_id, SUM(l.amount * a.sign) AS balance, MAX(l.day) AS last, "
        "SUM(l.amount * a.sign * l.day) AS weighted, MIN(l.day) AS first "
        f"FROM {JournalLine._meta.db_table} l JOIN (SELECT id, CASE WHEN kind IN "
        "('member', 'fee_income', 'adjustment') THEN -1 ELSE 1 END AS sign "
        f"FROM {accounts} WHERE fund_id = {plan.fund_id}) a ON a.id = l.account_id "
        "GROUP BY l.account_id"
    )
    _execute(
        f"UPDATE {accounts} SET balance = s.balance, last_posting_date = {_date('s.last')}, "
        "money_days_at_last_posting = s.last * s.balance - s.weighted, "
        f"first_deposit_date = CASE WHEN {accounts}.kind = 'member' THEN {_date('s.first')} "
        f"END FROM ({sums}) s WHERE {accounts}.id = s.account_id"
    )


def _analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
