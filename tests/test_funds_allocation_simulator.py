"""The simulator's allocation policies: the shipped worked examples 04–07 (documented in
docs/fund-scenarios.md), the report's rounds, and invalid allocation input."""

import copy
import hashlib
import json
from pathlib import Path

import pytest
from django.utils import translation

from edupact.funds import simulator

SCENARIOS = Path(__file__).resolve().parent.parent / "edupact" / "funds" / "scenarios"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def scenario(name):
    return json.loads((SCENARIOS / name).read_text(encoding="utf-8"))


def decisions(round_):
    return [(d["loan"], d["outcome"]) for d in round_["decisions"]]


@pytest.mark.django_db
def test_example_4_priority_scores_within_a_budget():
    out = simulator.simulate(scenario("05-priority.json"))
    first, second = out["rounds"]
    # Lb: medical 40 + 10 days waited → 1 + own points cover it → 30 = 71;
    # Lc: education 30 + 0 + 360 M of its 720 M need earned itself → 15 = 45;
    # La: other 0 + 30 days → 5 + 30 = 35. Budget 1,700 M: Lb 900 M, Lc 720 M; La waits.
    assert [(d["loan"], d["score"], d["outcome"]) for d in first["decisions"]] == [
        ("Lb", 71, "approved"),
        ("Lc", 45, "approved"),
        ("La", 35, "waiting"),
    ]
    assert (first["budget"], first["used"]) == (1_700_000_000, 1_620_000_000)
    # A month later Lb2 (medical, Ebrahimi had a loan 30 days ago: −20) scores
    # 40 + 4 + 30 − 20 = 54, La 0 + 10 + 30 = 40; the pool left is 3,060 M − 1,620 M.
    assert [(d["loan"], d["score"]) for d in second["decisions"]] == [("Lb2", 54), ("La", 40)]
    assert second["budget"] == 1_440_000_000


@pytest.mark.django_db
def test_example_5_committee_votes_and_quorum():
    out = simulator.simulate(scenario("06-committee.json"))
    first, second = out["rounds"]
    assert decisions(first) == [("L1", "approved"), ("L2", "rejected"), ("L3", "waiting")]
    assert out["loans"]["L2"]["reasons"] == ["committee_rejected"]
    assert decisions(second) == [("L3", "approved")]
    # Voting on L1 after it was approved changes nothing (event 15).
    assert out["rejected_events"] == [{"index": 15, "reason": "loan_not_requested"}]


@pytest.mark.django_db
def test_example_6_lottery_is_reproducible_from_the_report():
    out = simulator.simulate(scenario("07-lottery.json"))
    first, second = out["rounds"]
    assert first["seed"] == "kanoon9-1403-07" and first["eligible"] == ["R1", "R2", "R3", "R4"]
    for round_ in (first, second):
        by_hand = sorted(
            round_["eligible"],
            key=lambda r: hashlib.sha256(f"{round_['seed']}:{r}".encode()).hexdigest(),
        )
        assert round_["order"] == by_hand
    # X is rejected before the draw; 400 M each within 1,000 M: the first two drawn win.
    assert decisions(first) == [("X", "rejected")] + [
        (ref, "approved" if i < 2 else "waiting") for i, ref in enumerate(first["order"])
    ]
    # The next round draws the two left with the seed given at the round: both fit.
    assert (second["seed"], second["eligible"]) == ("kanoon9-1403-07-b", ["R3", "R4"])
    assert {d["outcome"] for d in second["decisions"]} == {"approved"}


@pytest.mark.django_db
def test_example_7_supporter_directed():
    out = simulator.simulate(scenario("08-supporter-directed.json"))
    first, second = out["rounds"]
    # t3 received t1's gift: Lc first, then La and Lb in request order within 1,000 M.
    assert decisions(first) == [("Lc", "approved"), ("La", "approved"), ("Lb", "waiting")]
    assert second["policy"] == "fifo" and decisions(second) == [("Lb", "approved")]


@pytest.mark.django_db
def test_only_backed_requests_and_a_lottery_seed_at_the_round():
    data = scenario("08-supporter-directed.json")
    data["fund"]["allocation"]["only_backed"] = True
    data["events"] = data["events"][:-2] + [
        {"on": "1403/06/26", "type": "allocate"},
        {"on": "1403/06/27", "type": "allocate", "policy": "lottery", "seed": "s"},
    ]
    out = simulator.simulate(data)
    backed, drawn = out["rounds"]
    assert decisions(backed) == [("Lc", "approved"), ("La", "waiting"), ("Lb", "waiting")]
    assert backed["decisions"][1]["waiting"] == "not_backed"
    assert drawn["seed"] == "s" and sorted(drawn["order"]) == ["La", "Lb"]


def errors_of(data):
    with pytest.raises(simulator.ScenarioError) as error:
        simulator.load(data)
    return error.value.errors


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["fund"]["allocation"].update(quorum=4), "fund.allocation.quorum"),
        (lambda d: d["fund"]["allocation"].update(committee=["t1", "zz"]), "committee"),
        (lambda d: d["fund"]["allocation"].update(seed="x"), "not a parameter"),
        (
            lambda d: d["events"].insert(
                7, {"on": "1403/06/17", "type": "vote", "loan": "L1", "member": "t1"}
            ),
            "approve",
        ),
        (
            lambda d: d["events"].append({"on": "1403/07/05", "type": "allocate", "budget": -1}),
            "budget",
        ),
        (
            lambda d: d["events"].append({"on": "1403/07/05", "type": "allocate", "seed": ""}),
            "seed",
        ),
    ],
)
def test_invalid_allocation_input_is_reported(change, fragment):
    data = copy.deepcopy(scenario("06-committee.json"))
    change(data)
    assert any(fragment in e for e in errors_of(data))


def test_a_vote_by_someone_off_the_committee_is_invalid():
    data = scenario("06-committee.json")
    data["fund"]["allocation"]["committee"] = ["t3", "t1"]
    errors = errors_of(data)
    assert any("t2" in e and "not on the committee" in e for e in errors)


def test_unknown_weights_and_need_are_reported():
    data = scenario("05-priority.json")
    data["fund"]["allocation"]["weights"]["need"]["pets"] = 5
    data["events"][4]["need"] = "holiday"
    errors = errors_of(data)
    assert any(e.startswith("fund.allocation") and "need" in e for e in errors)
    assert any(e.startswith("event 4 (loan_request) need") for e in errors)
