"""The posting engine: how balanced lines become a journal entry and running sums.

Every money operation of a fund (``services``: deposits, withdrawals, reversals, payouts,
repayments; ``settlement``; the simulator through them) ends in ``post_entry``. It checks
the entry, not who asks: the caller has checked the scope and the business rules. Kept apart
from the services so that these guarantees are read, and changed, in one place:

- **Lines balance per entry.** An entry's lines, merged by account, sum to zero, touch at
  least two accounts, all of the entry's own fund, in integer minor units (one currency per
  fund). Entries are never changed or deleted: a correction is a compensating entry.
- **Within the domain bounds** (``core.bounds``). Every line is at most ``MAX_AMOUNT``; an
  entry is dated from ``MONEY_DATE_MIN`` to today (``check_posting_date``: never in the
  future); no balance passes ``MAX_BALANCE`` (the database's checks on the account row refuse
  it under the row lock, and the refusal comes back as ``Refused("above_max_balance")``).
  Within these bounds the money-days running sums never leave a signed 64-bit integer.
- **Never below zero for members.** A member account that an entry debits is locked
  (``select_for_update``) and checked before anything else is written: the balance covers
  the debit and the debit is not dated before the account's last posting. The database
  check on the balance backs this under the row lock.
- **Idempotency keys.** A keyed entry is inserted first; the partial unique index on
  (fund, key) answers a retry, even a concurrent one, with the entry the first call made
  (``idempotent``, ``by_key``). The services use the same two for their other keyed rows.
- **Running sums.** The balance, the money-days at the last posting, the last posting date
  and the first deposit date of each account the entry touches are updated in its
  transaction, each account by one ``UPDATE … SET balance = balance + x`` (``_roll``): no
  read-modify-write, and a backdated posting keeps the money-days exact.
- **Lock order.** Member accounts in id order, the fund's own accounts (the pool, which
  every posting touches) last (``_roll_order``; ``lock_accounts`` locks in id order): one
  global order, so two postings never deadlock, and the contended pool row is held only
  from its update to the commit.
- **One statement on PostgreSQL.** An entry that debits no member (a deposit, a payout)
  has nothing to check, so the entry, its lines, the row locks and the running sums are one
  statement (``_post_at_once``: one round trip, no BEGIN/COMMIT); a used key posts nothing.
  SQLite, and entries that debit a member, take the same steps as separate statements in
  a transaction (``_post``).

The ids of the fund's own accounts never change, so ``own_account`` remembers them per
process; the entry returned carries its lines, so the API answers without reading them back.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edupact.audit.context import current_actor
from edupact.core import bounds
from edupact.core.errors import Refused
from edupact.core.idempotency import by_key, once
from edupact.core.money import Money, format_money
from edupact.core.preferences import language

from ..models import (
    BALANCE_BOUND,
    SYSTEM_KINDS,
    AccountKind,
    EntryKind,
    Fund,
    FundAccount,
    JournalEntry,
    JournalLine,
    Loan,
    day_number,
)

# The fund's own accounts ----------------------------------------------------------------------


def system_account(fund: Fund, kind: AccountKind) -> FundAccount:
    """The fund's own account of ``kind``, read fresh."""
    return FundAccount.objects.get(fund=fund, kind=kind, person=None, organisation=None)


# (database, fund id, fund created_at, kind) → the id of the fund's own account of that kind.
_SYSTEM_IDS: dict[tuple, int] = {}


def own_account(fund: Fund, kind: AccountKind) -> FundAccount:
    """The fund's own account of ``kind`` for posting: only its id and kind are used (a
    posting updates the row by id, in SQL). The id never changes once the fund exists, so it
    is remembered per process, keyed by the fund row (its id and creation time: a test
    database that rolls back can give a new fund an old id)."""
    created = fund.__dict__.get("created_at")
    key = (fund._state.db, fund.pk, created, kind)
    pk = _SYSTEM_IDS.get(key)
    if pk is None:
        pk = system_account(fund, kind).pk
        if created is not None:
            _SYSTEM_IDS[key] = pk
    account = FundAccount(pk=pk, fund=fund, kind=kind)
    account._state.adding, account._state.db = False, fund._state.db
    return account


# Posting --------------------------------------------------------------------------------------


