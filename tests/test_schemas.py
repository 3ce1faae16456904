"""The files people script against are declared contracts (issue 10 item 6).

The fund scenario, the framework and the answers files are validated by pydantic models
(``funds.scenario``, ``evaluation.canonical``); their JSON Schemas are published in
``docs/schemas/``. Every shipped example validates — by the models and by the published
schema — and the committed schema files are exactly what the models generate.
"""

import importlib.util
import json
from pathlib import Path

import jsonschema_rs
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from edupact.evaluation import canonical, scoring
from edupact.funds import scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(
    p
    for p in (ROOT / "edupact" / "funds" / "scenarios").glob("*.json")
    if not p.name.endswith(".expected.json")
)
FRAMEWORKS = sorted((ROOT / "edupact" / "evaluation" / "frameworks").glob("*.json"))


def _writer():
    spec = importlib.util.spec_from_file_location(
        "write_schemas", ROOT / "scripts/write_schemas.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def published(name: str):
    return jsonschema_rs.validator_for(read(ROOT / "docs" / "schemas" / name))


def test_the_committed_schemas_are_the_generated_ones():
    writer = _writer()
    for name, schema in writer.schemas().items():
        committed = (ROOT / "docs" / "schemas" / name).read_text(encoding="utf-8")
        assert committed == writer.text(schema), f"run python scripts/write_schemas.py ({name})"


def test_the_schemas_are_valid_json_schemas():
    for name in ("fund-scenario.json", "evaluation-framework.json", "evaluation-answers.json"):
        schema = read(ROOT / "docs" / "schemas" / name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema_rs.meta.validate(schema)


def test_the_scenario_schema_lists_every_event_kind_with_its_bounds():
    schema = scenario.schema()
    kinds = {
        schema["$defs"][ref["$ref"].split("/")[-1]]["properties"]["type"]["const"]
        for ref in schema["properties"]["events"]["items"]["oneOf"]
    }
    assert kinds == set(scenario.EVENT_TYPES)
    amount = schema["$defs"]["Deposit"]["properties"]["amount"]
    assert (amount["minimum"], amount["maximum"]) == (1, 10**13)
    assert schema["$defs"]["Reschedule"]["properties"]["months"]["maximum"] == 360


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    data = read(path)
    assert not list(published("fund-scenario.json").iter_errors(data))
    loaded = scenario.load(data)
    assert len(loaded.events) == len(data["events"])


@pytest.mark.parametrize("path", FRAMEWORKS, ids=lambda p: p.name)
def test_every_shipped_framework_validates(path):
    data = read(path)
    assert not list(published("evaluation-framework.json").iter_errors(data))
    clean = canonical.canonical(data)
    # The canonical form is a framework file too, and reads back to itself.
    assert not list(published("evaluation-framework.json").iter_errors(clean))
    assert canonical.canonical(clean) == clean


@pytest.mark.parametrize("path", FRAMEWORKS, ids=lambda p: p.name)
def test_answers_for_every_shipped_framework_follow_the_answers_schema(path):
    framework = scoring.validate_framework(read(path))
    answers = {
        i.code: (True if i.kind == scoring.BOOLEAN else scoring.plain(i.max))
        for i in framework.indicators
    }
    assert not list(published("evaluation-answers.json").iter_errors(answers))
    assert canonical.AnswersFile.model_validate(answers).root == answers
    scoring.score(read(path), answers)
    assert list(published("evaluation-answers.json").iter_errors({"TC1": "ten"}))


def test_the_framework_faults_keep_their_keys_and_messages():
    data = read(FRAMEWORKS[0])
    data["criteria"][0]["indicators"][0]["name"] = ""
    data["criteria"][0]["indicators"][1]["name_i18n"] = ["en"]
    data["criteria"][0]["name"] = None
    data["valid_from"] = "2024-13-01"
    first, second = (i["code"] for i in data["criteria"][0]["indicators"][:2])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        canonical.canonical(data)
    assert refused.value.message_dict == {
        first: ["The indicator needs a name."],
        second: ["Translations are a map: language → text."],
        data["criteria"][0]["code"]: ["The criterion needs a name."],
        "valid_from": ["Write the date as YYYY-MM-DD."],
    }


def test_the_framework_faults_are_translated():
    data = read(FRAMEWORKS[0])
    data["criteria"][0]["indicators"][0]["placeholder"] = "maybe"
    code = data["criteria"][0]["indicators"][0]["code"]
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        canonical.canonical(data)
    [message] = refused.value.message_dict[code]
    assert message.startswith("placeholder: ") and "true or false" not in message
