"""The rule simulator's scenario file: its pydantic models, its JSON Schema and ``load``.

People script against this format (``docs/fund-scenarios.md``), so it is one declared
contract rather than hand-written checks: the models below state every field, its type, its
domain bound (the ``Annotated`` types of ``core.bounds``) and every event kind (a discriminated
union on ``type``); ``schema()`` publishes them as ``docs/schemas/fund-scenario.json``.

What a type cannot say — a member, product or loan the file refers to, events in date order,
dates in the scenario's own calendar, identifiers valid in its country — is checked by
validators that read and fill the validation *context*: pydantic validates fields in the
order they are declared and list items in order, so members are known before the fund's
committee and the events, and a loan id is known from its ``loan_request`` on.

``load`` turns pydantic's errors into the messages the simulator has always given, each
naming the place at fault (``event 3 (deposit) amount: …``, ``member "a": …``,
``product "p" max_amount: …``), translated, and raises ``ScenarioError`` listing all of them.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le, MaxLen, MinLen
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Strict,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from edupact.core import bounds, identifiers
from edupact.core.calendars import InvalidDate, parse_date
from edupact.core.text import ascii_digits
from edupact.rotating.simulation import MAX_CODES, MAX_SEED, DrawMode

from . import allocation
from .models import FeeStrategy, NeedCategory, PointsUse, TransferKind

CURRENCIES = ("IRR", "VND")
CALENDARS = ("jalali", "gregorian")
PHONE_REGION = {"IRR": "IR", "VND": "VN"}
_DATE = re.compile(r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})\s*$")
_MONTH = re.compile(r"^\s*(\d{4})[/-](\d{1,2})\s*$")
MAX_NAME = 255


class ScenarioError(ValueError):
    """The scenario is not valid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Scenario:
    """A checked scenario, in the plain values ``simulator.run`` applies."""

    fund: dict
    products: list[dict]
    policy: str
    parameters: dict
    committee: list[str]
    members: list[dict]
    events: list[dict]
    report_on: dt.date
    raw: dict = field(repr=False, default_factory=dict)
    rotating: dict | None = None  # the lottery fund (``rotating.simulation``), if any
    kanoon: bool = True  # the scenario has a kanoon fund ("fund", or no "rotating")


# Problems raised by validators ------------------------------------------------------------------


def _fail(message: str, *, parent: bool = False) -> PydanticCustomError:
    """A problem in the file; ``parent``: name the object holding the field (``event 2
    (transfer_share): unknown member 'z'``), as the simulator always has."""
    return PydanticCustomError("scenario", "{message}", {"message": message, "parent": parent})


def _many(problems: list[tuple[tuple, str]]) -> PydanticCustomError:
    """Several problems found by one object's check, each at a place below it."""
    return PydanticCustomError(
        "scenario", "{message}", {"message": problems[0][1], "problems": problems}
    )


def _show(value) -> str:
    """The value at fault as the message quotes it (cut short: a message is read)."""
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _ctx(info: ValidationInfo) -> dict:
    return info.context if isinstance(info.context, dict) else {}


# Field types ------------------------------------------------------------------------------------


def _day(value, info: ValidationInfo) -> dt.date:
    """A date as the scenario's calendar writes it, from 2000 (the money-days epoch) to
    2099: a simulation posts on any day of that century (``bounds.postings_until``)."""
    text = ascii_digits(value) if isinstance(value, str) else None
    if text is None or not _DATE.match(text):
        raise _fail(
            _("expected a date as YYYY/MM/DD or YYYY-MM-DD, got %(value)s")
            % {"value": _show(value)}
        )
    try:
        day = parse_date(text, _ctx(info).get("calendar", "gregorian"))
        return bounds.check_date(day, earliest=bounds.MONEY_DATE_MIN, latest=bounds.DATE_MAX)
    except InvalidDate as exc:
        raise _fail(f"{exc.args[0]} ({value})") from None
    except DjangoValidationError as exc:
        raise _fail(f"{exc.messages[0]} ({value})") from None


_D = "[0-9\u06f0-\u06f9\u0660-\u0669]"  # ASCII, Persian or Arabic-Indic digits
_DAY_SCHEMA = {
    "type": "string",
    "pattern": rf"^\s*{_D}{{4}}[/-]{_D}{{1,2}}[/-]{_D}{{1,2}}\s*$",
    "description": "A date in the scenario's calendar, YYYY/MM/DD or YYYY-MM-DD, 2000 to 2099.",
}
Day = Annotated[dt.date, BeforeValidator(_day), WithJsonSchema(_DAY_SCHEMA)]