def lock_accounts(account_ids: Iterable[int]) -> dict[int, FundAccount]:
    """Lock account rows in id order (no deadlocks between two postings) and read them fresh."""
    rows = (
        FundAccount.objects.select_for_update(of=("self",))
        .filter(pk__in=set(account_ids))
        .order_by("pk")
    )
    return {a.pk: a for a in rows}


def post_entry(
    fund: Fund,
    *,
    on: dt.date,
    kind: EntryKind,
    lines: list[tuple[FundAccount, int]],
    memo: str = "",
    idempotency_key: str | None = None,
    reverses: JournalEntry | None = None,
    loan: Loan | None = None,
) -> JournalEntry:
    """Post a balanced entry and update the running sums of its accounts.

    The building block of every money service; it checks the entry, not who is asking.
    On PostgreSQL an entry that debits no member (a deposit, a disbursement) is one
    statement (``_post_at_once``); otherwise, and on SQLite, ``_post`` in a transaction.
    """
    bounds.check_posting_date(on, field="on")
    merged, kinds, natural = _balanced(fund, lines)
    debited = [pk for pk in merged if kinds[pk] == AccountKind.MEMBER and natural[pk] < 0]
    try:
        if connection.vendor == "postgresql" and not debited:
            return _post_at_once(
                fund, on, kind, merged, kinds, natural, memo, idempotency_key, reverses, loan
            )
        return once(
            JournalEntry,
            idempotency_key,
            lambda: _post(
                fund,
                on,
                kind,
                merged,
                kinds,
                natural,
                debited,
                memo,
                idempotency_key,
                reverses,
                loan,
            ),
            look_first=False,
            fund=fund,
        )
    except IntegrityError as exc:
        if BALANCE_BOUND in str(exc):
            raise above_max_balance(fund) from None
        raise


def above_max_balance(fund: Fund) -> Refused:
    """The refusal of a posting (or an import) that would take a balance past the bound."""
    return Refused(
        "above_max_balance",
        _("This would take a balance of the fund above %(max)s, the most one account may hold.")
        % {"max": format_money(Money(bounds.MAX_BALANCE, fund.currency), language())},
    )


def _balanced(fund, lines) -> tuple[dict[int, int], dict[int, str], dict[int, int]]:
    """The entry's amounts by account (debit positive, zero lines dropped), each account's
    kind, and the amounts in each account's own direction; refused unless it balances."""
    merged: dict[int, int] = defaultdict(int)
    kinds: dict[int, str] = {}
    signs: dict[int, int] = {}
    for account, amount in lines:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise TypeError("amounts are integers of minor units")
        if account.fund_id != fund.pk:
            raise ValidationError(_("An entry only touches accounts of its own fund."))
        merged[account.pk] += amount
        kinds[account.pk], signs[account.pk] = account.kind, account.sign
    merged = {pk: amount for pk, amount in merged.items() if amount}
    for amount in merged.values():
        bounds.check_amount(abs(amount), field="amount")
    if len(merged) < 2:
        raise ValidationError(_("An entry needs at least two accounts."))
    if sum(merged.values()) != 0:
        raise ValidationError(
            _("An entry must balance: its lines sum to %(sum)s."),
            params={"sum": sum(merged.values())},
        )
    return merged, kinds, {pk: amount * signs[pk] for pk, amount in merged.items()}


def _roll_order(merged, kinds) -> list[int]:
    """Member accounts in id order, then the fund's own (the pool, which every posting
    touches) in id order: one global order of row locks, so two postings never deadlock, and
    the contended pool row is held only from its update to the commit."""
    return sorted(merged, key=lambda pk: (kinds[pk] in SYSTEM_KINDS, pk))


