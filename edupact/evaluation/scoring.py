"""The scorer: a framework (criteria → indicators) and a subject's answers → a result.

A pure module: no database, no request. Views, the API, the ``edupact evaluation score``
command and the assessment services all call :func:`score`; frameworks are checked by
:func:`validate_framework` before they are stored. The contract (docs/evaluation.md):

Points frameworks (``"style": "points"``)
    Every indicator has a ``max``; the answer is a number from 0 to ``max``. The subject is
    *recognised* when the total reaches ``pass_total`` and no indicator is below
    ``min_indicator``. Optional ``bands`` classify the total (Tốt / Khá / Trung bình /
    Chưa đạt): the band is the one with the highest ``min`` not above the total (bands
    marked ``requires_recognition`` only for recognised subjects).

Level frameworks (``"style": "levels"``)
    ``levels`` lists the levels (1, 2, 3). A ``percent`` indicator has ``thresholds``
    ``{"1": 90, "2": 95}`` (non-decreasing with the level); a ``boolean`` indicator lists the
    ``levels`` at which it must be true (all levels when it lists none). A subject passes a
    level L when every percentage meets its threshold for L and every boolean that lists L
    is true. **Its level is the highest L such that it passes every declared level up to and
    including L**; 0 when it fails the lowest level. A failure at level 1 with a pass at
    level 2 therefore gives level 0: levels are steps, not alternatives.

Input errors — an answer missing, of the wrong type, below 0, above the indicator's maximum,
a percentage outside 0–100, an answer for an indicator the framework does not have, or a
framework that contradicts itself — raise :class:`ScoringError`, which lists every problem
with the indicator it concerns. No partial result is ever returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

POINTS = "points"
LEVELS = "levels"
STYLES = (POINTS, LEVELS)
PERCENT = "percent"
BOOLEAN = "boolean"
KINDS = {POINTS: (POINTS,), LEVELS: (PERCENT, BOOLEAN)}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Problem:
    """One input error; ``indicator`` (or ``criterion``) names what it concerns."""

    message: str
    indicator: str | None = None
    criterion: str | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        out = {"message": self.message}
        for key in ("indicator", "criterion", "field"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def __str__(self):
        where = self.indicator or self.criterion or self.field
        return f"{where}: {self.message}" if where else self.message


class ScoringError(ValueError):
    """The framework or the answers cannot be scored; ``problems`` says why, each one."""

    def __init__(self, problems: list[Problem], kind: str = "answers"):
        self.problems = list(problems)
        self.kind = kind  # "framework" or "answers"
        super().__init__("\n".join(str(p) for p in self.problems))

    def by_key(self) -> dict[str, list[str]]:
        """Messages keyed by indicator (or criterion, field, ``__all__``): for ValidationError."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.indicator or p.criterion or p.field or "__all__", []).append(p.message)
        return out


# Checked frameworks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    criterion: str
    kind: str
    max: Decimal | None = None
    thresholds: dict[int, Decimal] = field(default_factory=dict)
    levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class Band:
    code: str
    name: str
    min: Decimal
    requires_recognition: bool = False


@dataclass(frozen=True)
class Framework:
    code: str
    version: str
    style: str
    indicators: tuple[Indicator, ...]
    criteria: tuple[tuple[str, tuple[str, ...]], ...]  # (criterion code, its indicator codes)
    pass_total: Decimal | None = None
    min_indicator: Decimal = Decimal(0)
    bands: tuple[Band, ...] = ()
    levels: tuple[int, ...] = ()

    @property
    def max_total(self) -> Decimal:
        return sum((i.max for i in self.indicators if i.max is not None), Decimal(0))


def as_number(value: Any) -> Decimal | None:
    """A finite JSON number as a Decimal; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _level(value: Any) -> int | None:
    """A level number: a positive integer, or its decimal string (JSON object keys)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and value > 0:
        return value
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _fmt(number: Decimal) -> str:
    return str(plain(number))


