"""Simulator events of the loan life cycle (docs/fund-scenarios.md, example 4)."""

import copy
import json
from pathlib import Path

import pytest

from edupact.funds import services, simulator

SCENARIO = (
    Path(__file__).resolve().parent.parent
    / "edupact"
    / "funds"
    / "scenarios"
    / "04-guarantors-settlement-reschedule.json"
)


def data():
    return json.loads(SCENARIO.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_example_4_guarantors_settlement_and_rescheduling():
    checked = {}

    def inspect(fund, accounts, loans):
        checked["problems"] = services.verify(fund)
        loan = loans["L1"]
        checked["waived"] = loan.entries.filter(kind="fee_waiver").get().lines.count()

    report = simulator.run(simulator.load(data()), inspect=inspect)
    assert checked == {"problems": [], "waived": 2}
    l1, l2 = report["loans"]["L1"], report["loans"]["L2"]
    assert report["rejected_events"] == [{"index": 7, "reason": "guarantors_missing"}]
    assert l1["status"] == "repaid" and l1["outstanding"] == 0
    assert l1["guarantors"] == [
        {"member": "t2", "amount": 60_000_000, "status": "confirmed"},
        {"member": "t3", "amount": 40_000_000, "status": "confirmed"},
    ]
    assert l1["schedule"][-1] == {"n": 11, "due": "2024-07-05", "amount": 70_175_002}
    assert "overdue" not in l1
    assert [i["amount"] for i in l2["schedule"]] == [2_000_000] * 6
    assert l2["schedule"][0] == {"n": 13, "due": "2024-06-30", "amount": 2_000_000}
    assert l2["overdue"] == {"instalments": 2, "amount": 4_000_000, "late_days": 53}
    assert "guarantors" not in l2


@pytest.mark.django_db
def test_a_guarantor_who_is_the_borrower_or_unasked_is_refused():
    scenario = data()
    events = scenario["events"]
    events.insert(
        7, {"on": "1403/01/01", "type": "guarantee", "loan": "L1", "member": "t1", "amount": 1}
    )
    events.insert(
        8, {"on": "1403/01/01", "type": "confirm_guarantee", "loan": "L2", "member": "t3"}
    )
    report = simulator.simulate(scenario)
    assert report["rejected_events"][:2] == [
        {"index": 7, "reason": "guarantor_is_borrower"},
        {"index": 8, "reason": "no_guarantee"},
    ]


def test_new_events_are_checked():
    scenario = copy.deepcopy(data())
    scenario["events"].append({"on": "1403/06/01", "type": "reschedule", "loan": "L9"})
    scenario["fund"]["products"][0]["guarantors_required"] = -1
    with pytest.raises(simulator.ScenarioError) as error:
        simulator.load(scenario)
    text = "\n".join(error.value.errors)
    assert "unknown loan 'L9'" in text and "months" in text and "guarantors_required" in text