def _in_order(value: dt.date, info: ValidationInfo) -> dt.date:
    context = _ctx(info)
    previous = context.get("previous")
    context["previous"] = max(value, previous) if previous else value
    if previous and value < previous:
        raise _fail(
            _("events must be in date order; this one comes before the previous"), parent=True
        )
    return value


EventDay = Annotated[Day, AfterValidator(_in_order)]


def _known_member(value: str, info: ValidationInfo) -> str:
    if value not in _ctx(info).get("members", {}):
        raise _fail(_("unknown member %(member)s") % {"member": _show(value)}, parent=True)
    return value


def _known_loan(value: str, info: ValidationInfo) -> str:
    if value not in _ctx(info).get("loans", set()):
        raise _fail(
            _("unknown loan %(loan)s (no earlier loan_request has this id)")
            % {"loan": _show(value)},
            parent=True,
        )
    return value


def _known_code(value: int, info: ValidationInfo) -> int:
    codes = _ctx(info).get("codes")
    if codes is not None and value > codes:
        raise _fail(_("there is no code %(code)s") % {"code": value})
    return value


def _listed(value):
    return value if isinstance(value, list) and value else [value]


Text = Annotated[str, Strict()]
Name = Annotated[str, Field(max_length=MAX_NAME)]
MemberRef = Annotated[Text, AfterValidator(_known_member)]
LoanRef = Annotated[Text, AfterValidator(_known_loan)]
Whole = Annotated[int, Field(strict=True, ge=1, le=bounds.MAX_COUNT)]
CodeNumber = Annotated[Whole, AfterValidator(_known_code)]
Positive = Annotated[int, Field(strict=True, ge=1, le=bounds.MAX_DAYS)]
SmallPositive = Annotated[int, Field(strict=True, ge=1, le=bounds.MAX_SMALL_COUNT)]
Rate = Annotated[Decimal, Field(ge=0, le=bounds.MAX_PERCENT, allow_inf_nan=False)]


class _Model(BaseModel):
    """Unknown keys are ignored, as they always were (a file may carry notes)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


# Members ----------------------------------------------------------------------------------------


def _new_member(value: str, info: ValidationInfo) -> str:
    members = _ctx(info).setdefault("members", {})
    if value in members:
        raise _fail(_("this id is used twice"), parent=True)
    members[value] = "person"
    return value


def _as_text(value):
    """An identifier may be written as a number; it is read as its digits."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Member(_Model):
    """A member of the fund: a person (national code) or an organisation (legal id)."""

    id: Annotated[Text, Field(min_length=1), AfterValidator(_new_member)]
    kind: Literal["person", "organisation"] = "person"
    name: Name | None = None
    national_id: Annotated[Text | None, BeforeValidator(_as_text)] = None
    mobile: Annotated[Text | None, BeforeValidator(_as_text)] = None
    _national_id: str = PrivateAttr("")
    _mobile: str = PrivateAttr("")

    @model_validator(mode="after")
    def _identifiers(self, info: ValidationInfo):
        context = _ctx(info)
        context.setdefault("members", {})[self.id] = self.kind
        currency = context.get("currency", "IRR")
        problems = []
        if self.national_id not in (None, ""):
            try:
                self._national_id = _identifier(str(self.national_id), self.kind, currency)
            except DjangoValidationError as exc:
                problems.append(((), f"{' '.join(exc.messages)} ({self.national_id})"))
            else:
                codes = context.setdefault("national_ids", {})
                if self._national_id in codes:
                    problems.append(
                        (
                            (),
                            _("same national identifier as member %(other)s")
                            % {"other": codes[self._national_id]},
                        )
                    )
                codes.setdefault(self._national_id, self.id)
        if self.mobile not in (None, ""):
            try:
                self._mobile = identifiers.phone_e164(str(self.mobile), PHONE_REGION[currency])
            except DjangoValidationError as exc:
                problems.append(((), f"{' '.join(exc.messages)} ({self.mobile})"))
        if problems:
            raise _many(problems)
        return self