def plain(number: Decimal | None) -> int | float | None:
    """A Decimal as the JSON number a script expects: 80, not 80.0 nor "80"."""
    if number is None:
        return None
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def validate_framework(data: Any) -> Framework:
    """Check a framework in the scorer's JSON form; raise ScoringError listing every fault."""
    problems: list[Problem] = []

    def bad(message, **where):
        problems.append(Problem(message, **where))

    if not isinstance(data, dict):
        raise ScoringError([Problem(_("A framework must be a JSON object."))], "framework")
    code = _text(data.get("code"))
    if not code:
        bad(_("The framework has no code."), field="code")
    style = data.get("style")
    if style not in STYLES:
        bad(
            _("Unknown scoring style “%(style)s”: use “points” or “levels”.") % {"style": style},
            field="style",
        )
        raise ScoringError(problems, "framework")

    levels: tuple[int, ...] = ()
    if style == LEVELS:
        raw_levels = data.get("levels")
        parsed = [_level(x) for x in raw_levels] if isinstance(raw_levels, list) else []
        if not parsed or None in parsed:
            bad(_("“levels” must list the levels as positive whole numbers."), field="levels")
        elif len(set(parsed)) != len(parsed):
            bad(_("“levels” lists a level twice."), field="levels")
        else:
            levels = tuple(sorted(parsed))

    criteria_out: list[tuple[str, tuple[str, ...]]] = []
    indicators: list[Indicator] = []
    seen_criteria: set[str] = set()
    seen_indicators: set[str] = set()
    criteria = data.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        bad(_("The framework has no criteria."), field="criteria")
        criteria = []
    for position, criterion in enumerate(criteria, start=1):
        if not isinstance(criterion, dict):
            bad(_("Criterion %(n)d is not a JSON object.") % {"n": position}, field="criteria")
            continue
        ccode = _text(criterion.get("code"))
        if not ccode:
            bad(_("Criterion %(n)d has no code.") % {"n": position}, field="criteria")
            ccode = f"#{position}"
        elif ccode in seen_criteria:
            bad(_("The criterion code is used twice."), criterion=ccode)
        seen_criteria.add(ccode)
        items = criterion.get("indicators")
        if not isinstance(items, list) or not items:
            bad(_("The criterion has no indicators."), criterion=ccode)
            items = []
        codes: list[str] = []
        criterion_max = Decimal(0)
        for number, item in enumerate(items, start=1):
            indicator = _check_indicator(item, ccode, number, style, levels, bad)
            if indicator is None:
                continue
            if indicator.code in seen_indicators:
                bad(_("The indicator code is used twice."), indicator=indicator.code)
                continue
            seen_indicators.add(indicator.code)
            codes.append(indicator.code)
            indicators.append(indicator)
            criterion_max += indicator.max or 0
        declared = criterion.get("max")
        if style == POINTS and declared is not None:
            declared_max = as_number(declared)
            if declared_max is None:
                bad(_("The criterion's maximum is not a number."), criterion=ccode)
            elif declared_max != criterion_max and len(codes) == len(items):
                bad(
                    _(
                        "The criterion's maximum %(declared)s differs from the sum of its "
                        "indicators' maxima, %(sum)s."
                    )
                    % {"declared": _fmt(declared_max), "sum": _fmt(criterion_max)},
                    criterion=ccode,
                )
        criteria_out.append((ccode, tuple(codes)))

    framework_kwargs: dict[str, Any] = {}
    if style == POINTS:
        framework_kwargs = _check_points_rules(data, indicators, bad)
    elif levels:
        required = {lv for i in indicators for lv in (i.thresholds or i.levels)}
        for lv in levels:
            if lv not in required:
                bad(
                    _("Level %(level)d has no indicator: every level needs at least one.")
                    % {"level": lv},
                    field="levels",
                )
        framework_kwargs = {"levels": levels}

    if problems:
        raise ScoringError(problems, "framework")
    return Framework(
        code=code,
        version=_text(data.get("version")),
        style=style,
        indicators=tuple(indicators),
        criteria=tuple(criteria_out),
        **framework_kwargs,
    )


def _check_indicator(item, ccode, number, style, levels, bad) -> Indicator | None:
    if not isinstance(item, dict):
        bad(_("Indicator %(n)d is not a JSON object.") % {"n": number}, criterion=ccode)
        return None
    code = _text(item.get("code"))
    if not code:
        bad(_("Indicator %(n)d has no code.") % {"n": number}, criterion=ccode)
        return None
    kind = item.get("kind") or (POINTS if style == POINTS else None)
    if kind not in KINDS[style]:
        allowed = ", ".join(f"“{k}”" for k in KINDS[style])
        bad(
            _("Kind “%(kind)s” is not allowed in a %(style)s framework (use %(allowed)s).")
            % {"kind": kind, "style": style, "allowed": allowed},
            indicator=code,
        )
        return None
    if kind == POINTS:
        maximum = as_number(item.get("max"))
        if maximum is None or maximum <= 0:
            bad(_("The maximum must be a number above 0."), indicator=code)
            return None
        return Indicator(code, ccode, kind, max=maximum)
    if kind == PERCENT:
        raw = item.get("thresholds")
        if not isinstance(raw, dict) or not raw:
            bad(_("A percentage needs thresholds per level, e.g. {“1”: 90}."), indicator=code)
            return None
        thresholds: dict[int, Decimal] = {}
        for key, value in raw.items():
            level, threshold = _level(key), as_number(value)
            if level is None or level not in levels:
                bad(
                    _("There is a threshold for level %(level)s, which is not declared.")
                    % {"level": key},
                    indicator=code,
                )
            elif threshold is None or not 0 <= threshold <= HUNDRED:
                bad(
                    _("The threshold for level %(level)s must be a percentage from 0 to 100.")
                    % {"level": key},
                    indicator=code,
                )
            else:
                thresholds[level] = threshold
        ordered = [thresholds[lv] for lv in sorted(thresholds)]
        if any(b < a for a, b in zip(ordered, ordered[1:], strict=False)):
            bad(_("The thresholds must not decrease as the level rises."), indicator=code)
        return Indicator(code, ccode, kind, max=HUNDRED, thresholds=thresholds)
    # BOOLEAN
    raw = item.get("levels")
    if raw is None:
        return Indicator(code, ccode, kind, levels=levels)
    parsed = [_level(x) for x in raw] if isinstance(raw, list) else [None]
    if not parsed:
        bad(_("The indicator lists no level at which it applies."), indicator=code)
        return None
    unknown = [
        str(x)
        for x, p in zip(raw if isinstance(raw, list) else [raw], parsed, strict=False)
        if p is None or p not in levels
    ]
    if unknown:
        bad(
            _("The indicator applies at level %(levels)s, which is not declared.")
            % {"levels": ", ".join(unknown)},
            indicator=code,
        )
        return None
    return Indicator(code, ccode, kind, levels=tuple(sorted(set(parsed))))