def _author():
    actor = current_actor()
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _post(fund, on, kind, merged, kinds, natural, debited, memo, key, reverses, loan):
    """The entry first (a retried key fails here, on the unique index, before any check);
    then the member accounts a withdrawal debits are locked and checked; the lines; and the
    running sums, each in one ``UPDATE … SET balance = balance + x`` (``_roll``)."""
    entry = JournalEntry.objects.create(
        fund=fund,
        date=on,
        kind=kind,
        memo=memo[:255],
        idempotency_key=key or "",
        reverses=reverses,
        loan=loan,
        created_by=_author(),
    )
    if debited:
        locked = lock_accounts(pk for pk in merged if kinds[pk] not in SYSTEM_KINDS)
        for pk in debited:
            _check_debit(locked[pk], natural[pk], on)
    day = day_number(on)
    lines = JournalLine.objects.bulk_create(
        [JournalLine(entry=entry, account_id=pk, amount=a, day=day) for pk, a in merged.items()]
    )
    for pk in _roll_order(merged, kinds):
        _roll(pk, kinds[pk], natural[pk], on)
    return _carrying(entry, lines)


def _carrying(entry: JournalEntry, lines: list[JournalLine]) -> JournalEntry:
    """The entry with the lines just posted in hand, as ``prefetch_related("lines")`` leaves
    them: ``entry.lines.all()`` (the API's answer) costs no query."""
    posted = entry.lines.all()
    posted._result_cache = sorted(lines, key=lambda line: line.pk)
    posted._prefetch_done = True
    entry._prefetched_objects_cache = {"lines": posted}
    return entry


# PostgreSQL: the entry, its lines and the running sums in one statement (one round trip,
# no BEGIN/COMMIT). The entry's insert does nothing on a key already used (it waits for a
# concurrent insert of the same key to commit); then nothing else happens either, and the
# first entry is returned. The rows are locked in ``_roll_order`` (FOR NO KEY UPDATE, as
# an UPDATE locks: the lines' foreign-key checks are not blocked), then updated by the same
# formulas as ``_ROLL``.
_AT_ONCE = """WITH entry AS (
    INSERT INTO {entries} (fund_id, date, kind, memo, idempotency_key, reverses_id, loan_id,
                           created_by_id, created_at)
    VALUES (%(fund)s, %(on)s::date, %(kind)s, %(memo)s, %(key)s, %(reverses)s, %(loan)s,
            %(author)s, %(now)s)
    ON CONFLICT (fund_id, idempotency_key) WHERE NOT (idempotency_key = '') DO NOTHING
    RETURNING id
), lines AS (
    INSERT INTO {lines} (entry_id, account_id, amount, day)
    SELECT entry.id, v.account, v.amount, %(day)s
    FROM entry, unnest(%(accounts)s::bigint[], %(amounts)s::bigint[]) AS v(account, amount)
    RETURNING id, entry_id, account_id, amount
), locked AS (
    SELECT a.id, v.delta, v.deposit
    FROM {accounts} a
    JOIN unnest(%(order)s::bigint[], %(deltas)s::bigint[], %(deposits)s::boolean[])
        WITH ORDINALITY AS v(id, delta, deposit, n) ON a.id = v.id
    WHERE EXISTS (SELECT FROM entry)
    ORDER BY v.n
    FOR NO KEY UPDATE OF a
), rolled AS (
    UPDATE {accounts} a SET
        balance = a.balance + l.delta,
        money_days_at_last_posting = CASE
            WHEN a.last_posting_date IS NULL THEN 0
            WHEN a.last_posting_date <= %(on)s::date
                THEN a.money_days_at_last_posting
                     + a.balance * (%(on)s::date - a.last_posting_date)::bigint
            ELSE a.money_days_at_last_posting
                 - l.delta * (%(on)s::date - a.last_posting_date)::bigint END,
        last_posting_date = CASE
            WHEN a.last_posting_date IS NULL OR a.last_posting_date < %(on)s::date
                THEN %(on)s::date
            ELSE a.last_posting_date END,
        first_deposit_date = CASE
            WHEN l.deposit
                 AND (a.first_deposit_date IS NULL OR a.first_deposit_date > %(on)s::date)
                THEN %(on)s::date
            ELSE a.first_deposit_date END
    FROM locked l
    WHERE a.id = l.id
)
SELECT id, entry_id, account_id, amount FROM lines"""