def _identifier(value: str, kind: str, currency: str) -> str:
    if currency == "IRR":
        if kind == "person":
            return identifiers.iran_national_code(value)
        return identifiers.iran_legal_id(value)
    if kind == "person":
        return identifiers.vietnam_cccd(value)
    return ascii_digits(value).strip()


# The fund ---------------------------------------------------------------------------------------


class Points(_Model):
    days_per_unit: Positive = 180
    loan_factor: Positive = 10
    min_history_days: bounds.Days = 90


class Fee(_Model):
    strategy: Literal[tuple(FeeStrategy.values)]
    annual_rate_percent: Rate | None = None
    rate_percent: Rate | None = None

    @property
    def rate(self) -> Decimal:
        given = self.annual_rate_percent
        return Decimal(given if given is not None else self.rate_percent or 0)


def _new_product(value: str, info: ValidationInfo) -> str:
    codes = _ctx(info).setdefault("products", set())
    if value in codes:
        raise _fail(_("this code is used twice"), parent=True)
    codes.add(value)
    return value


class Product(_Model):
    """A loan product, its bounds and its fee."""

    code: Annotated[Text, Field(min_length=1), AfterValidator(_new_product)]
    name: Name | None = None
    max_amount: bounds.Amount
    min_amount: bounds.Amount = 1
    min_months: bounds.Months = 1
    max_months: bounds.Months = 60
    fee: Fee | None = None
    cooling_off_days: bounds.Days = 0
    blackout_months: list[bounds.Month] | None = None
    guarantors_required: bounds.SmallCount = 0
    open_requests: SmallPositive = 1
    valid_from: Day | None = None
    valid_to: Day | None = None

    @model_validator(mode="after")
    def _consistent(self):
        problems = []
        if self.max_months < self.min_months:
            problems.append(((), _("max_months is below min_months")))
        if self.max_amount < self.min_amount:
            problems.append(((), _("max_amount is below min_amount")))
        if self.fee and self.fee.strategy == FeeStrategy.ZERO and self.fee.rate:
            problems.append((("fee",), _("the zero strategy takes no rate")))
        if problems:
            raise _many(problems)
        return self


def _committee(value: list[str], info: ValidationInfo) -> list[str]:
    members = _ctx(info).get("members", {})
    if any(c not in members for c in value):
        raise _fail(_("expected a list of member ids"))
    if any(members[c] != "person" for c in value):
        raise _fail(_("only persons sit on the committee"))
    committee = list(dict.fromkeys(value))
    _ctx(info)["committee"] = committee
    return committee


class Allocation(_Model):
    """The allocation policy, its parameters (checked by ``allocation.clean_parameters``,
    the rule the fund's settings form uses) and the committee (member ids, the first one
    leading)."""

    model_config = ConfigDict(extra="allow")

    policy: Literal[allocation.POLICIES] = "fifo"
    committee: Annotated[list[Text], AfterValidator(_committee)] = []
    weights: dict[str, Any] | None = None
    recent_days: Any = None
    quorum: Any = None
    seed: Any = None
    only_backed: Any = None
    _clean: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_parameters(self):
        given = {k: getattr(self, k) for k in allocation.KEYS[self.policy] if k in self.given}
        unknown = sorted(self.given - {"policy", "committee"} - set(allocation.KEYS[self.policy]))
        problems = []
        if unknown:
            problems.append(
                (
                    (),
                    _("%(keys)s: not a parameter of the %(policy)s policy")
                    % {"keys": ", ".join(unknown), "policy": self.policy},
                )
            )
        try:
            self._clean = allocation.clean_parameters(self.policy, given)
        except DjangoValidationError as exc:
            problems.extend(((), message) for message in exc.messages)
        if self.policy == "committee" and self._clean.get("quorum", 0) > len(self.committee):
            problems.append(
                (
                    ("quorum",),
                    _("the quorum is more than the committee's %(size)s members")
                    % {"size": len(self.committee)},
                )
            )
        if problems:
            raise _many(problems)
        return self

    @property
    def given(self) -> set[str]:
        return set(self.model_fields_set) | set(self.model_extra or {})


class Fund(_Model):
    """The kanoon's fund: its currency and calendar, points rule, products, allocation."""

    name: Name | None = None
    currency: Literal[CURRENCIES] | None = None
    calendar: Literal[CALENDARS] | None = None
    points: Points = Field(default_factory=Points)
    default_after_days: bounds.Days = 90
    products: list[Product] = []
    allocation: Allocation = Field(default_factory=Allocation)


