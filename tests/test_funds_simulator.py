"""The simulator contract: worked examples, the rules exactly as issue 3 states them,
invalid input, and the ``edupact fund simulate`` command on its throwaway database."""

import copy
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from edupact.directory.models import Organisation, Person
from edupact.funds import simulator
from edupact.funds.models import Fund, JournalEntry

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "edupact" / "funds" / "scenarios"
EXAMPLES = sorted(p for p in SCENARIOS.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in the source language (the default language is Persian)."""
    with translation.override("en"):
        yield


def scenario(name):
    return json.loads((SCENARIOS / name).read_text(encoding="utf-8"))


def expected(path: Path):
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def simulate(data):
    return simulator.simulate(data)


def base(**overrides):
    data = {
        "fund": {
            "calendar": "jalali",
            "currency": "IRR",
            "products": [{"code": "p", "max_amount": 10**12, "fee": {"strategy": "zero"}}],
        },
        "members": [{"id": "a"}, {"id": "b"}],
        "events": [],
        "report_on": "1403/12/30",
    }
    data.update(overrides)
    return data


def errors_of(data):
    with pytest.raises(simulator.ScenarioError) as error:
        simulator.load(data)
    return error.value.errors


# Worked examples (docs/fund-scenarios.md) -------------------------------------------------------


def test_there_are_worked_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_worked_example_gives_its_documented_report(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert simulate(data) == expected(path)


@pytest.mark.django_db
def test_example_1_held_180_days():
    out = simulate(scenario("01-held-180-days.json"))
    assert out["report_on"] == "2018-03-20"  # 1396/12/29
    t1 = out["members"]["t1"]
    # 2e9 from 1396/01/20 (2017-04-09) to 2018-03-20: 345 days → 6.9e11; −5e8 withdrawn on
    # 1396/10/01 (2017-12-22), 88 days before → −4.4e10. money-days 6.46e11.
    assert t1 == {
        "balance": 1_500_000_000,
        "money_days": 646_000_000_000,
        "points_earned": 3_588_888_888,  # 6.46e11 / 180 = 3,588,888,888.9
        "points_available": 1_588_888_888,  # minus the 2e9 used by L1
    }
    l0, l1 = out["loans"]["L0"], out["loans"]["L1"]
    assert (l0["status"], l0["reasons"]) == (
        "rejected",
        ["points_insufficient", "history_too_short"],
    )
    # Approved on 1396/07/14, exactly 180 days after the deposit: 2e9 points, all used.
    assert (l1["status"], l1["points_used"]) == ("disbursed", 2_000_000_000)
    # fee 2e9 × 2 × 11 / 2400 = 18,333,333; owed 2,018,333,333 − 201,833,333 − 300,000,000.
    assert (l1["fee_total"], l1["outstanding"]) == (18_333_333, 1_516_500_000)
    # Paid out on 1396/07/15: instalments on the 15th of each Jalali month.
    assert l1["schedule"][0] == {"n": 1, "due": "2017-11-06", "amount": 201_833_333}  # 1396/08/15
    assert l1["schedule"][5]["due"] == "2018-04-04"  # 1397/01/15
    assert l1["schedule"][-1] == {"n": 10, "due": "2018-08-06", "amount": 201_833_336}
    assert out["rejected_events"] == [
        {"index": 5, "reason": "above_balance"},
        {"index": 9, "reason": "above_outstanding"},
    ]


@pytest.mark.django_db
def test_example_2_gifts_restricted_use_and_a_pledge():
    out = simulate(scenario("02-gifts-and-pledge.json"))
    m = out["members"]
    # s1: 1.8e9 × 365 days = 6.57e11 → 3.65e9 earned, 6e8 given.
    assert (m["s1"]["points_earned"], m["s1"]["points_available"]) == (3_650_000_000, 3_050_000_000)
    # s2: 9e8 × 303 days → 1.515e9; its 3e8 pledge came back when Z1 was repaid.
    assert (m["s2"]["points_earned"], m["s2"]["points_available"]) == (1_515_000_000, 1_515_000_000)
    # b1: 1e7 × 241 days = 2.41e9 → 13,388,888; the gifts were used, the pledge returned.
    assert (m["b1"]["points_earned"], m["b1"]["points_available"]) == (13_388_888, 13_388_888)
    # Z0 carries a fee: the 6e8 zero-fee-only gift cannot pay for it (usable 300,055,555).
    assert out["loans"]["Z0"]["reasons"] == ["points_insufficient"]
    z1 = out["loans"]["Z1"]
    assert (z1["status"], z1["points_used"], z1["fee_total"], z1["outstanding"]) == (
        "repaid",
        900_000_000,
        0,
        0,
    )
    assert {s["amount"] for s in z1["schedule"]} == {90_000_000}
    # s1 had 1.24e9 − 6e8 = 6.4e8 left to give: 7e8 is refused.
    assert out["rejected_events"] == [{"index": 4, "reason": "above_available_points"}]


@pytest.mark.django_db
def test_example_3_vietnamese_school_in_the_gregorian_calendar():
    out = simulate(scenario("03-vietnam-school.json"))
    h1, t1, t2 = (out["loans"][k] for k in ("H1", "T1", "T2"))
    # H1: 2.4e8 over 24 months at 2 % a year on the outstanding: 4.8e6 with instalment 1,
    # 2.4e6 (2 % of the 1.2e8 left) with instalment 13.
    assert h1["fee_total"] == 7_200_000
    assert [s["amount"] for s in h1["schedule"]][:2] == [14_800_000, 10_000_000]
    assert h1["schedule"][12]["amount"] == 12_400_000
    # Paid out on 31 August: due on the last day of shorter months.
    assert [s["due"] for s in h1["schedule"][:6]] == [
        "2024-09-30",
        "2024-10-31",
        "2024-11-30",
        "2024-12-31",
        "2025-01-31",
        "2025-02-28",
    ]
    # T1: 1 % of 3e7 = 300,000 kept from the payout; 3e7 repaid in 6 × 5e6.
    assert (t1["fee_total"], t1["outstanding"]) == (300_000, 30_000_000)
    assert t2["reasons"] == ["blackout_month", "overdue_instalments"]
    assert out["members"]["school"]["points_available"] == 1_261_111_111
    assert out["rejected_events"] == [{"index": 11, "reason": "above_balance"}]


# The rules, one by one ------------------------------------------------------------------------


@pytest.mark.django_db
def test_dates_accept_both_separators_and_persian_digits_and_come_out_iso_gregorian():
    out = simulate(
        base(
            events=[
                {"on": "۱۴۰۳/۰۱/۰۱", "type": "deposit", "member": "a", "amount": 180},
                {"on": "1403-01-11", "type": "deposit", "member": "b", "amount": 180},
            ],
            report_on="1403/02/01",
        )
    )
    assert out["report_on"] == "2024-04-20"
    # a: 180 × 31 days; b: 180 × 21 days.
    assert out["members"]["a"]["money_days"] == 180 * 31
    assert out["members"]["b"]["points_earned"] == 21


@pytest.mark.django_db
def test_balance_includes_the_days_postings_money_days_do_not():
    out = simulate(
        base(
            events=[{"on": "1403/01/01", "type": "deposit", "member": "a", "amount": 500}],
            report_on="1403/01/01",
        )
    )
    assert out["members"]["a"] == {
        "balance": 500,
        "money_days": 0,
        "points_earned": 0,
        "points_available": 0,
    }


@pytest.mark.django_db
def test_a_refused_event_changes_nothing_and_is_listed():
    events = [
        {"on": "1403/01/01", "type": "deposit", "member": "a", "amount": 180},
        {"on": "1403/01/02", "type": "withdraw", "member": "a", "amount": 181},
        {"on": "1403/01/11", "type": "gift_points", "from": "a", "to": "b", "points": 11},
        {"on": "1403/01/11", "type": "gift_points", "from": "a", "to": "b", "points": 10},
    ]
    out = simulate(base(events=events, report_on="1403/01/11"))
    assert out["rejected_events"] == [
        {"index": 1, "reason": "above_balance"},
        {"index": 2, "reason": "above_available_points"},
    ]
    assert out["members"]["a"]["balance"] == 180
    assert out["members"]["b"]["points_available"] == 10


@pytest.mark.django_db
def test_a_loan_never_allocated_stays_requested():
    events = [
        {
            "on": "1403/01/01",
            "type": "loan_request",
            "id": "L",
            "member": "a",
            "product": "p",
            "amount": 7,
            "months": 3,
        },
        {"on": "1403/01/01", "type": "disburse", "loan": "L"},
    ]
    out = simulate(base(events=events))
    assert out["loans"]["L"] == {
        "status": "requested",
        "reasons": [],
        "points_used": 0,
        "fee_total": 0,
        "outstanding": 0,
        "schedule": [],
    }
    assert out["rejected_events"] == [{"index": 1, "reason": "loan_not_approved"}]


def test_an_impossible_date_is_invalid_input_naming_the_event():
    # 1404 is not a leap year: Esfand has 29 days.
    data = base(events=[{"on": "1404/12/30", "type": "deposit", "member": "a", "amount": 1}])
    [error] = errors_of(data)
    assert error.startswith("event 0 (deposit)") and "1404/12/30" in error


def test_bad_national_codes_and_unknown_members_are_named():
    data = base(
        members=[
            {"id": "a", "national_id": "1234567890"},
            {"id": "b", "national_id": "0076229645"},
        ],
        events=[{"on": "1403/01/01", "type": "deposit", "member": "zz", "amount": 1}],
    )
    errors = errors_of(data)
    assert any(e.startswith('member "a"') and "1234567890" in e for e in errors)
    assert any(e.startswith("event 0 (deposit)") and "'zz'" in e for e in errors)
    assert not any('member "b"' in e for e in errors)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["fund"].update(allocation={"policy": "auction"}), "fund.allocation.policy"),
        (lambda d: d["fund"]["products"][0].update(fee={"strategy": "compound"}), "fee.strategy"),
        (lambda d: d.update(report_on="1402/12/29"), "report_on"),
        (lambda d: d["events"].append({"on": "1402/01/01", "type": "allocate"}), "date order"),
        (
            lambda d: d["events"].append(
                {"on": "1403/02/01", "type": "repay", "loan": "X", "amount": 1}
            ),
            "unknown loan",
        ),
        (
            lambda d: d["events"].append(
                {"on": "1403/02/01", "type": "gift_points", "from": "a", "to": "a", "points": 1}
            ),
            "themselves",
        ),
        (lambda d: d["events"][0].update(amount=1.5), "whole number"),
        (lambda d: d["events"][0].update(amount="100"), "whole number"),
        (lambda d: d["events"][0].update(on="20/01/1403"), "YYYY/MM/DD"),
        (lambda d: d["members"].append({"id": "a"}), "used twice"),
        (lambda d: d["members"][0].update(mobile="12345"), 'member "a"'),
    ],
)
def test_invalid_input(change, fragment):
    data = base(events=[{"on": "1403/01/10", "type": "deposit", "member": "a", "amount": 1}])
    change(data)
    assert any(fragment in e for e in errors_of(data))


def test_organisations_are_checked_by_their_legal_id():
    data = base(members=[{"id": "s", "kind": "organisation", "national_id": "10380284791"}])
    assert any('member "s"' in e for e in errors_of(data))
    simulator.load(
        base(members=[{"id": "s", "kind": "organisation", "national_id": "10380284790"}])
    )


# The command and its throwaway database -----------------------------------------------------------


@pytest.mark.django_db
def test_a_simulation_leaves_nothing_behind():
    people = Person.objects.count()
    simulate(scenario("01-held-180-days.json"))
    assert Fund.objects.count() == 0 and JournalEntry.objects.count() == 0
    assert Person.objects.count() == people


@pytest.mark.django_db
def test_the_command_runs_on_an_in_memory_database_and_puts_the_real_one_back():
    Organisation.objects.create(name="marker", kind="school", country="IR")
    out = StringIO()
    call_command("fund", "simulate", str(EXAMPLES[0]), stdout=out)
    assert json.loads(out.getvalue()) == expected(EXAMPLES[0])
    assert Organisation.objects.filter(name="marker").count() == 1
    assert Fund.objects.count() == 0


def test_the_command_refuses_invalid_input(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(base(members=[{"id": "a", "national_id": "1111111111"}])))
    with pytest.raises(CommandError, match='member "a"') as error:
        call_command("fund", "simulate", str(path))
    assert error.value.returncode == 2


def _cli(*args, stdin=None):
    env = {**os.environ, "EDUPACT_ENV": "dev", "DJANGO_SETTINGS_MODULE": "edupact.settings"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "fund", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        input=stdin,
        timeout=120,
    )


def test_cli_prints_the_report_as_json():
    result = _cli("simulate", str(EXAMPLES[-1]))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected(EXAMPLES[-1])


def test_cli_reports_every_problem_on_stderr_and_exits_non_zero():
    data = copy.deepcopy(scenario("01-held-180-days.json"))
    data["members"][0]["national_id"] = "0076229646"
    data["events"][0]["on"] = "1404/12/30"
    result = _cli("simulate", "-", stdin=json.dumps(data))
    assert result.returncode == 2
    assert result.stdout == ""
    assert 'member "t1"' in result.stderr and "event 0 (deposit)" in result.stderr


def test_the_command_speaks_persian_on_request(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(base(members=[{"id": "a", "national_id": "1111111111"}])))
    with pytest.raises(CommandError, match="سناریو معتبر نیست"):
        call_command("fund", "--language", "fa", "simulate", str(path))
