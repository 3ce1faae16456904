"""The API's request parser: JSON bodies and query strings, with text no database can store
refused before any schema or service sees it.

A lone surrogate (``"\\ud800"``) or a NUL in any string — a value or a key, at any depth, of a
body, a query string or a form — answers 422 with the field named and a translated message
(``core.text.check_text``), on every operation at once. Without this, a surrogate was a 500
when the row was written and a NUL was stored on SQLite and a 500 on PostgreSQL.
"""

import json

from django.core.exceptions import ValidationError
from ninja.parser import Parser

from edupact.core.text import check_text


def _unstorable(value, location: str, errors: dict) -> None:
    if isinstance(value, str):
        try:
            check_text(value)
        except ValidationError as error:
            errors.setdefault(location, []).extend(error.messages)
    elif isinstance(value, dict):
        for key, item in value.items():
            _unstorable(key, location, errors)
            _unstorable(item, f"{location}.{key}", errors)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _unstorable(item, f"{location}.{n}", errors)


def refuse_unstorable(data, location: str):
    """``data`` unchanged, or a ValidationError naming each string that cannot be stored."""
    errors: dict[str, list[str]] = {}
    _unstorable(data, location, errors)
    if errors:
        raise ValidationError(errors)
    return data


class TextParser(Parser):
    def parse_body(self, request):
        return refuse_unstorable(json.loads(request.body), "body")

    def parse_querydict(self, data, list_fields, request):
        source = "query" if data is request.GET else "form"
        return refuse_unstorable(super().parse_querydict(data, list_fields, request), source)
