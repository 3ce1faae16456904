"""The scorer contract: worked examples, input errors, the CLI, and monotonicity properties."""

import copy
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import assume, given
from hypothesis import strategies as st

from edupact.evaluation import scoring
from edupact.evaluation.scoring import ScoringError, score, validate_framework

SHIPPED = Path(scoring.__file__).parent / "frameworks"

CDHT = {
    "code": "CDHT",
    "name": "Công dân học tập",
    "version": "2021-2030",
    "style": "points",
    "pass_total": 80,
    "min_indicator": 5,
    "criteria": [
        {
            "code": "TC1",
            "name": "Học tập",
            "indicators": [
                {"code": "TC1.1", "name": "a", "max": 15},
                {"code": "TC1.2", "name": "b", "max": 15},
                {"code": "TC1.3", "name": "c", "max": 10},
            ],
        },
        {
            "code": "TC2",
            "name": "Vận dụng",
            "indicators": [
                {"code": "TC2.1", "name": "d", "max": 30},
                {"code": "TC2.2", "name": "e", "max": 30},
            ],
        },
    ],
}
FULL = {"TC1.1": 15, "TC1.2": 15, "TC1.3": 10, "TC2.1": 30, "TC2.2": 30}

DVHT = {
    "code": "DVHT",
    "name": "Đơn vị học tập",
    "version": "2023",
    "style": "levels",
    "levels": [1, 2],
    "criteria": [
        {
            "code": "TC3",
            "name": "…",
            "indicators": [
                {
                    "code": "TC3.1",
                    "name": "…",
                    "kind": "percent",
                    "thresholds": {"1": 90, "2": 95},
                },
                {"code": "TC1.1", "name": "…", "kind": "boolean", "levels": [1, 2]},
            ],
        }
    ],
}


def with_answers(**changes):
    answers = dict(FULL)
    answers.update({k.replace("_", "."): v for k, v in changes.items()})
    return answers


def problems_of(exc_info) -> dict:
    return exc_info.value.by_key()


# Points -----------------------------------------------------------------------------------------


def test_points_recognised_at_exactly_the_pass_total():
    result = score(CDHT, {"TC1.1": 15, "TC1.2": 15, "TC1.3": 10, "TC2.1": 20, "TC2.2": 20})
    assert result["total"] == 80
    assert result["recognised"] is True
    assert result["level"] is None
    assert result["failures"] == []
    assert result["criteria"] == [
        {"criterion": "TC1", "total": 40, "max": 40},
        {"criterion": "TC2", "total": 40, "max": 60},
    ]
    assert result["framework"] == {"code": "CDHT", "version": "2021-2030", "style": "points"}


def test_points_below_the_pass_total_is_not_recognised():
    result = score(CDHT, with_answers(TC2_1=19, TC2_2=20))
    assert result["total"] == 79
    assert result["recognised"] is False
    assert result["failures"] == [
        {
            "indicator": None,
            "criterion": None,
            "reason": "The total 79 is below the pass total of 80.",
            "value": 79,
            "required": 80,
        }
    ]


def test_one_indicator_below_the_minimum_blocks_recognition_whatever_the_total():
    result = score(CDHT, with_answers(TC1_3=4))
    assert result["total"] == 94
    assert result["recognised"] is False
    assert [f["indicator"] for f in result["failures"]] == ["TC1.3"]
    assert "below the minimum of 5" in result["failures"][0]["reason"]
    # exactly the minimum is enough
    assert score(CDHT, with_answers(TC1_3=5))["recognised"] is True


def test_decimal_points_add_up_exactly():
    answers = {"TC1.1": 14.5, "TC1.2": 14.5, "TC1.3": 9.9, "TC2.1": 20.1, "TC2.2": 21}
    result = score(CDHT, answers)
    assert result["total"] == 80
    assert isinstance(result["total"], int)
    assert result["recognised"] is True
    assert score(CDHT, {**answers, "TC1.3": 9.8})["total"] == 79.9