# The lottery fund (``rotating``) ----------------------------------------------------------------


def _start(value) -> tuple[int, int]:
    text = ascii_digits(value) if isinstance(value, str) else ""
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise _fail(
            _("expected the first month as YYYY/MM in the fund's calendar, got %(value)s")
            % {"value": _show(value)}
        )
    return int(found.group(1)), int(found.group(2))


def _fund_is(key: str):
    def check(value, info: ValidationInfo):
        expected = _ctx(info).get(key)
        if value is not None and _ctx(info).get("kanoon") and value != expected:
            raise _fail(_("must be the fund's, %(value)s") % {"value": expected})
        return value

    return check


class Holder(_Model):
    code: Whole
    member: MemberRef
    parts: SmallPositive | None = None


class Rotating(_Model):
    """A lottery fund of the scenario's kanoon, its codes held by the scenario's members."""

    name: Name | None = None
    currency: Annotated[Literal[CURRENCIES] | None, AfterValidator(_fund_is("currency"))] = None
    calendar: Annotated[Literal[CALENDARS] | None, AfterValidator(_fund_is("calendar"))] = None
    due: bounds.Amount
    codes: Annotated[int, Field(strict=True, ge=2, le=MAX_CODES)]
    draw_day: Annotated[int, Field(strict=True, ge=1, le=31)] = 1
    share_denominator: SmallPositive = 12
    start: Annotated[
        tuple[int, int],
        BeforeValidator(_start),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": rf"^\s*{_D}{{4}}[/-]{_D}{{1,2}}\s*$",
                "description": "The first month, YYYY/MM in the fund's calendar.",
            }
        ),
    ]
    holders: list[Holder]
    _holders: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _held(self, info: ValidationInfo):
        """Every code held, its parts adding up to one whole code."""
        _ctx(info)["codes"] = self.codes
        problems, held = [], {}
        for i, holder in enumerate(self.holders):
            if holder.code > self.codes:
                problems.append(
                    (("holders", i), _("there is no code %(code)s") % {"code": holder.code})
                )
                continue
            parts = holder.parts if holder.parts is not None else self.share_denominator
            if any(m == holder.member for m, _p in held.get(holder.code, [])):
                problems.append(
                    (
                        ("holders", i),
                        _("%(member)s holds code %(code)s twice")
                        % {"member": holder.member, "code": holder.code},
                    )
                )
            held.setdefault(holder.code, []).append((holder.member, parts))
        for code in range(1, self.codes + 1):
            total = sum(p for _m, p in held.get(code, []))
            if code not in held:
                problems.append((("holders",), _("code %(code)s has no holder") % {"code": code}))
            elif total != self.share_denominator:
                problems.append(
                    (
                        ("holders",),
                        _("the parts of code %(code)s add up to %(total)s, not %(whole)s")
                        % {"code": code, "total": total, "whole": self.share_denominator},
                    )
                )
        if problems:
            raise _many(problems)
        self._holders = held
        return self


# Events -----------------------------------------------------------------------------------------


class _Event(_Model):
    on: EventDay


class Deposit(_Event):
    type: Literal["deposit"]
    member: MemberRef
    amount: bounds.Amount


class Withdraw(_Event):
    type: Literal["withdraw"]
    member: MemberRef
    amount: bounds.Amount


class GiftPoints(_Event):
    type: Literal["gift_points"]
    from_: MemberRef = Field(alias="from")
    to: MemberRef
    points: bounds.Points
    use: Literal[tuple(PointsUse.values)] = PointsUse.ANY_LOAN.value
    kind: Literal[TransferKind.GIFT.value, TransferKind.PLEDGE.value] = TransferKind.GIFT.value

    @model_validator(mode="after")
    def _someone_else(self):
        if self.from_ == self.to:
            raise _fail(_("a member cannot give points to themselves"))
        return self


def _new_loan(value: str, info: ValidationInfo) -> str:
    loans = _ctx(info).setdefault("loans", set())
    if value in loans:
        raise _fail(_("loan id %(loan)s is used twice") % {"loan": value}, parent=True)
    loans.add(value)
    return value


def _known_product(value: str, info: ValidationInfo) -> str:
    if value not in _ctx(info).get("products", set()):
        raise _fail(_("unknown product %(product)s") % {"product": _show(value)}, parent=True)
    return value


