"""Random mutations of the shipped files are refused with a message naming the place at
fault, and nothing but the validation error ever comes out (issue 10 item 6).

Each example starts from a shipped scenario or framework and breaks one thing: a value of the
wrong type anywhere, a required field removed, an unknown event kind, an amount out of its
bound, a reference to a member nobody declared. Arbitrary JSON put anywhere is either
accepted or refused with ``ScenarioError`` / ``ValidationError`` — never a ``TypeError`` or
an ``AttributeError`` from a check that assumed a shape.
"""

import copy
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from edupact.core import bounds
from edupact.evaluation import canonical
from edupact.funds import scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    json.loads(p.read_text(encoding="utf-8"))
    for p in sorted((ROOT / "edupact" / "funds" / "scenarios").glob("*.json"))
    if not p.name.endswith(".expected.json")
]
FRAMEWORKS = [
    json.loads(p.read_text(encoding="utf-8"))
    for p in sorted((ROOT / "edupact" / "evaluation" / "frameworks").glob("*.json"))
]
WRONG = [[[{}]], {"x": [1]}, [None, True], {"": {}}]


def wrong(original):
    """A value of another JSON type than ``original`` (an object for a list, and so on)."""
    return st.sampled_from([w for w in WRONG if type(w) is not type(original)])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def leaves(data, path=()):
    """Every place holding a value: (path, value)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, (*path, i))
    if path:
        yield path, data


def put(data, path, value):
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def refused(data) -> list[str]:
    with pytest.raises(scenario.ScenarioError) as error:
        scenario.load(data)
    assert error.value.errors and all(isinstance(e, str) for e in error.value.errors)
    return error.value.errors


def place(data, path) -> str:
    """How the simulator names the object holding ``path``."""
    head = path[0]
    if len(path) == 1 or not isinstance(data[head], dict | list):
        return head
    if head == "events":
        return f"event {path[1]}"
    if head == "members":
        mid = (
            data["members"][path[1]].get("id")
            if isinstance(data["members"][path[1]], dict)
            else None
        )
        return f'member "{mid}"' if isinstance(mid, str) and mid else f"members[{path[1]}]"
    if path[:2] == ("fund", "products") and len(path) > 2:
        product = data["fund"]["products"][path[2]]
        code = product.get("code") if isinstance(product, dict) else None
        return (
            f'product "{code}"' if isinstance(code, str) and code else f"fund.products[{path[2]}]"
        )
    return ".".join(str(p) for p in path[:2])


def known(path) -> bool:
    """Places a scenario declares (notes under other keys are ignored, by design)."""
    return not any(isinstance(p, str) and p.startswith(("_", "comment", "note")) for p in path)


@settings(max_examples=150)
@given(st.data())
def test_a_wrong_type_anywhere_is_refused_naming_its_place(draw):
    data = draw.draw(st.sampled_from(SCENARIOS))
    path, value = draw.draw(st.sampled_from([(p, v) for p, v in leaves(data) if known(p)]))
    broken = put(data, path, draw.draw(wrong(value)))
    errors = refused(broken)
    assert any(e.startswith(place(broken, path)) for e in errors), (path, errors)


@settings(max_examples=100)
@given(st.data())
def test_a_missing_required_field_is_refused_naming_the_event(draw):
    data = draw.draw(st.sampled_from(SCENARIOS))
    i = draw.draw(st.integers(0, len(data["events"]) - 1))
    event = data["events"][i]
    model = scenario.EVENTS[scenario.EVENT_TYPES.index(event["type"])]
    required = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
    key = draw.draw(st.sampled_from(required))
    broken = copy.deepcopy(data)
    del broken["events"][i][key]
    errors = refused(broken)
    assert any(e.startswith(f"event {i}") for e in errors), (key, errors)


@settings(max_examples=50)
@given(st.data(), st.text(min_size=0, max_size=12))
def test_an_unknown_event_kind_is_refused_naming_the_event(draw, kind):
    data = draw.draw(st.sampled_from(SCENARIOS))
    i = draw.draw(st.integers(0, len(data["events"]) - 1))
    if kind in scenario.EVENT_TYPES:
        kind += "!"
    errors = refused(put(data, ("events", i, "type"), kind))
    assert any(e.startswith(f"event {i}: ") and "unknown type" in e for e in errors), errors


@settings(max_examples=100)
@given(
    st.data(),
    st.one_of(st.integers(bounds.MAX_AMOUNT + 1, 2**80), st.integers(-(2**70), 0), st.just(1.5)),
)
def test_an_amount_out_of_bounds_is_refused_naming_the_event(draw, amount):
    data = draw.draw(
        st.sampled_from([s for s in SCENARIOS if any("amount" in e for e in s["events"])])
    )
    i = draw.draw(st.sampled_from([n for n, e in enumerate(data["events"]) if "amount" in e]))
    errors = refused(put(data, ("events", i, "amount"), amount))
    kind = data["events"][i]["type"]
    assert (
        f"event {i} ({kind}) amount: expected a whole number from 1 to 10000000000000"
        in "\n".join(errors)
    ), errors


@settings(max_examples=100)
@given(st.data(), st.text(min_size=1, max_size=6))
def test_an_unknown_member_is_refused_naming_the_event(draw, name):
    data = draw.draw(st.sampled_from(SCENARIOS))
    ids = {m["id"] for m in data["members"]}
    places = [
        (n, key)
        for n, e in enumerate(data["events"])
        for key in ("member", "from", "to")
        if key in e
    ]
    i, key = draw.draw(st.sampled_from(places))
    stranger = name if name not in ids else name + "?"
    errors = refused(put(data, ("events", i, key), stranger))
    assert any(
        e.startswith(f"event {i} (") and f"unknown member {stranger!r}" in e for e in errors
    ), errors


@settings(max_examples=200)
@given(st.data(), JSON)
def test_anything_anywhere_is_accepted_or_refused_never_crashes(draw, value):
    data = draw.draw(st.sampled_from(SCENARIOS))
    path, _old = draw.draw(st.sampled_from(list(leaves(data))))
    try:
        scenario.load(put(data, path, value))
    except scenario.ScenarioError as exc:
        assert exc.errors


@settings(max_examples=200)
@given(st.data(), JSON)
def test_any_framework_value_is_accepted_or_refused_by_key_never_crashes(draw, value):
    data = draw.draw(st.sampled_from(FRAMEWORKS))
    path, _old = draw.draw(st.sampled_from(list(leaves(data))))
    broken = put(data, path, value)
    try:
        canonical.canonical(broken)
    except ValidationError as exc:
        codes = {
            item.get("code").strip()
            for item in leaves_of_kind(broken, dict)
            if isinstance(item.get("code"), str)
        }
        fields = set(canonical.FrameworkFile.model_fields) | {"__all__"}
        for key in exc.message_dict:
            # "#2": the scorer's name for the second criterion when it has no code
            assert key in fields | codes or key.startswith(("bands", "#")), key


def leaves_of_kind(data, kind):
    return [value for _path, value in leaves(data) if isinstance(value, kind)]


@settings(max_examples=100)
@given(st.data())
def test_a_wrong_type_in_a_framework_names_the_indicator_criterion_or_field(draw):
    data = draw.draw(st.sampled_from(FRAMEWORKS))
    path, old = draw.draw(st.sampled_from(list(leaves(data))))
    broken = put(data, path, draw.draw(wrong(old)))
    with pytest.raises(ValidationError) as exc:
        canonical.canonical(broken)
    keys = set(exc.value.message_dict)
    if path[0] == "criteria" and len(path) > 2:
        criterion = data["criteria"][path[1]]
        expected = {criterion["code"], "criteria"}
        if len(path) > 4 and path[2] == "indicators":
            expected.add(criterion["indicators"][path[3]]["code"])
    elif path[0] == "name_i18n":
        expected = {"name"}
    else:
        expected = {path[0]}
        if path[0] == "bands" and len(path) > 1:
            expected.add(f"bands.{data['bands'][path[1]]['code']}")
    assert keys & expected, (path, keys)