def test_bands_classify_the_total():
    framework = copy.deepcopy(CDHT) | {
        "bands": [
            {"code": "chua-dat", "name": "Chưa đạt", "min": 0},
            {"code": "tot", "name": "Tốt", "min": 90, "requires_recognition": True},
            {"code": "kha", "name": "Khá", "min": 80, "requires_recognition": True},
            {"code": "tb", "name": "Trung bình", "min": 50},
        ]
    }
    band = lambda answers: score(framework, answers)["band"]["code"]  # noqa: E731
    assert band(FULL) == "tot"
    assert band(with_answers(TC2_1=15)) == "kha"  # 85
    assert band(with_answers(TC2_1=10, TC2_2=15)) == "tb"  # 65: not recognised
    assert band(with_answers(TC1_1=0, TC1_2=0, TC1_3=0, TC2_1=10, TC2_2=10)) == "chua-dat"
    # 94 points but one indicator below 5: not recognised, so not Tốt nor Khá
    assert band(with_answers(TC1_3=4)) == "tb"


def test_no_band_when_bands_are_not_configured():
    assert score(CDHT, FULL)["band"] is None


# Levels -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "boolean", "level"),
    [
        (96, True, 2),
        (95, True, 2),
        (94.9, True, 1),
        (90, True, 1),
        (89.99, True, 0),
        (100, False, 0),
        (0, False, 0),
    ],
)
def test_levels_worked_examples(percent, boolean, level):
    result = score(DVHT, {"TC3.1": percent, "TC1.1": boolean})
    assert result["level"] == level
    assert result["recognised"] is (level > 0)
    assert result["total"] is None


def test_level_failures_name_the_indicator_and_the_level():
    result = score(DVHT, {"TC3.1": 92, "TC1.1": True})
    assert result["levels"] == {"1": True, "2": False}
    assert result["failures"] == [
        {
            "indicator": "TC3.1",
            "criterion": "TC3",
            "level": 2,
            "reason": "92 % is below the threshold of 95 % for level 2.",
            "value": 92,
            "required": 95,
        }
    ]


def test_a_failure_at_level_1_is_not_rescued_by_a_pass_at_level_2():
    framework = copy.deepcopy(DVHT)
    framework["criteria"][0]["indicators"].append(
        {"code": "TC4.1", "name": "only for level 1", "kind": "boolean", "levels": [1]}
    )
    result = score(framework, {"TC3.1": 99, "TC1.1": True, "TC4.1": False})
    assert result["levels"] == {"1": False, "2": True}
    assert result["level"] == 0
    assert result["recognised"] is False
    assert [(f["indicator"], f["level"]) for f in result["failures"]] == [("TC4.1", 1)]


def test_a_boolean_without_levels_applies_at_every_level():
    framework = copy.deepcopy(DVHT)
    del framework["criteria"][0]["indicators"][1]["levels"]
    assert score(framework, {"TC3.1": 99, "TC1.1": False})["level"] == 0
    assert score(framework, {"TC3.1": 99, "TC1.1": True})["level"] == 2


def test_a_percent_without_a_threshold_for_a_level_does_not_constrain_it():
    framework = copy.deepcopy(DVHT)
    framework["criteria"][0]["indicators"][0]["thresholds"] = {"2": 95}
    assert score(framework, {"TC3.1": 10, "TC1.1": True})["level"] == 1


# Input errors -------------------------------------------------------------------------------------


def test_missing_answers_are_errors_naming_each_indicator():
    with pytest.raises(ScoringError) as exc:
        score(CDHT, {"TC1.1": 15})
    assert set(problems_of(exc)) == {"TC1.2", "TC1.3", "TC2.1", "TC2.2"}
    assert exc.value.kind == "answers"


@pytest.mark.parametrize(
    ("answers", "indicator", "fragment"),
    [
        (with_answers(TC1_1=16), "TC1.1", "above the indicator's maximum of 15"),
        (with_answers(TC1_1=-1), "TC1.1", "below 0"),
        (with_answers(TC1_1=True), "TC1.1", "must be a number"),
        (with_answers(TC1_1="15"), "TC1.1", "must be a number"),
        (with_answers(TC1_1=float("nan")), "TC1.1", "must be a number"),
        (with_answers(TC1_1=float("inf")), "TC1.1", "must be a number"),
        (with_answers(TC1_1=None), "TC1.1", "No answer"),
        ({**FULL, "TC9.9": 3}, "TC9.9", "no indicator with this code"),
    ],
)
def test_bad_points_answers(answers, indicator, fragment):
    with pytest.raises(ScoringError) as exc:
        score(CDHT, answers)
    assert fragment in " ".join(problems_of(exc)[indicator])