class LoanRequest(_Event):
    type: Literal["loan_request"]
    id: Annotated[Text, Field(min_length=1), AfterValidator(_new_loan)]
    member: MemberRef
    product: Annotated[Text, AfterValidator(_known_product)]
    amount: bounds.Amount
    months: bounds.Months
    purpose: Text | None = None
    need: Literal[tuple(NeedCategory.values)] = NeedCategory.OTHER.value


class Allocate(_Event):
    type: Literal["allocate"]
    policy: Literal[allocation.POLICIES] | None = None
    budget: bounds.AmountOrZero | None = None
    seed: Annotated[Text, Field(min_length=1, max_length=200)] | None = None


class Vote(_Event):
    type: Literal["vote"]
    loan: LoanRef
    member: MemberRef
    approve: Annotated[bool, Strict()]

    @model_validator(mode="after")
    def _on_the_committee(self, info: ValidationInfo):
        if self.member not in _ctx(info).get("committee", []):
            raise _fail(_("%(member)s is not on the committee") % {"member": _show(self.member)})
        return self


class Disburse(_Event):
    type: Literal["disburse"]
    loan: LoanRef


class Repay(_Event):
    type: Literal["repay"]
    loan: LoanRef
    amount: bounds.Amount


class Guarantee(_Event):
    type: Literal["guarantee"]
    loan: LoanRef
    member: MemberRef
    amount: bounds.Amount


class ConfirmGuarantee(_Event):
    type: Literal["confirm_guarantee"]
    loan: LoanRef
    member: MemberRef


class Settle(_Event):
    type: Literal["settle"]
    loan: LoanRef


class Reschedule(_Event):
    type: Literal["reschedule"]
    loan: LoanRef
    months: bounds.Months
    reason: Text | None = None


class _RotatingEvent(_Event):
    @model_validator(mode="before")
    @classmethod
    def _needs_lottery_fund(cls, data, info: ValidationInfo):
        if _ctx(info) and not _ctx(info).get("rotating"):
            raise _fail(_("this event needs a lottery fund: give the scenario a rotating object"))
        return data


class PayDues(_RotatingEvent):
    type: Literal["pay_dues"]
    code: Annotated[
        list[CodeNumber],
        BeforeValidator(_listed),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "integer", "minimum": 1},
                    {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1},
                ]
            }
        ),
    ]
    month: Whole
    amount: bounds.Amount | None = None

    @model_validator(mode="after")
    def _month(self, info: ValidationInfo):
        problems = []
        if len(set(self.code)) != len(self.code):
            problems.append((("code",), _("a code is listed twice")))
        codes = _ctx(info).get("codes")
        if codes is not None and self.month > codes:
            problems.append((("month",), _("the month must be between 1 and %(n)s") % {"n": codes}))
        if problems:
            raise _many(problems)
        return self


class Draw(_RotatingEvent):
    type: Literal["draw"]
    code: CodeNumber | None = None
    reason: Text | None = None
    seed: Text | None = None
    exclude: dict[str, Text | None] | None = None
    _exclude: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _mode(self, info: ValidationInfo):
        problems = []
        reason, exclude = (self.reason or "").strip(), self.exclude or {}
        if self.code is not None:
            if not reason:
                problems.append(((), _("a manual draw needs a reason")))
            if self.seed is not None or exclude:
                problems.append(((), _("a manual draw takes no seed and excludes no code")))
        elif not (self.seed or "").strip() or len(self.seed) > MAX_SEED:
            problems.append(
                (
                    ("seed",),
                    _(
                        "give the draw's seed, a text of 1 to %(n)s characters: anyone "
                        "can then re-run the draw"
                    )
                    % {"n": MAX_SEED},
                )
            )
        codes = _ctx(info).get("codes")  # None: the lottery fund is itself at fault
        for key, why in exclude.items():
            number = _int(key)
            if number is None or (codes is not None and not 1 <= number <= codes):
                problems.append((("exclude",), _("there is no code %(code)s") % {"code": key}))
            if not (why or "").strip():
                problems.append(
                    (
                        ("exclude",),
                        _("give the reason for excluding code %(code)s") % {"code": key},
                    )
                )
            if number is not None:
                self._exclude[number] = why or ""
        if problems:
            raise _many(problems)
        return self


def _int(value: str) -> int | None:
    try:
        return int(ascii_digits(value))
    except ValueError:
        return None


