"""Time the fund reports on a generated fund (a throwaway test database).

    EDUPACT_VAR_DIR=/tmp/x .venv/bin/python bench/funds_reports.py [ENTRIES] [LOANS]

Generates ENTRIES deposit/withdrawal entries (two lines each) over two years for 5,000
members, and LOANS paid-out loans of 12 instalments with repayments, inserted in bulk; then
times each report (best of three) and prints JSON. DATABASE_URL picks PostgreSQL.
"""

import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edupact.settings")


def main(entries: int, loans: int) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0)
    try:
        return _run(entries, loans) | {"database": connection.vendor, "test_db": str(name)}
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def _run(entries: int, loans: int) -> dict:
    from edupact.core.scoping import Scope
    from edupact.directory.models import Organisation, Person
    from edupact.funds import reports, services
    from edupact.funds.models import (
        AccountKind,
        EntryKind,
        Fund,
        FundAccount,
        Instalment,
        JournalEntry,
        JournalLine,
        Loan,
        LoanProduct,
        LoanStatus,
        day_number,
    )

    rng = random.Random(7)
    everything = Scope(everything=True)
    kanoon = Organisation.objects.create(name="bench kanoon", kind="kanoon")
    fund = services.create_fund(everything, Fund(name="bench", kanoon=kanoon))
    product = services.save_product(everything, LoanProduct(fund=fund, code="p", max_amount=10**12))
    people = Person.objects.bulk_create(
        [Person(family_name=f"m{i}", home_organisation=kanoon) for i in range(5000)]
    )
    members = FundAccount.objects.bulk_create(
        [FundAccount(fund=fund, kind=AccountKind.MEMBER, person=p) for p in people]
    )
    receivables = FundAccount.objects.bulk_create(
        [FundAccount(fund=fund, kind=AccountKind.LOANS_RECEIVABLE, person=p) for p in people]
    )
    pool = fund.accounts.get(kind=AccountKind.POOL)
    start = dt.date(2023, 1, 1)
    t0 = time.perf_counter()
    made = JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                fund=fund, date=start + dt.timedelta(days=rng.randrange(730)), kind="deposit"
            )
            for _ in range(entries)
        ],
        batch_size=5000,
    )
    lines = []
    for entry in made:
        a = rng.choice(members)
        amount = rng.randrange(1, 10**6)
        d = day_number(entry.date)
        lines += [
            JournalLine(entry=entry, account=pool, amount=amount, day=d),
            JournalLine(entry=entry, account=a, amount=-amount, day=d),
        ]
    JournalLine.objects.bulk_create(lines, batch_size=10000)
    loan_rows = Loan.objects.bulk_create(
        [
            Loan(
                fund=fund,
                account=members[i % 5000],
                product=product,
                amount=1_200_000,
                months=12,
                requested_on=start,
                decided_on=start,
                disbursed_on=start + dt.timedelta(days=rng.randrange(600)),
                status=LoanStatus.DISBURSED,
                outstanding=1_200_000,
            )
            for i in range(loans)
        ]
    )
    instalments, loan_entries, loan_lines = [], [], []
    for loan in loan_rows:
        paid_months = rng.randrange(13)
        for n in range(1, 13):
            due = loan.disbursed_on + dt.timedelta(days=30 * n)
            instalments.append(
                Instalment(
                    loan=loan, n=n, due=due, amount=100_000, paid=100_000 if n <= paid_months else 0
                )
            )
        loan_entries.append(
            JournalEntry(fund=fund, date=loan.disbursed_on, kind=EntryKind.DISBURSEMENT, loan=loan)
        )
    Instalment.objects.bulk_create(instalments, batch_size=10000)
    JournalEntry.objects.bulk_create(loan_entries, batch_size=5000)
    for entry, loan in zip(loan_entries, loan_rows, strict=True):
        d = day_number(entry.date)
        loan_lines += [
            JournalLine(
                entry=entry, account=receivables[loan.account_id % 5000], amount=1_200_000, day=d
            ),
            JournalLine(entry=entry, account=pool, amount=-1_200_000, day=d),
        ]
    JournalLine.objects.bulk_create(loan_lines, batch_size=10000)
    generated = time.perf_counter() - t0

    on = start + dt.timedelta(days=729)
    timings = {}

    def best(name, work):
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            result = work()
            runs.append(time.perf_counter() - t)
        timings[name] = round(min(runs) * 1000, 1)
        return result

    tb = best("trial_balance_ms", lambda: reports.trial_balance(fund, on))
    assert tb.balanced
    best("cash_flow_24_months_ms", lambda: reports.cash_flow(fund, start, on))
    best(
        "on_time_rate_12_months_ms",
        lambda: reports.on_time_repayment(fund, on - dt.timedelta(days=365), on, on),
    )
    best("outstanding_loans_ms", lambda: reports.outstanding_loans(everything, fund, on))
    best("loans_by_status_ms", lambda: reports.loans_by_status(fund))
    return {
        "entries": entries + loans,
        "journal_lines": 2 * (entries + loans),
        "loans": loans,
        "instalments": 12 * loans,
        "generate_s": round(generated, 1),
        **timings,
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*(args + [100_000, 2_000][len(args) :])), indent=2))