@pytest.mark.parametrize(
    ("answers", "indicator", "fragment"),
    [
        ({"TC3.1": 100.1, "TC1.1": True}, "TC3.1", "not a percentage from 0 to 100"),
        ({"TC3.1": -0.5, "TC1.1": True}, "TC3.1", "not a percentage from 0 to 100"),
        ({"TC3.1": 90, "TC1.1": 1}, "TC1.1", "true or false"),
        ({"TC3.1": 90, "TC1.1": "yes"}, "TC1.1", "true or false"),
        ({"TC3.1": False, "TC1.1": True}, "TC3.1", "must be a number"),
    ],
)
def test_bad_level_answers(answers, indicator, fragment):
    with pytest.raises(ScoringError) as exc:
        score(DVHT, answers)
    assert fragment in " ".join(problems_of(exc)[indicator])


def test_answers_must_be_an_object():
    with pytest.raises(ScoringError):
        score(CDHT, [15, 15])


def _mutated(base, change):
    framework = copy.deepcopy(base)
    change(framework)
    return framework


def _indicator(framework, n=0, criterion=0):
    return framework["criteria"][criterion]["indicators"][n]


@pytest.mark.parametrize(
    ("framework", "key", "fragment"),
    [
        (
            _mutated(CDHT, lambda f: _indicator(f, 1).update(code="TC1.1")),
            "TC1.1",
            "used twice",
        ),
        (
            _mutated(CDHT, lambda f: f["criteria"][1].update(code="TC1")),
            "TC1",
            "used twice",
        ),
        (_mutated(CDHT, lambda f: f.update(pass_total=101)), "pass_total", "above the sum"),
        (_mutated(CDHT, lambda f: f.update(pass_total=0)), "pass_total", "above 0"),
        (
            _mutated(CDHT, lambda f: _indicator(f, 2).update(max=4)),
            "TC1.3",
            "above this indicator's maximum",
        ),
        (_mutated(CDHT, lambda f: _indicator(f).update(max=0)), "TC1.1", "above 0"),
        (_mutated(CDHT, lambda f: _indicator(f).update(max="15")), "TC1.1", "above 0"),
        (
            _mutated(CDHT, lambda f: _indicator(f).update(kind="percent")),
            "TC1.1",
            "not allowed",
        ),
        (_mutated(CDHT, lambda f: f.update(style="stars")), "style", "Unknown scoring style"),
        (_mutated(CDHT, lambda f: f.update(criteria=[])), "criteria", "no criteria"),
        (
            _mutated(CDHT, lambda f: f["criteria"][0].update(indicators=[])),
            "TC1",
            "no indicators",
        ),
        (
            _mutated(CDHT, lambda f: f["criteria"][0].update(max=30)),
            "TC1",
            "differs from the sum",
        ),
        (_mutated(CDHT, lambda f: f.update(min_indicator=-1)), "min_indicator", "0 or more"),
        (
            _mutated(CDHT, lambda f: f.update(bands=[{"code": "a", "min": 101}])),
            "bands.a",
            "outside",
        ),
        (
            _mutated(
                CDHT,
                lambda f: f.update(bands=[{"code": "a", "min": 1}, {"code": "a", "min": 2}]),
            ),
            "bands",
            "used twice",
        ),
        (
            _mutated(DVHT, lambda f: _indicator(f).update(thresholds={"1": 95, "2": 90})),
            "TC3.1",
            "must not decrease",
        ),
        (
            _mutated(DVHT, lambda f: _indicator(f).update(thresholds={"1": 90, "3": 95})),
            "TC3.1",
            "level 3, which is not declared",
        ),
        (
            _mutated(DVHT, lambda f: _indicator(f).update(thresholds={"1": 90, "2": 101})),
            "TC3.1",
            "from 0 to 100",
        ),
        (
            _mutated(DVHT, lambda f: _indicator(f).update(thresholds={})),
            "TC3.1",
            "needs thresholds",
        ),
        (
            _mutated(DVHT, lambda f: _indicator(f, 1).update(levels=[1, 4])),
            "TC1.1",
            "level 4, which is not declared",
        ),
        (
            _mutated(DVHT, lambda f: _indicator(f, 1).update(levels=[])),
            "TC1.1",
            "no level",
        ),
        (_mutated(DVHT, lambda f: f.update(levels=[1, 1])), "levels", "twice"),
        (_mutated(DVHT, lambda f: f.update(levels=[])), "levels", "positive whole"),
        (_mutated(DVHT, lambda f: f.update(levels=[0, 1])), "levels", "positive whole"),
        (_mutated(DVHT, lambda f: f.update(levels=[1, 2, 3])), "levels", "Level 3 has no"),
        (_mutated(DVHT, lambda f: _indicator(f, 1).update(kind="points")), "TC1.1", "not allowed"),
        (_mutated(DVHT, lambda f: f.update(code="")), "code", "no code"),
    ],
)
def test_frameworks_that_contradict_themselves_are_refused(framework, key, fragment):
    with pytest.raises(ScoringError) as exc:
        validate_framework(framework)
    assert exc.value.kind == "framework"
    assert fragment in " ".join(problems_of(exc).get(key, [])), problems_of(exc)