class TransferShare(_RotatingEvent):
    type: Literal["transfer_share"]
    code: CodeNumber
    from_: MemberRef = Field(alias="from")
    to: MemberRef
    parts: Whole | None = None

    @model_validator(mode="after")
    def _someone_else(self):
        if self.from_ == self.to:
            raise _fail(_("a share is transferred to someone else"))
        return self


EVENTS = (
    Deposit,
    Withdraw,
    GiftPoints,
    LoanRequest,
    Allocate,
    Vote,
    Disburse,
    Repay,
    Guarantee,
    ConfirmGuarantee,
    Settle,
    Reschedule,
    PayDues,
    Draw,
    TransferShare,
)
EVENT_TYPES = tuple(typing.get_args(e.model_fields["type"].annotation)[0] for e in EVENTS)


def _event_type(value) -> str | None:
    return value.get("type") if isinstance(value, dict) else getattr(value, "type", None)


Event = Annotated[
    typing.Union[tuple(Annotated[e, Tag(t)] for e, t in zip(EVENTS, EVENT_TYPES, strict=True))],  # noqa: UP007
    Discriminator(_event_type),
]


# The whole file ---------------------------------------------------------------------------------


class ScenarioFile(_Model):
    """A scenario: members, a kanoon fund and/or a lottery fund, events, the report date.

    Fields are declared in the order they must be validated: members before the fund (its
    committee) and the lottery fund (its holders), both before the events."""

    model_config = ConfigDict(
        extra="ignore",
        title="edupact fund scenario",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    members: list[Member]
    fund: Fund | None = None
    rotating: Rotating | None = None
    events: list[Event]
    report_on: Day | None = None

    @model_validator(mode="after")
    def _report_date(self):
        last = max((e.on for e in self.events), default=None)
        if self.report_on is None and last is None:
            raise _many([(("report_on",), _("give the date of the report"))])
        if self.report_on and last and self.report_on < last:
            raise _many([(("report_on",), _("the report date comes before the last event"))])
        return self


def schema() -> dict:
    """The JSON Schema of a scenario file (``docs/schemas/fund-scenario.json``)."""
    return ScenarioFile.model_json_schema(by_alias=True)


# Loading ----------------------------------------------------------------------------------------


def _context(data: dict) -> dict:
    """What validators need before they run: the scenario's currency and calendar (the
    fund's, or a lottery fund's of its own) and whether it has a kanoon fund and a lottery
    fund. The fields themselves are validated, and refused if wrong, by the models."""
    fund = data.get("fund") if isinstance(data.get("fund"), dict) else {}
    kanoon = "fund" in data or "rotating" not in data
    source = fund
    if not kanoon and isinstance(data.get("rotating"), dict):
        source = data["rotating"]
    currency = source.get("currency") if source.get("currency") in CURRENCIES else "IRR"
    calendar = source.get("calendar")
    if calendar not in CALENDARS:
        calendar = "jalali" if currency == "IRR" else "gregorian"
    return {
        "currency": currency,
        "calendar": calendar,
        "kanoon": kanoon,
        "rotating": data.get("rotating") is not None,
    }


def load(data: Any) -> Scenario:
    """Check a scenario and return it parsed, or raise ScenarioError with every problem."""
    if not isinstance(data, dict):
        raise ScenarioError([_("scenario: expected a JSON object")])
    context = _context(data)
    try:
        checked = ScenarioFile.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(messages(exc, data)) from None
    return _plain(checked, data, context)


def _plain(s: ScenarioFile, data: dict, context: dict) -> Scenario:
    fund = s.fund or Fund()
    currency, calendar = context["currency"], context["calendar"]
    report_on = s.report_on or max(e.on for e in s.events)
    return Scenario(
        fund={
            "name": fund.name or _("Simulated fund"),
            "currency": currency,
            "calendar": calendar,
            "days_per_unit": fund.points.days_per_unit,
            "loan_factor": fund.points.loan_factor,
            "min_history_days": fund.points.min_history_days,
            "default_after_days": fund.default_after_days,
        },
        products=[
            {
                "code": p.code,
                "name": p.name or p.code,
                "max_amount": p.max_amount,
                "min_amount": p.min_amount,
                "min_months": p.min_months,
                "max_months": p.max_months,
                "fee_strategy": p.fee.strategy if p.fee else FeeStrategy.ZERO.value,
                "fee_rate_percent": p.fee.rate if p.fee else Decimal(0),
                "cooling_off_days": p.cooling_off_days,
                "blackout_months": p.blackout_months or [],
                "guarantors_required": p.guarantors_required,
                "open_requests": p.open_requests,
                "valid_from": p.valid_from,
                "valid_to": p.valid_to,
            }
            for p in fund.products
        ],
        policy=fund.allocation.policy,
        parameters=fund.allocation._clean,
        committee=fund.allocation.committee,
        members=[
            {
                "id": m.id,
                "kind": m.kind,
                "name": (m.name or m.id)[:100],
                "national_id": m._national_id,
                "mobile": m._mobile,
            }
            for m in s.members
        ],
        events=[_event(i, e, s.rotating) for i, e in enumerate(s.events)],
        report_on=report_on,
        raw=data,
        rotating=_rotating(s.rotating),
        kanoon=context["kanoon"],
    )


def _rotating(r: Rotating | None) -> dict | None:
    if r is None:
        return None
    return {
        "name": r.name or _("Simulated lottery fund"),
        "due": r.due,
        "codes": r.codes,
        "draw_day": r.draw_day,
        "share_denominator": r.share_denominator,
        "start": r.start,
        "holders": r._holders,
    }


def _event(index: int, e, rotating: Rotating | None) -> dict:
    """An event as ``simulator._apply`` and ``rotating.simulation.apply`` take it."""
    out = {"index": index} | e.model_dump(by_alias=True, exclude={"exclude"})
    if isinstance(e, LoanRequest):
        out["purpose"] = (e.purpose or "")[:255]
    elif isinstance(e, Reschedule):
        out["reason"] = (e.reason or _("rescheduled"))[:255]
    elif isinstance(e, PayDues):
        out["codes"] = out.pop("code")
        out["amount"] = e.amount if e.amount is not None else rotating.due
    elif isinstance(e, Draw):
        out["reason"] = (e.reason or "")[:255]
        out["seed"] = e.seed or ""
        out["exclude"] = e._exclude
        if e.code is not None:
            out["mode"] = DrawMode.MANUAL
        else:
            out["mode"] = DrawMode.SEMI_AUTOMATIC if e._exclude else DrawMode.AUTOMATIC
    return out


# Pydantic's errors as the simulator's messages ----------------------------------------------------


def messages(exc: ValidationError, data: dict) -> list[str]:
    """Every error of ``exc``, in the order found, as ``place: message``."""
    out: list[str] = []
    for error in exc.errors(include_url=False):
        loc, ctx = tuple(error["loc"]), error.get("ctx") or {}
        if error["type"] == "scenario":
            if ctx.get("problems"):
                for suffix, message in ctx["problems"]:
                    out.append(f"{_where(loc + tuple(suffix), data)}: {message}")
                continue
            if ctx.get("parent"):
                loc = loc[:-1]
            out.append(f"{_where(loc, data)}: {ctx['message']}")
            continue
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            out.append(
                f"{_where(loc, data)}: "
                + _("unknown type %(type)s; known: %(known)s")
                % {"type": _show(_event_type(error["input"])), "known": ", ".join(EVENT_TYPES)}
            )
            continue
        message = _message(error, _annotation_at(loc))
        out.append(f"{_where(loc, data)}: {message}")
    return list(dict.fromkeys(out))


def _message(error: dict, annotation) -> str:
    kind = error["type"]
    value = None if kind == "missing" else error.get("input")
    base, meta = _unwrap(annotation)
    name = error["loc"][-1] if error["loc"] else ""
    if name in ("annual_rate_percent", "rate_percent"):
        if kind in ("greater_than_equal", "less_than_equal"):
            return _("the fee rate must be between 0 and 100 percent")
        return _("the fee rate must be a number of percent")
    if base is int:
        low = next((m.ge for m in meta if isinstance(m, Ge)), 1)
        high = next((m.le for m in meta if isinstance(m, Le)), bounds.MAX_COUNT)
        return _("expected a whole number from %(min)s to %(max)s, got %(value)s") % {
            "min": low,
            "max": high,
            "value": _show(value),
        }
    if typing.get_origin(base) is Literal:
        return _("expected one of %(options)s, got %(value)s") % {
            "options": ", ".join(str(o) for o in typing.get_args(base)),
            "value": _show(value),
        }
    if base is bool:
        return _("expected true or false")
    if base is str:
        low = next((m.min_length for m in meta if isinstance(m, MinLen)), 0)
        high = next((m.max_length for m in meta if isinstance(m, MaxLen)), None)
        if high is not None and not low:
            return _("expected a text of at most %(max)s characters, got %(value)s") % {
                "max": high,
                "value": _show(value),
            }
        if high is not None:
            return _("expected a text of %(min)s to %(max)s characters, got %(value)s") % {
                "min": low,
                "max": high,
                "value": _show(value),
            }
        if low:
            return _("expected a text that is not empty, got %(value)s") % {"value": _show(value)}
        return _("expected a text, got %(value)s") % {"value": _show(value)}
    if base is dt.date:
        return _("expected a date as YYYY/MM/DD or YYYY-MM-DD, got %(value)s") % {
            "value": _show(value)
        }
    if typing.get_origin(base) is tuple:  # the lottery fund's first month
        return _("expected the first month as YYYY/MM in the fund's calendar, got %(value)s") % {
            "value": _show(value)
        }
    if typing.get_origin(base) is list or kind == "list_type":
        return _("expected a list")
    if typing.get_origin(base) is dict or (isinstance(base, type) and issubclass(base, BaseModel)):
        return _("expected an object")
    if kind == "missing":
        return _("this field is required")
    return _("not understood: %(value)s") % {"value": _show(value)}


def _unwrap(annotation) -> tuple[Any, list]:
    """The base type of an annotation and its constraints (``Ge``, ``Le``, ``MinLen``…),
    through ``Annotated`` and ``X | None``."""
    meta: list = []
    while True:
        if typing.get_origin(annotation) is Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                meta.extend(getattr(item, "metadata", None) or [item])
            continue
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) == 1:
                annotation = options[0]
                continue
        return annotation, meta


