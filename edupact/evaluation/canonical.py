"""The framework file and the answers file: their pydantic models, JSON Schemas and check.

A framework travels as JSON (``edupact evaluation load/export``, the API, the shipped files in
``evaluation/frameworks/``) and people script against it, so its shape is one declared
contract: :class:`FrameworkFile` states every field and its type, ``framework_schema()``
publishes it as ``docs/schemas/evaluation-framework.json``. The scoring rules that tie fields
together — maxima adding up, thresholds rising with the level, bands inside the total — are
the scorer's (:func:`scoring.validate_framework`, which also serves frameworks given inline to
``score``); :func:`canonical` runs both and reports every fault, keyed as users have always
seen them: by the framework's field (``name``, ``valid_to``…), the criterion's code or the
indicator's code.

The answers file is a map indicator code → number or true/false (:class:`AnswersFile`,
``docs/schemas/evaluation-answers.json``); what each answer may be depends on the framework
and is checked by :func:`scoring.check_answers`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from edupact.core import bounds
from edupact.core.text import normalise

from . import scoring
from .models import LEGAL_NUMBER, LearningModel

# The fields whose faults the scorer reports (with the indicator or criterion it concerns).
SCORER_FIELDS = {
    "style",
    "levels",
    "criteria",
    "indicators",
    "kind",
    "max",
    "thresholds",
    "pass_total",
    "min_indicator",
    "bands",
}


def _fail(message: str, key: str | None = None) -> PydanticCustomError:
    """A fault with its message; ``key`` when it is filed under another field than its own
    (a translation's fault is the name's)."""
    return PydanticCustomError("framework", "{message}", {"message": message, "key": key})


def _text(value):
    """Text as every text field stores it (``normalise``); a number is read as its digits."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _fail(_("Write this as text."))
    try:
        return normalise(value)
    except DjangoValidationError as exc:
        raise _fail(" ".join(exc.messages)) from None


Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string"})]


def _needed(message):
    """A text that must not be empty; ``message()`` says so in the reader's language."""

    def check(value: str) -> str:
        if not value:
            raise _fail(message())
        return value

    return AfterValidator(check)


def _translations(value, key: str | None = None):
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _fail(_("Translations are a map: language → text."), key)
    return {k: normalise(v) for k, v in sorted(value.items()) if normalise(v)}


_I18N_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "Translations of the name: language code (en, vi, fa) → text.",
}
I18n = Annotated[
    dict[str, str], BeforeValidator(lambda v: _translations(v)), WithJsonSchema(_I18N_SCHEMA)
]


def _iso_date(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _fail(_("Write the date as YYYY-MM-DD.")) from None


IsoDate = Annotated[
    str | None,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": ["string", "null"], "format": "date"}),
]
Number = Annotated[
    Decimal, Field(allow_inf_nan=False), BeforeValidator(lambda v: _strict_number(v))
]


def _strict_number(value):
    """A JSON number (not a boolean, not text), as the scorer reads it."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("number", "expected a number")
    return value


class _Model(BaseModel):
    """Unknown keys are ignored, as they always were; defaults are checked too (a missing
    name is told as "needs a name", as an empty one)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)


class LegalBasis(_Model):
    """The legal document: its number/type-issuer reference (``448/QĐ-KHVN``) in one, or
    its parts; its date and title."""

    reference: Text = ""
    number: Text = ""
    type: Text = ""
    issuer: Text = ""
    date: IsoDate = None
    title: Text = ""

    @model_validator(mode="after")
    def _parts(self):
        if self.reference:
            match = LEGAL_NUMBER.match(self.reference)
            if not match:
                raise _fail(_("Write the document number as number/type-issuer, e.g. 448/QĐ-KHVN."))
            self.number, self.type, self.issuer = (
                match.group(k) or "" for k in ("number", "type", "issuer")
            )
        if not (self.type and self.issuer):
            raise _fail(
                _("A legal basis needs at least its type and issuer (and its number when known).")
            )
        return self

    def plain(self) -> dict:
        return {
            "number": self.number,
            "type": self.type,
            "issuer": self.issuer,
            "date": self.date,
            "title": self.title,
        }


def _legal(value):
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        return {"reference": value}
    if not isinstance(value, dict):
        raise _fail(_("The legal basis is not understood."))
    return value


class Band(_Model):
    code: str
    name: str | None = None
    min: Number
    requires_recognition: bool = False