def test_a_framework_must_be_an_object():
    with pytest.raises(ScoringError):
        validate_framework(["CDHT"])


def test_every_framework_problem_is_reported_at_once():
    framework = _mutated(CDHT, lambda f: f.update(pass_total=500, min_indicator=20))
    with pytest.raises(ScoringError) as exc:
        validate_framework(framework)
    assert {"pass_total", "TC1.1", "TC1.2", "TC1.3"} <= set(problems_of(exc))


def test_shipped_frameworks_are_valid():
    files = sorted(SHIPPED.glob("*.json"))
    assert len(files) >= 5
    for path in files:
        validate_framework(json.loads(path.read_text(encoding="utf-8")))


# The command -------------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    def write(framework, answers):
        f, a = tmp_path / "framework.json", tmp_path / "answers.json"
        f.write_text(json.dumps(framework, ensure_ascii=False), encoding="utf-8")
        a.write_text(json.dumps(answers), encoding="utf-8")
        return str(f), str(a)

    return write


def _edupact() -> list[str]:
    script = Path(sys.executable).parent / "edupact"
    return [str(script)] if script.exists() else [sys.executable, "-m", "edupact"]


def run_cli(*args, tmp_path):
    env = {**os.environ, "EDUPACT_VAR_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [*_edupact(), "evaluation", "score", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(scoring.__file__).parents[2],
        timeout=120,
    )