def _annotation_at(loc: tuple):
    """The declared type of the field at ``loc``, walking the models (and the event union
    by its tag)."""
    annotation: Any = ScenarioFile
    for part in loc:
        base, _meta = _unwrap(annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            fields = {(f.alias or n): f for n, f in base.model_fields.items()}
            if part not in fields:
                return None
            info = fields[part]
            annotation = (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else (info.annotation)
            )
        elif isinstance(part, int) and typing.get_origin(base) in (list, tuple):
            annotation = typing.get_args(base)[0]
        elif isinstance(part, str) and part in EVENT_TYPES:
            annotation = EVENTS[EVENT_TYPES.index(part)]
        elif isinstance(part, str) and typing.get_origin(base) is dict:
            annotation = typing.get_args(base)[1]
        else:
            return None
    return annotation


def _where(loc: tuple, data: dict) -> str:
    """The place of ``loc`` as the simulator names it: ``event 3 (deposit) amount``,
    ``member "a" kind``, ``product "p" fee.strategy``, ``fund.points.days_per_unit``."""
    if not loc:
        return _("scenario")
    head, rest = loc[0], list(loc[1:])
    if head == "events" and rest and isinstance(rest[0], int):
        where = f"event {rest[0]}"
        rest = rest[1:]
        if rest and rest[0] in EVENT_TYPES:
            where += f" ({rest[0]})"
            rest = rest[1:]
        fields = [str(p) for p in rest if not isinstance(p, int)]
        return " ".join([where, *fields[:1]]) + "".join(f".{p}" for p in fields[1:])
    if head == "members" and rest and isinstance(rest[0], int):
        return _named(
            "member", _item(data, ["members", rest[0]], "id"), f"members[{rest[0]}]", rest
        )
    if loc[:2] == ("fund", "products") and len(loc) > 2 and isinstance(loc[2], int):
        item = _item(data, ["fund", "products", loc[2]], "code")
        return _named("product", item, f"fund.products[{loc[2]}]", list(loc[2:]))
    where = str(head)
    for i, part in enumerate(rest):
        if isinstance(part, int):
            where += f"[{part}]"
        elif i and isinstance(rest[i - 1], int):
            where += f" {part}"
        else:
            where += f".{part}"
    return where


def _item(data, path: list, key: str):
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data.get(key) if isinstance(data, dict) else None


def _named(noun: str, name, fallback: str, rest: list) -> str:
    where = f'{noun} "{name}"' if isinstance(name, str) and name else fallback
    fields = [str(p) for p in rest[1:] if not isinstance(p, int)]
    return " ".join([where, ".".join(fields)]) if fields else where
