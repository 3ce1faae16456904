"""Write the JSON Schemas of the files people script against into ``docs/schemas/``.

The schemas are generated from the pydantic models that validate the files (issue 10 item
6); ``tests/test_schemas.py`` fails when the committed files differ from what the models
generate, so run this after changing a model::

    python scripts/write_schemas.py          # write docs/schemas/*.json
    python scripts/write_schemas.py --check  # exit 1 when a file is out of date
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "schemas"


def schemas() -> dict[str, dict]:
    """File name → JSON Schema, from the models that check each file."""
    from edupact.evaluation import canonical
    from edupact.funds import scenario

    return {
        "fund-scenario.json": scenario.schema(),
        "evaluation-framework.json": canonical.framework_schema(),
        "evaluation-answers.json": canonical.answers_schema(),
    }


def text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edupact.settings")
    import django

    django.setup()
    stale = []
    for name, schema in schemas().items():
        path = TARGET / name
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text(schema):
                stale.append(name)
        else:
            path.write_text(text(schema), encoding="utf-8")
    for name in stale:
        print(f"docs/schemas/{name} is out of date: run python scripts/write_schemas.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