def test_cli_prints_the_result(files, tmp_path):
    framework, answers = files(CDHT, with_answers(TC1_3=3, TC2_1=10))
    done = run_cli("--framework", framework, "--answers", answers, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["total"] == 73
    assert result["recognised"] is False
    assert result["level"] is None
    assert {f["indicator"] for f in result["failures"]} == {"TC1.3", None}


def test_cli_levels(files, tmp_path):
    framework, answers = files(DVHT, {"TC3.1": 96, "TC1.1": True})
    done = run_cli("--framework", framework, "--answers", answers, "--compact", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["level"] == 2
    assert len(done.stdout.strip().splitlines()) == 1


def test_cli_input_error_exits_2_with_nothing_on_stdout(files, tmp_path):
    framework, answers = files(CDHT, with_answers(TC1_1=16))
    done = run_cli("--framework", framework, "--answers", answers, tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "TC1.1" in done.stderr and "maximum of 15" in done.stderr


def test_cli_contradictory_framework_exits_2(files, tmp_path):
    framework, answers = files(_mutated(CDHT, lambda f: f.update(pass_total=101)), FULL)
    done = run_cli("--framework", framework, "--answers", answers, tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "pass_total" in done.stderr


def test_cli_unreadable_files_exit_2(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    done = run_cli(
        "--framework",
        str(tmp_path / "broken.json"),
        "--answers",
        str(tmp_path / "missing.json"),
        tmp_path=tmp_path,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not JSON" in done.stderr


def test_command_in_process(files):
    framework, answers = files(CDHT, FULL)
    out = StringIO()
    call_command("evaluation", "score", "--framework", framework, "--answers", answers, stdout=out)
    assert json.loads(out.getvalue())["total"] == 100


def test_command_in_process_error(files):
    framework, answers = files(DVHT, {"TC3.1": 101, "TC1.1": True})
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "evaluation", "score", "--framework", framework, "--answers", answers, stdout=out
        )
    assert exc.value.returncode == 2
    assert "TC3.1" in str(exc.value)
    assert out.getvalue() == ""


def test_command_reasons_default_to_english(files):
    """The reasons follow --language (English by default, whatever LANGUAGE_CODE says)."""
    framework, answers = files(CDHT, with_answers(TC1_3=4))
    out = StringIO()
    call_command("evaluation", "score", "--framework", framework, "--answers", answers, stdout=out)
    assert "below the minimum" in json.loads(out.getvalue())["failures"][0]["reason"]


# Properties ---------------------------------------------------------------------------------------

maxima = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8)


@st.composite
def points_case(draw):
    tops = draw(maxima)
    framework = {
        "code": "P",
        "version": "1",
        "style": "points",
        "pass_total": draw(st.integers(min_value=1, max_value=sum(tops))),
        "min_indicator": draw(st.integers(min_value=0, max_value=min(tops))),
        "criteria": [
            {
                "code": "C",
                "indicators": [{"code": f"I{n}", "max": m} for n, m in enumerate(tops)],
            }
        ],
    }
    answers = {
        f"I{n}": draw(st.integers(min_value=0, max_value=m) | st.just(m / 2))
        for n, m in enumerate(tops)
    }
    return framework, answers, tops


@given(points_case(), st.data())
def test_raising_an_answer_never_lowers_the_total_nor_the_recognition(case, data):
    framework, answers, tops = case
    before = score(framework, answers)
    n = data.draw(st.integers(min_value=0, max_value=len(tops) - 1))
    code = f"I{n}"
    raised = dict(answers)
    raised[code] = data.draw(st.integers(min_value=0, max_value=tops[n]) | st.just(tops[n]))
    assume(raised[code] >= answers[code])
    after = score(framework, raised)
    assert after["total"] >= before["total"]
    assert after["recognised"] >= before["recognised"]
    assert len(after["failures"]) <= len(before["failures"])


@given(points_case())
def test_recognition_follows_the_rule(case):
    framework, answers, _ = case
    result = score(framework, answers)
    expected = sum(answers.values()) >= framework["pass_total"] and all(
        v >= framework["min_indicator"] for v in answers.values()
    )
    assert result["recognised"] is expected
    assert result["total"] == pytest.approx(sum(answers.values()))


@st.composite
def levels_case(draw):
    levels = list(range(1, draw(st.integers(min_value=1, max_value=3)) + 1))
    indicators = []
    for n in range(draw(st.integers(min_value=1, max_value=6))):
        if draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(levels), min_size=1, unique=True))
            values = sorted(draw(st.integers(0, 100)) for _ in chosen)
            thresholds = {str(lv): v for lv, v in zip(sorted(chosen), values, strict=True)}
            indicators.append({"code": f"P{n}", "kind": "percent", "thresholds": thresholds})
        else:
            chosen = draw(st.lists(st.sampled_from(levels), min_size=1, unique=True))
            indicators.append({"code": f"B{n}", "kind": "boolean", "levels": chosen})
    covered = {int(lv) for i in indicators for lv in (i.get("thresholds") or i.get("levels") or [])}
    for lv in levels:  # every level needs an indicator
        if lv not in covered:
            indicators.append({"code": f"X{lv}", "kind": "boolean", "levels": [lv]})
    framework = {
        "code": "L",
        "version": "1",
        "style": "levels",
        "levels": levels,
        "criteria": [{"code": "C", "indicators": indicators}],
    }
    answers = {
        i["code"]: draw(st.booleans())
        if i["kind"] == "boolean"
        else draw(st.integers(0, 100) | st.floats(0, 100))
        for i in indicators
    }
    return framework, answers


@given(levels_case(), st.data())
def test_the_level_is_monotone_in_the_answers(case, data):
    framework, answers = case
    before = score(framework, answers)
    code = data.draw(st.sampled_from(sorted(answers)))
    raised = dict(answers)
    if isinstance(answers[code], bool):
        raised[code] = True
    else:
        raised[code] = data.draw(st.floats(min_value=answers[code], max_value=100))
    after = score(framework, raised)
    assert after["level"] >= before["level"]
    assert after["recognised"] >= before["recognised"]


@given(levels_case())
def test_the_level_is_the_highest_step_all_of_whose_levels_pass(case):
    framework, answers = case
    result = score(framework, answers)
    passes = result["levels"]
    assert result["level"] in (0, *framework["levels"])
    assert all(passes[str(lv)] for lv in framework["levels"] if lv <= result["level"])
    above = [lv for lv in framework["levels"] if lv > result["level"]]
    if above:
        assert not passes[str(above[0])]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(json_values, json_values)
def test_anything_is_either_scored_or_refused_cleanly(framework, answers):
    try:
        score(framework, answers)
    except ScoringError as exc:
        assert exc.problems


@given(st.dictionaries(st.sampled_from(list(CDHT) + ["bands", "levels"]), json_values))
def test_mangled_frameworks_are_refused_cleanly(changes):
    framework = {**CDHT, **changes}
    try:
        validate_framework(framework)
    except ScoringError as exc:
        assert exc.problems
