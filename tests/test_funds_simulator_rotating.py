"""Rotating lottery funds in the simulator: the ``rotating`` object and the ``pay_dues``,
``draw`` and ``transfer_share`` events run through ``rotating.services`` on the throwaway
database; output per code (paid, arrears, won on, the payout split); invalid input named."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from edupact.core.draws import draw_order
from edupact.funds import simulator
from edupact.rotating.models import DuePayment, RotatingFund

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "edupact" / "funds" / "scenarios" / "09-rotating-lottery.json"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def example():
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def small(**overrides):
    """Two whole codes of 1,000,000 rials, from Farvardin 1403, drawn on the 10th."""
    data = {
        "rotating": {
            "due": 1_000_000,
            "start": "1403/01",
            "codes": 2,
            "draw_day": 10,
            "holders": [{"code": 1, "member": "a"}, {"code": 2, "member": "b", "parts": 12}],
        },
        "members": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "events": [],
        "report_on": "1403/01/20",
    }
    data.update(overrides)
    return data


def errors_of(data):
    with pytest.raises(simulator.ScenarioError) as error:
        simulator.load(data)
    return error.value.errors


@pytest.mark.django_db
def test_the_worked_example():
    """4 codes of 10,000,000 rials (pot 40,000,000) from 1403/01, drawn on the 15th; code 2
    in halves (b, c), code 4 in 2/3 (d) and 1/3 (a).

    Month 1: seed "1403/01" over 1–4 draws code 1 (a takes 40,000,000). b passes a quarter of
    code 2 to d on 1403/02/01. Month 2: code 4 paid only 4,000,000 and is excluded; seed
    "1403/02" over 2, 3 draws code 2, split c 6/12 = 20,000,000, d and b 3/12 = 10,000,000.
    Month 3 is drawn by hand for code 4: d 40,000,000 × 8/12 = 26,666,666.67 and a
    13,333,333.33, the spare unit to the larger remainder: 26,666,667 + 13,333,333. On
    1403/04/20 code 4 owes 6,000,000 of month 2 and 10,000,000 of month 4: 16,000,000,
    split the same way, d 10,666,667 and a 5,333,333. A second payment of month 3 by code 1
    is refused (overpaid), a draw before 1403/03/15 too (too_early)."""
    out = simulator.simulate(example())
    assert set(out) == {"report_on", "rejected_events", "rotating"}  # no kanoon fund part
    assert out["report_on"] == "2024-07-10"
    assert out["rejected_events"] == [
        {"index": 7, "reason": "overpaid"},
        {"index": 8, "reason": "too_early"},
    ]
    r = out["rotating"]
    assert (r["pot"], r["collected"], r["paid_out"], r["next_month"]) == (
        40_000_000,
        40_000_000 + 34_000_000 + 40_000_000 + 30_000_000,
        120_000_000,
        4,
    )
    codes = r["codes"]
    assert {n: (c["paid"], c["arrears"], c["won_month"]) for n, c in codes.items()} == {
        "1": (40_000_000, 0, 1),
        "2": (40_000_000, 0, 2),
        "3": (40_000_000, 0, None),
        "4": (24_000_000, 16_000_000, 3),
    }
    assert codes["2"]["payout"] == [
        {"member": "c", "parts": 6, "amount": 20_000_000},
        {"member": "d", "parts": 3, "amount": 10_000_000},
        {"member": "b", "parts": 3, "amount": 10_000_000},
    ]
    assert codes["4"]["payout"] == [
        {"member": "d", "parts": 8, "amount": 26_666_667},
        {"member": "a", "parts": 4, "amount": 13_333_333},
    ]
    assert codes["4"]["holders"] == [
        {"member": "d", "parts": 8, "arrears": 10_666_667},
        {"member": "a", "parts": 4, "arrears": 5_333_333},
    ]
    assert codes["4"]["arrears_months"] == [2, 4]
    assert codes["4"]["won_on"] == "2024-06-04"  # 1403/03/15
    assert [(d["month"], d["mode"], d["code"]) for d in r["draws"]] == [
        (1, "automatic", 1),
        (2, "semi_automatic", 2),
        (3, "manual", 4),
    ]
    for d in r["draws"][:2]:  # anyone re-runs an automatic draw from its seed and candidates
        assert int(draw_order(d["seed"], [str(c) for c in d["candidates"]])[0]) == d["code"]
    assert r["draws"][1]["excluded"] == [{"code": 4, "reason": "بدهی ماه دوم"}]
    assert RotatingFund.objects.count() == 0 and DuePayment.objects.count() == 0  # rolled back


@pytest.mark.django_db
def test_a_kanoon_fund_and_a_lottery_fund_in_one_scenario():
    """Backwards compatible: a scenario with a "fund" reports it as before, and adds
    "rotating" only when it has one; both run on the same members."""
    data = small(
        fund={"calendar": "jalali", "currency": "IRR", "points": {"days_per_unit": 1}},
        events=[
            {"on": "1403/01/01", "type": "deposit", "member": "a", "amount": 500},
            {"on": "1403/01/02", "type": "pay_dues", "code": [1, 2], "month": 1},
            {"on": "1403/01/10", "type": "draw", "seed": "s"},
        ],
    )
    out = simulator.simulate(data)
    assert out["members"]["a"]["balance"] == 500 and out["loans"] == {} and out["rounds"] == []
    winner = int(draw_order("s", ["1", "2"])[0])
    assert out["rotating"]["codes"][str(winner)]["payout"] == [
        {"member": "ab"[winner - 1], "parts": 12, "amount": 2_000_000}
    ]
    del data["rotating"]
    data["events"] = data["events"][:1]
    assert "rotating" not in simulator.simulate(data)


@pytest.mark.django_db
def test_transfers_refused_and_accepted():
    events = [
        {"on": "1403/01/02", "type": "pay_dues", "code": 1, "month": 1},
        {"on": "1403/01/05", "type": "transfer_share", "code": 1, "from": "b", "to": "c"},
        {
            "on": "1403/01/05",
            "type": "transfer_share",
            "code": 1,
            "from": "a",
            "to": "c",
            "parts": 4,
        },
        {"on": "1403/01/10", "type": "draw", "code": 1, "reason": "agreed"},
        {"on": "1403/01/10", "type": "transfer_share", "code": 2, "from": "b", "to": "c"},
        {
            "on": "1403/01/11",
            "type": "transfer_share",
            "code": 2,
            "from": "b",
            "to": "c",
            "parts": 13,
        },
    ]
    out = simulator.simulate(small(events=events))
    assert out["rejected_events"] == [
        {"index": 1, "reason": "no_share"},  # b holds no part of code 1
        {"index": 4, "reason": "after_draw"},  # not on or before the last draw's date
        {"index": 5, "reason": "fractions"},  # b holds 12 parts, not 13
    ]
    code1 = out["rotating"]["codes"]["1"]
    # The new holder's share first (the transfer's order), the larger remainder (8 of 12
    # against 4) earning the spare unit: 666,666.67 → 666,667 and 1,333,333.33 → 1,333,333.
    assert code1["payout"] == [
        {"member": "c", "parts": 4, "amount": 666_667},
        {"member": "a", "parts": 8, "amount": 1_333_333},
    ]
    # On 1403/01/20 month 1's dues are owed (its draw day passed): code 2 never paid them.
    assert out["rotating"]["codes"]["2"]["arrears"] == 1_000_000
    assert out["rotating"]["codes"]["1"]["arrears"] == 0


@pytest.mark.django_db
def test_persian_digits_and_a_vietnamese_fund_in_the_gregorian_calendar():
    data = small(
        rotating={
            **small()["rotating"],
            "currency": "VND",
            "start": "2025/01",
            "draw_day": 31,
        },
        events=[{"on": "2025-02-28", "type": "pay_dues", "code": [1, 2], "month": 2}],
        report_on="2025-03-01",
    )
    out = simulator.simulate(data)
    # Month 1's draw day is 31 January, month 2's the last day of February: by 1 March both
    # months' dues are owed while month 1 is not drawn, but no further than its draw day.
    code = out["rotating"]["codes"]["1"]
    assert (code["paid"], code["arrears"], code["arrears_months"]) == (1_000_000, 1_000_000, [1])
    assert code["holders"] == [{"member": "a", "parts": 12, "arrears": 1_000_000}]
    persian = small()
    persian["rotating"]["start"] = "۱۴۰۳/۰۱"
    assert simulator.load(persian).rotating["start"] == (1403, 1)


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda d: d.pop("rotating"), "event 0 (pay_dues): this event needs a lottery fund"),
        (lambda d: d["events"][1].pop("seed"), "event 1 (draw) seed: give the draw's seed"),
        (lambda d: d["events"][0].update(code=9), "event 0 (pay_dues) code: there is no code 9"),
        (lambda d: d["events"][0].update(month=3), "event 0 (pay_dues) month: the month must be"),
        (lambda d: d["events"][2].update(to="z"), "event 2 (transfer_share): unknown member 'z'"),
        (lambda d: d["events"][3].pop("reason"), "event 3 (draw): a manual draw needs a reason"),
        (
            lambda d: d["events"][1].update(exclude={"2": ""}),
            "event 1 (draw) exclude: give the reason for excluding code 2",
        ),
        (
            lambda d: d["rotating"]["holders"].pop(),
            "rotating.holders: the parts of code 2 add up to 6, not 12",
        ),
        (lambda d: d["rotating"].update(start="1403/13"), "rotating.start: expected the first"),
        (lambda d: d["rotating"].update(codes=1), "rotating.codes: expected a whole number"),
        (
            lambda d: (d.update(fund={"currency": "VND"}), d["rotating"].update(currency="IRR")),
            "rotating.currency: must be the fund's, VND",
        ),
    ],
)
def test_invalid_input_names_the_event_and_nothing_is_computed(change, fragment):
    data = small(
        rotating={
            **small()["rotating"],
            "holders": [
                {"code": 1, "member": "a"},
                {"code": 2, "member": "b", "parts": 6},
                {"code": 2, "member": "c", "parts": 6},
            ],
        },
        events=[
            {"on": "1403/01/02", "type": "pay_dues", "code": 1, "month": 1},
            {"on": "1403/01/10", "type": "draw", "seed": "s"},
            {"on": "1403/01/11", "type": "transfer_share", "code": 2, "from": "b", "to": "c"},
            {"on": "1403/02/10", "type": "draw", "code": 2, "reason": "agreed"},
        ],
        report_on="1403/02/20",
    )
    simulator.load(copy.deepcopy(data))  # valid as given
    change(data)
    assert any(fragment in e for e in errors_of(data)), errors_of(data)


def test_the_cli_refuses_invalid_input_and_prints_nothing():
    data = example()
    data["events"][1]["seed"] = ""
    data["events"][2]["from"] = "nobody"
    env = {**os.environ, "EDUPACT_ENV": "dev", "DJANGO_SETTINGS_MODULE": "edupact.settings"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "fund", "simulate", "-"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        input=json.dumps(data),
        timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "event 1 (draw) seed" in result.stderr
    assert "event 2 (transfer_share): unknown member 'nobody'" in result.stderr