class IndicatorFile(_Model):
    """An indicator: points up to ``max``, a percentage with ``thresholds`` per level, or a
    boolean that must hold at its ``levels``."""

    code: str
    name: Annotated[Text, _needed(lambda: _("The indicator needs a name."))] = ""
    name_i18n: I18n = {}
    kind: Literal[scoring.POINTS, scoring.PERCENT, scoring.BOOLEAN] | None = None
    max: Annotated[Number, Field(gt=0)] | None = None
    thresholds: dict[str, Annotated[Number, Field(ge=0, le=100)]] | None = None
    levels: list[Annotated[int, Field(ge=1)]] | None = None
    placeholder: bool | None = None
    derived_from: Text = ""
    guidance: Annotated[str, BeforeValidator(lambda v: str(v or "").strip())] = ""


class CriterionFile(_Model):
    code: str
    name: Annotated[Text, _needed(lambda: _("The criterion needs a name."))] = ""
    name_i18n: I18n = {}
    max: Number | None = None
    placeholder: bool | None = None
    indicators: Annotated[list[IndicatorFile], Field(min_length=1)]


def _unconfirmed(value):
    value = value or []
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise _fail(_("List the unconfirmed fields by name."))
    return sorted(set(value))


class FrameworkFile(_Model):
    """A framework in its canonical JSON form (``edupact evaluation export`` writes it,
    ``load``, the API and ``score --framework`` read it)."""

    model_config = ConfigDict(
        extra="ignore",
        validate_default=True,
        title="edupact evaluation framework",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    code: Annotated[str, BeforeValidator(lambda v: str(v or "").strip())]
    version: Annotated[Text, _needed(lambda: _("The framework needs a version label."))] = ""
    name: Annotated[Text, _needed(lambda: _("The framework needs a name."))] = ""
    name_i18n: Annotated[
        dict[str, str],
        BeforeValidator(lambda v: _translations(v, "name")),
        WithJsonSchema(_I18N_SCHEMA),
    ] = {}
    model: Annotated[
        Literal[tuple(LearningModel.values)] | None, BeforeValidator(lambda v: _model(v))
    ] = None
    description: Text = ""
    valid_from: IsoDate = None
    valid_to: IsoDate = None
    legal_basis: Annotated[LegalBasis | None, BeforeValidator(_legal)] = None
    style: Literal[scoring.STYLES]
    unconfirmed: Annotated[
        list[str],
        BeforeValidator(_unconfirmed),
        WithJsonSchema({"type": "array", "items": {"type": "string"}}),
    ] = []
    levels: list[Annotated[int, Field(ge=1)]] | None = None
    pass_total: Annotated[Number, Field(gt=0)] | None = None
    min_indicator: Annotated[Number, Field(ge=0)] | None = None
    bands: list[Band] | None = None
    criteria: Annotated[list[CriterionFile], Field(min_length=1)]

    @model_validator(mode="after")
    def _validity(self):
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise _fail(_("The end of validity must come after its start."), "valid_to")
        return self


def _model(value):
    if value not in LearningModel.values:
        raise _fail(
            _("Choose the learning model: %(choices)s.")
            % {"choices": ", ".join(LearningModel.values)}
        )
    return value


_NUMBER_SCHEMA = {"type": ["number", "boolean", "null"]}


class AnswersFile(RootModel[dict[str, Annotated[Any, WithJsonSchema(_NUMBER_SCHEMA)]]]):
    """A subject's answers: indicator code → a number (points, a percentage) or true/false
    (a boolean indicator). Which codes and which values the framework takes is the scorer's
    check (``scoring.check_answers``)."""

    model_config = ConfigDict(
        title="edupact evaluation answers",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )


def framework_schema() -> dict:
    return FrameworkFile.model_json_schema()


def answers_schema() -> dict:
    return AnswersFile.model_json_schema()


# The check ------------------------------------------------------------------------------------


def canonical(data) -> dict:
    """The framework checked and normalised; ValidationError listing every fault, keyed by
    the framework's field, the criterion's code or the indicator's code."""
    if not isinstance(data, dict):
        raise DjangoValidationError(_("A framework must be a JSON object."))
    errors: dict[str, list[str]] = {}
    try:
        checked = scoring.validate_framework(data)
    except scoring.ScoringError as exc:
        errors.update(exc.by_key())
        checked = None
    try:
        given = FrameworkFile.model_validate(data)
    except ValidationError as exc:
        given = None
        for key, message in _faults(exc, data, scored=checked is None):
            if message not in errors.get(key, []):
                errors.setdefault(key, []).append(message)
    if errors or checked is None or given is None:
        raise DjangoValidationError(errors or {"__all__": [_("The framework is not understood.")]})
    points = checked.style == scoring.POINTS
    by_code = {i.code: i for i in checked.indicators}
    return {
        "code": given.code,
        "version": given.version,
        "name": given.name,
        "name_i18n": given.name_i18n,
        "model": given.model,
        "description": given.description,
        "valid_from": given.valid_from,
        "valid_to": given.valid_to,
        "legal_basis": given.legal_basis.plain() if given.legal_basis else None,
        "style": given.style,
        "unconfirmed": given.unconfirmed,
        "pass_total": scoring.plain(checked.pass_total) if points else None,
        "min_indicator": scoring.plain(checked.min_indicator) if points else None,
        "levels": list(checked.levels),
        "bands": [
            {
                "code": b.code,
                "name": b.name,
                "min": scoring.plain(b.min),
                "requires_recognition": b.requires_recognition,
            }
            for b in checked.bands
        ],
        "criteria": [
            {
                "code": criterion.code.strip(),
                "name": criterion.name,
                "name_i18n": criterion.name_i18n,
                "max": scoring.plain(criterion.max) if points else None,
                "placeholder": bool(criterion.placeholder),
                "indicators": [
                    _indicator(by_code[item.code.strip()], item) for item in criterion.indicators
                ],
            }
            for criterion in given.criteria
        ],
    }


def _indicator(ind: scoring.Indicator, item: IndicatorFile) -> dict:
    return {
        "code": ind.code,
        "name": item.name,
        "name_i18n": item.name_i18n,
        "kind": ind.kind,
        "max": scoring.plain(ind.max) if ind.kind == scoring.POINTS else None,
        "thresholds": {str(k): scoring.plain(v) for k, v in sorted(ind.thresholds.items())},
        "levels": list(ind.levels) if ind.kind == scoring.BOOLEAN else [],
        "placeholder": bool(item.placeholder),
        "derived_from": item.derived_from,
        "guidance": item.guidance,
    }


def _faults(exc: ValidationError, data: dict, *, scored: bool):
    """Pydantic's errors as (key, message). A fault in a field the scorer checks is left to
    the scorer's message when it found one (``scored``), so that each fault is said once."""
    for error in exc.errors(include_url=False):
        loc, ctx = tuple(error["loc"]), error.get("ctx") or {}
        fields = [p for p in loc if isinstance(p, str)]
        key = _key(loc, data)
        if error["type"] == "framework":
            yield ctx.get("key") or key, ctx["message"]
        elif scored and _scorers(fields):
            continue
        else:
            yield key, _message(error)


def _scorers(fields: list[str]) -> bool:
    """Whether the scorer checks the field at this place (its rules, its codes)."""
    return fields[-1] in SCORER_FIELDS | {"code"} or any(
        f in ("thresholds", "bands") for f in fields
    )


def _key(loc: tuple, data) -> str:
    """The key of a fault: the indicator's or criterion's code, else the framework's field."""
    if loc[:1] == ("criteria",) and len(loc) > 1 and isinstance(loc[1], int):
        criterion = _at(data, "criteria", loc[1])
        if loc[2:3] == ("indicators",) and len(loc) > 3 and isinstance(loc[3], int):
            code = _at(criterion, "indicators", loc[3], "code")
            if isinstance(code, str) and code.strip():
                return code.strip()
        code = _at(criterion, "code")
        return code.strip() if isinstance(code, str) and code.strip() else "criteria"
    if loc[:1] == ("name_i18n",):
        return "name"
    return str(loc[0]) if loc else "__all__"


def _at(data, *path):
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


_TYPES = {
    "string_type": lambda: _("%(field)s: expected a text."),
    "dict_type": lambda: _("%(field)s: expected an object."),
    "model_type": lambda: _("%(field)s: expected an object."),
    "list_type": lambda: _("%(field)s: expected a list."),
    "int_type": lambda: _("%(field)s: expected a whole number."),
    "int_parsing": lambda: _("%(field)s: expected a whole number."),
}


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    field = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
    if kind == "missing":
        return _("%(field)s: this field is required.") % {"field": field}
    if kind in ("number", "decimal_type", "decimal_parsing", "finite_number"):
        return _("%(field)s: expected a number.") % {"field": field}
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{field}: {bounds.schema_message(error)}"
    if kind in ("bool_type", "bool_parsing"):
        return _("%(field)s: expected true or false.") % {"field": field}
    if kind in ("string_type", "dict_type", "list_type", "model_type", "int_type", "int_parsing"):
        return _TYPES[kind]() % {"field": field}
    if kind == "literal_error":
        return _("%(field)s: expected one of %(choices)s.") % {
            "field": field,
            "choices": ctx.get("expected", ""),
        }
    return _("%(field)s is not understood.") % {"field": field}