def _post_at_once(fund, on, kind, merged, kinds, natural, memo, key, reverses, loan):
    """``_post`` on PostgreSQL for an entry that debits no member (nothing to check)."""
    order = _roll_order(merged, kinds)
    sql = _AT_ONCE.format(
        entries=JournalEntry._meta.db_table,
        lines=JournalLine._meta.db_table,
        accounts=FundAccount._meta.db_table,
    )
    author, now = _author(), timezone.now()
    params = {
        "fund": fund.pk,
        "on": on.isoformat(),
        "kind": str(kind),
        "memo": memo[:255],
        "key": key or "",
        "reverses": reverses.pk if reverses is not None else None,
        "loan": loan.pk if loan is not None else None,
        "author": author.pk if author is not None else None,
        "now": now,
        "day": day_number(on),
        "accounts": list(merged),
        "amounts": list(merged.values()),
        "order": order,
        "deltas": [natural[pk] for pk in order],
        "deposits": [kinds[pk] == AccountKind.MEMBER and natural[pk] > 0 for pk in order],
    }
    # Inside a caller's transaction, a refused statement (a balance past its bound) must not
    # abort that transaction: a savepoint, which costs nothing in autocommit (the API's path).
    block = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with block, connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:  # the key was used: the first entry stands
        found = by_key(JournalEntry, key, fund=fund) if key else None
        if found is None:
            raise IntegrityError("The entry was neither posted nor found by its key.")
        return found
    entry = JournalEntry(
        id=rows[0][1],
        fund=fund,
        date=on,
        kind=kind,
        memo=memo[:255],
        idempotency_key=key or "",
        reverses=reverses,
        loan=loan,
        created_by=author,
        created_at=now,
    )
    entry._state.adding, entry._state.db = False, connection.alias
    day = params["day"]
    lines = []
    for pk, _entry, account_id, amount in rows:
        line = JournalLine(id=pk, entry=entry, account_id=account_id, amount=amount, day=day)
        line._state.adding, line._state.db = False, connection.alias
        lines.append(line)
    return _carrying(entry, lines)


def _check_debit(account: FundAccount, natural: int, on: dt.date) -> None:
    """A member's balance never goes below zero (the DB check backs this under the row
    lock), and money leaves an account only after its last posting."""

    if account.balance + natural < 0:
        raise Refused(
            "above_balance",
            _("The balance (%(balance)s) is less than %(amount)s."),
            balance=account.balance,
            amount=-natural,
        )
    last = account.last_posting_date
    if last is not None and on < last:
        raise Refused(
            "backdated_withdrawal",
            _("A withdrawal cannot be dated before the account's last posting (%(last)s)."),
            last=last,
        )


_ROLL = """UPDATE {table} SET
    balance = balance + %(natural)s,
    money_days_at_last_posting = CASE
        WHEN last_posting_date IS NULL THEN 0
        WHEN last_posting_date <= {on} THEN money_days_at_last_posting + balance * {days}
        ELSE money_days_at_last_posting - %(natural)s * {days} END,
    last_posting_date = CASE
        WHEN last_posting_date IS NULL OR last_posting_date < {on} THEN {on}
        ELSE last_posting_date END{first}
WHERE id = %(pk)s"""
_FIRST = """,
    first_deposit_date = CASE
        WHEN first_deposit_date IS NULL OR first_deposit_date > {on} THEN {on}
        ELSE first_deposit_date END"""
_DAYS = {  # on − last_posting_date in whole days
    "postgresql": ("%(on)s::date", "(%(on)s::date - last_posting_date)::bigint"),
    "sqlite": ("%(on)s", "CAST(julianday(%(on)s) - julianday(last_posting_date) AS INTEGER)"),
}


def _roll(pk: int, kind: str, natural: int, on: dt.date) -> None:
    """Add ``natural`` (in the account's direction) on ``on`` to the running sums, in SQL.

    money_days(T) = md_last + balance × (T − last) holds for T ≥ last while every posting is
    dated on or before ``last``; a backdated posting adds a × (last − d) and keeps ``last``.
    Every SET expression reads the row as it was. Written as SQL: built through the ORM's
    expressions, this statement cost more CPU than the rest of the posting (bench/funds).
    """
    on_sql, days = _DAYS[connection.vendor]
    first = _FIRST if kind == AccountKind.MEMBER and natural > 0 else ""
    sql = _ROLL.format(
        table=connection.ops.quote_name(FundAccount._meta.db_table),
        first=first.format(on=on_sql),
        on=on_sql,
        days=days,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"natural": natural, "on": on.isoformat(), "pk": pk})
