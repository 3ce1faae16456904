"""Demo data of rotating funds: the District 9 staff lottery fund (صندوق قرعه‌کشی).

Owned by the District 9 staff kanoon (so its leader runs it and the secretariat sees it):
20 codes of 5,000,000 toman (50,000,000 rials) a month from Ordibehesht 1396, drawn on the
15th. The kanoon's members hold the codes in order of national code (the ``member`` demo
user holds code 1; someone holding two codes is common); codes 5, 9 and 14 are held by
halves. Nine months of dues are paid on the 5th (1396/02–1396/10) and eight months are drawn
(1396/02–1396/09), so the ninth draw is ready to run:

- automatic draws with the month as published seed ("1396/02" …);
- month 3 drawn manually (an agreed emergency), month 8 with code 17 excluded for arrears;
- code 17's holder leaves months 7–9 unpaid: the one member in arrears;
- after the fourth draw (1396/05/20) the holder of code 12 transfers half of it to another
  member, so a later win of code 12 is split between them.

Everything goes through ``services`` in date order. ``load_rotating_demo`` does nothing
without the kanoon, or once the fund exists (it is written in one transaction), so a second
``edupact demo`` changes nothing.
"""

import datetime as dt
from collections import Counter

import jdatetime
from django.contrib.auth import get_user_model
from django.db import transaction

from edupact.audit.context import acting_as
from edupact.core.calendars import Calendar
from edupact.core.scoping import Scope
from edupact.core.text import normalise
from edupact.directory.models import Organisation, Person, Position
from edupact.rotating import selectors, services
from edupact.rotating.models import DrawMode, RotatingFund

from .funds import KANOON_NAME

FUND_NAME = "صندوق قرعه‌کشی کارکنان مدارس منطقه 9"
EVERYTHING = Scope(everything=True)
CODES = 20
DUE = 50_000_000  # rials: 5,000,000 toman
HALVES = (5, 9, 14)
LATE_CODE = 17
LATE_MONTHS = (7, 8, 9)
DUES_MONTHS = 9
DRAWN_MONTHS = 8
TRANSFERRED_CODE = 12
MANUAL = {3: (11, "هزینه درمان فوری، با موافقت همه اعضا")}
EXCLUDED = {8: {LATE_CODE: "بدهی معوق دو ماه"}}
KEY = "demo-rotating-1396:"


def _jalali(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


def _month(n: int, day: int) -> dt.date:
    """Day ``day`` of month ``n`` of the cycle (1 = Ordibehesht 1396)."""
    year, month = divmod(1396 * 12 + 1 + n - 1, 12)
    return _jalali(year, month + 1, day)


def load_rotating_demo() -> Counter:
    kanoon = Organisation.objects.filter(
        kind=Organisation.Kind.KANOON, name=normalise(KANOON_NAME)
    ).first()
    if kanoon is None or RotatingFund.objects.filter(organisation=kanoon).exists():
        return Counter()
    people = _members(kanoon)
    if len(people) < 2:
        return Counter()
    leader = get_user_model().objects.filter(username="kanoon").first()
    with transaction.atomic(), acting_as(leader):
        fund = _play(kanoon, people)
    return Counter(
        {
            "rotating funds": 1,
            "rotating shares": sum(c.shares.count() for c in fund.codes.all()),
            "rotating due payments": fund.payments.count(),
            "rotating draws": fund.draws.count(),
        }
    )


def _members(kanoon: Organisation) -> list[Person]:
    """The kanoon's members, the ``member`` demo user's person first, then by national code."""
    ids = set(Position.objects.filter(organisation=kanoon).values_list("person_id", flat=True))
    user = get_user_model().objects.filter(username="member").first()
    first = user.person_id if user is not None and user.person_id else None
    if first:
        ids.add(first)
    people = Person.objects.filter(pk__in=ids)
    return sorted(people, key=lambda p: (p.pk != first, p.national_id, p.pk))


def _play(kanoon: Organisation, people: list[Person]) -> RotatingFund:
    fund = services.create_fund(
        EVERYTHING,
        RotatingFund(
            name=FUND_NAME,
            organisation=kanoon,
            currency="IRR",
            calendar=Calendar.JALALI,
            due=DUE,
            start_year=1396,
            start_month=2,
            codes_count=CODES,
            share_denominator=12,
            draw_day=15,
            draw_mode=DrawMode.AUTOMATIC,
        ),
    )
    holders = iter(people * 3)
    codes = {c.number: c for c in fund.codes.all()}
    for n, code in codes.items():
        split = [(next(holders), 6), (next(holders), 6)] if n in HALVES else [(next(holders), 12)]
        services.assign_code(EVERYTHING, code, split)
    for month in range(1, DUES_MONTHS + 1):
        for n, code in codes.items():
            if n == LATE_CODE and month in LATE_MONTHS:
                continue
            services.record_due(
                EVERYTHING,
                code,
                month,
                DUE,
                _month(month, 5),
                idempotency_key=f"{KEY}due:{n}:{month}",
            )
        if month <= DRAWN_MONTHS:
            _draw(fund, month)
        if month == 4:
            _transfer(codes[TRANSFERRED_CODE], people)
    return fund


def _draw(fund: RotatingFund, month: int) -> None:
    on = _month(month, 15)
    if month in MANUAL:
        number, reason = MANUAL[month]
        if number not in selectors.not_won(fund):  # already drawn: let the lottery decide
            number = selectors.not_won(fund)[0]
        services.run_draw(
            EVERYTHING, fund, mode=DrawMode.MANUAL, today=on, code_number=number, reason=reason
        )
        return
    excluded = EXCLUDED.get(month, {})
    services.run_draw(
        EVERYTHING,
        fund,
        mode=DrawMode.SEMI_AUTOMATIC if excluded else DrawMode.AUTOMATIC,
        today=on,
        seed=f"1396/{month + 1:02d}",
        exclusions={n: why for n, why in excluded.items() if n in selectors.not_won(fund)},
    )


def _transfer(code, people: list[Person]) -> None:
    """Half of the code goes to a member who does not hold it yet."""
    share = code.shares.get(valid_to__isnull=True)
    taker = next(p for p in reversed(people) if p.pk != share.person_id)
    services.transfer_share(
        EVERYTHING, share, _month(4, 20), person=taker, numerator=share.numerator // 2
    )