def _check_points_rules(data, indicators, bad) -> dict:
    total = sum((i.max for i in indicators), Decimal(0))
    pass_total = as_number(data.get("pass_total"))
    if pass_total is None or pass_total <= 0:
        bad(_("“pass_total” must be a number above 0."), field="pass_total")
    elif indicators and pass_total > total:
        bad(
            _("The pass total %(pass)s is above the sum of the maxima, %(sum)s.")
            % {"pass": _fmt(pass_total), "sum": _fmt(total)},
            field="pass_total",
        )
    raw_min = data.get("min_indicator")
    min_indicator = Decimal(0) if raw_min is None else as_number(raw_min)
    if min_indicator is None or min_indicator < 0:
        bad(_("“min_indicator” must be a number of 0 or more."), field="min_indicator")
        min_indicator = Decimal(0)
    for i in indicators:
        if min_indicator > i.max:
            bad(
                _("The minimum per indicator, %(min)s, is above this indicator's maximum %(max)s.")
                % {"min": _fmt(min_indicator), "max": _fmt(i.max)},
                indicator=i.code,
            )
    bands = _check_bands(data.get("bands"), total, bad)
    return {"pass_total": pass_total, "min_indicator": min_indicator, "bands": bands}


def _check_bands(raw, total, bad) -> tuple[Band, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        bad(_("“bands” must be a list."), field="bands")
        return ()
    bands: list[Band] = []
    for n, item in enumerate(raw, start=1):
        code = _text(item.get("code")) if isinstance(item, dict) else ""
        minimum = as_number(item.get("min")) if isinstance(item, dict) else None
        if not code or minimum is None:
            bad(_("Band %(n)d needs a code and a minimum total.") % {"n": n}, field="bands")
            continue
        if not 0 <= minimum <= total:
            bad(
                _("The band's minimum %(min)s is outside 0–%(max)s.")
                % {"min": _fmt(minimum), "max": _fmt(total)},
                field=f"bands.{code}",
            )
        name = _text(item.get("name")) or code
        bands.append(Band(code, name, minimum, bool(item.get("requires_recognition"))))
    if len({b.code for b in bands}) != len(bands):
        bad(_("A band code is used twice."), field="bands")
    if len({(b.min, b.requires_recognition) for b in bands}) != len(bands):
        bad(_("Two bands have the same minimum."), field="bands")
    return tuple(sorted(bands, key=lambda b: (b.min, not b.requires_recognition), reverse=True))


# Scoring ---------------------------------------------------------------------------------------


def check_answers(framework: Framework, answers: Any) -> dict[str, Decimal | bool]:
    """The answers as Decimals and booleans; ScoringError naming every bad or missing one."""
    if not isinstance(answers, dict):
        raise ScoringError([Problem(_("The answers must be a JSON object: code → value."))])
    problems: list[Problem] = []
    clean: dict[str, Decimal | bool] = {}
    for ind in framework.indicators:
        if ind.code not in answers or answers[ind.code] is None:
            problems.append(Problem(_("No answer was given."), indicator=ind.code))
            continue
        value = answers[ind.code]
        if ind.kind == BOOLEAN:
            if not isinstance(value, bool):
                problems.append(Problem(_("The answer must be true or false."), indicator=ind.code))
            else:
                clean[ind.code] = value
            continue
        number = as_number(value)
        if number is None:
            problems.append(Problem(_("The answer must be a number."), indicator=ind.code))
        elif ind.kind == PERCENT and not 0 <= number <= HUNDRED:
            problems.append(
                Problem(
                    _("%(value)s is not a percentage from 0 to 100.") % {"value": _fmt(number)},
                    indicator=ind.code,
                )
            )
        elif number < 0:
            problems.append(
                Problem(_("%(value)s is below 0.") % {"value": _fmt(number)}, indicator=ind.code)
            )
        elif ind.max is not None and number > ind.max:
            problems.append(
                Problem(
                    _("%(value)s is above the indicator's maximum of %(max)s.")
                    % {"value": _fmt(number), "max": _fmt(ind.max)},
                    indicator=ind.code,
                )
            )
        else:
            clean[ind.code] = number
    known = {i.code for i in framework.indicators}
    for code in answers:
        if code not in known:
            problems.append(
                Problem(_("The framework has no indicator with this code."), indicator=str(code))
            )
    if problems:
        raise ScoringError(problems)
    return clean


def score(framework: dict | Framework, answers: Any) -> dict:
    """Score ``answers`` against ``framework``; the JSON-ready result or ScoringError."""
    if not isinstance(framework, Framework):
        framework = validate_framework(framework)
    values = check_answers(framework, answers)
    head = {
        "framework": {
            "code": framework.code,
            "version": framework.version,
            "style": framework.style,
        }
    }
    if framework.style == POINTS:
        return head | _score_points(framework, values)
    return head | _score_levels(framework, values)


def _score_points(fw: Framework, values: dict) -> dict:
    failures = []
    for ind in fw.indicators:
        if values[ind.code] < fw.min_indicator:
            failures.append(
                {
                    "indicator": ind.code,
                    "criterion": ind.criterion,
                    "reason": _("%(value)s is below the minimum of %(min)s per indicator.")
                    % {"value": _fmt(values[ind.code]), "min": _fmt(fw.min_indicator)},
                    "value": plain(values[ind.code]),
                    "required": plain(fw.min_indicator),
                }
            )
    total = sum((values[i.code] for i in fw.indicators), Decimal(0))
    if total < fw.pass_total:
        failures.append(
            {
                "indicator": None,
                "criterion": None,
                "reason": _("The total %(total)s is below the pass total of %(pass)s.")
                % {"total": _fmt(total), "pass": _fmt(fw.pass_total)},
                "value": plain(total),
                "required": plain(fw.pass_total),
            }
        )
    recognised = not failures
    band = next(
        (b for b in fw.bands if total >= b.min and (recognised or not b.requires_recognition)),
        None,
    )
    maxima = {i.code: i.max for i in fw.indicators}
    criteria = [
        {
            "criterion": ccode,
            "total": plain(sum((values[c] for c in codes), Decimal(0))),
            "max": plain(sum((maxima[c] for c in codes), Decimal(0))),
        }
        for ccode, codes in fw.criteria
    ]
    return {
        "total": plain(total),
        "max_total": plain(fw.max_total),
        "pass_total": plain(fw.pass_total),
        "min_indicator": plain(fw.min_indicator),
        "recognised": recognised,
        "level": None,
        "band": {"code": band.code, "name": band.name} if band else None,
        "criteria": criteria,
        "failures": failures,
    }


def _score_levels(fw: Framework, values: dict) -> dict:
    failures = []
    passed: dict[int, bool] = {}
    for lv in fw.levels:
        ok = True
        for ind in fw.indicators:
            value = values[ind.code]
            if ind.kind == PERCENT and lv in ind.thresholds and value < ind.thresholds[lv]:
                reason = _(
                    "%(value)s %% is below the threshold of %(required)s %% for level %(level)d."
                )
                required = ind.thresholds[lv]
            elif ind.kind == BOOLEAN and lv in ind.levels and value is not True:
                reason = _("Not met; it is required for level %(level)d.")
                required = True
            else:
                continue
            ok = False
            failures.append(
                {
                    "indicator": ind.code,
                    "criterion": ind.criterion,
                    "level": lv,
                    "reason": reason
                    % {
                        "value": _fmt(value) if ind.kind == PERCENT else value,
                        "required": _fmt(required) if ind.kind == PERCENT else required,
                        "level": lv,
                    },
                    "value": plain(value) if ind.kind == PERCENT else value,
                    "required": plain(required) if ind.kind == PERCENT else required,
                }
            )
        passed[lv] = ok
    level = 0
    for lv in fw.levels:
        if not passed[lv]:
            break
        level = lv
    return {
        "total": None,
        "recognised": level > 0,
        "level": level,
        "levels": {str(lv): passed[lv] for lv in fw.levels},
        "failures": failures,
    }
