"""``edupact fund export-journal FUND --format hledger``: hledger reads the journal and
finds the same balance as edupact for every account."""

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from edupact.core.scoping import Scope
from edupact.funds import services, simulator
from edupact.funds.ledger import hledger
from edupact.funds.models import Fund, JournalLine

EVERYTHING = Scope(everything=True)
SCENARIOS = Path(__file__).resolve().parent.parent / "edupact" / "funds" / "scenarios"
# Kanoon funds only: a rotating lottery fund keeps dues and payouts, not a double-entry journal.
EXAMPLES = sorted(
    p
    for p in SCENARIOS.glob("*.json")
    if not p.name.endswith(".expected.json") and "fund" in json.loads(p.read_text(encoding="utf-8"))
)
HLEDGER = shutil.which("hledger")

needs_hledger = pytest.mark.skipif(HLEDGER is None, reason="hledger is not installed")


def hledger_balances(path: Path) -> dict[str, int]:
    result = subprocess.run(
        [HLEDGER, "-f", str(path), "bal", "--flat", "-E", "--no-total", "-O", "csv"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    balances = {}
    for account, amount in rows:
        number, _, _commodity = amount.partition(" ")
        balances[account] = int(number) if amount not in ("0", "") else 0
    return balances


def edupact_balances(fund: Fund) -> dict[str, int]:
    """Σ lines per account (debit positive), checked against the running sums too."""
    totals = {
        row["account"]: row["total"]
        for row in JournalLine.objects.filter(account__fund=fund)
        .values("account")
        .annotate(total=Sum("amount"))
    }
    result = {}
    for account in fund.accounts.all():
        raw = totals.get(account.pk, 0)
        assert raw == account.sign * account.balance  # the running sum agrees
        result[account.ledger_name] = raw
    return result


def compare(fund: Fund, tmp_path: Path) -> dict[str, int]:
    path = tmp_path / f"fund-{fund.pk}.journal"
    path.write_text(hledger.hledger_journal(fund), encoding="utf-8")
    theirs = hledger_balances(path)
    ours = edupact_balances(fund)
    for name, amount in ours.items():
        assert theirs.get(name, 0) == amount, name
    assert set(theirs) <= set(ours)
    return theirs


@needs_hledger
@pytest.mark.django_db
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_hledger_reads_the_same_balances_for_every_worked_example(path, tmp_path):
    scenario = simulator.load(json.loads(path.read_text(encoding="utf-8")))
    checked = {}

    def inspect(fund, accounts, loans):
        checked.update(compare(fund, tmp_path))

    simulator.run(scenario, inspect=inspect)
    assert checked and sum(checked.values()) == 0


@needs_hledger
@pytest.mark.django_db
def test_example_1_balances_in_hledger(tmp_path):
    scenario = simulator.load(json.loads(EXAMPLES[0].read_text(encoding="utf-8")))
    seen = {}
    simulator.run(scenario, inspect=lambda fund, *_: seen.update(compare(fund, tmp_path)))
    # Pool: 2e9 in, 2e9 lent, 201,833,333 + 300,000,000 repaid, 5e8 withdrawn = 1,833,333.
    assert seen["assets:pool"] == 1_833_333
    assert seen["income:fees"] == -18_333_333
    # Zahra owes 2,018,333,333 − 501,833,333.
    [loans] = [name for name in seen if name.startswith("assets:loans:person-")]
    assert seen[loans] == 1_516_500_000


@needs_hledger
def test_the_command_writes_the_journal(tree, tmp_path):
    fund = services.create_fund(EVERYTHING, Fund(name="Kanoon 9 fund", kanoon=tree.kanoon))
    alice = services.open_account(EVERYTHING, fund, person=tree.member)
    school = services.open_account(EVERYTHING, fund, organisation=tree.school_a)
    day = dt.date(2024, 3, 20)
    services.deposit(EVERYTHING, alice, 700, day)
    services.deposit(EVERYTHING, school, 5_000, day)
    wrong = services.deposit(EVERYTHING, school, 99, day + dt.timedelta(days=1))
    services.reverse_entry(EVERYTHING, wrong, day + dt.timedelta(days=2))
    services.withdraw(EVERYTHING, alice, 200, day + dt.timedelta(days=3))
    out = tmp_path / "fund.journal"
    call_command("fund", "export-journal", str(fund.pk), "--format", "hledger", "-o", str(out))
    theirs = hledger_balances(out)
    assert theirs[f"liabilities:deposits:person-{tree.member.pk}"] == -500
    assert theirs[f"liabilities:deposits:organisation-{tree.school_a.pk}"] == -5_000
    assert theirs["assets:pool"] == 5_500
    compare(fund, tmp_path)
