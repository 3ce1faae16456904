"""Demo data of the allocation policies other than FIFO: the kanoon's mutual-help fund.

The main demo fund (``funds``) allocates first come, first served. Here the same District 9
staff kanoon keeps a second, smaller fund (IRR, Jalali, a point per 180 money-days, loan
factor 10, 90 days of history) with one zero-fee product (up to 100,000,000 rials over
1–12 months), ten members who each save once on 1396/02/01, and three recorded rounds, the
leader choosing the policy before each (the settings are audited):

1. 1396/06/10, **priority** with the default weights and a cap of 100,000,000: the medical
   and the education request (scores 71 and 61) are approved, the housing and the "other"
   request wait (``budget_exhausted``).
2. 1396/08/10, **lottery** with the published seed ``کانون۹-۱۳۹۶/۰۸`` and a cap of
   100,000,000: a request above the product's maximum is rejected first, with its reasons;
   the two waiting requests and two new ones are drawn in the seed's order, H9-P1, H9-L1,
   H9-P4, H9-L2 (``edupact fund redraw`` re-runs it): the first two are approved, the
   others wait.
3. 1396/10/10, **committee** of three (the kanoon's leader and two members) with a quorum
   of 2: one request has two approvals (approved), one two rejections (rejected,
   ``committee_rejected``), and the ``member`` demo user's own request one approval so far
   (waiting, ``votes_missing``), as do the two requests carried over without votes.

Approved loans are paid out five days after their round and repaid on their due dates up to
1397/01/31. Everything goes through the services; nothing is random. ``load_rounds_demo``
does nothing without the kanoon or its members, or once the fund exists (it is written in
one transaction), so a second ``edupact demo`` changes nothing.
"""

import datetime as dt
import heapq
from collections import Counter

import jdatetime
from django.contrib.auth import get_user_model
from django.db import transaction

from edupact.audit.context import acting_as
from edupact.core.scoping import Scope
from edupact.core.text import normalise
from edupact.directory.models import Organisation, Person, Position
from edupact.funds import allocation, services
from edupact.funds.models import FeeStrategy, Fund, Loan, LoanProduct, LoanStatus, NeedCategory

from .funds import KANOON_NAME, counts, create_kanoon_fund

FUND_NAME = "صندوق همیاری کانون کارکنان آموزش و پرورش منطقه 9"
KEY = "demo-rounds-1396:"
MILLION = 1_000_000
EVERYTHING = Scope(everything=True)
MEMBERS = 10
# Each member's one deposit on OPENED, in millions of rials (by order of national code).
SAVINGS = [200, 150, 120, 100, 80, 60, 50, 40, 30, 20]
LOTTERY_SEED = "کانون۹-۱۳۹۶/۰۸"
PAYOUT_DELAY = dt.timedelta(days=5)
# Phases of one day, in order.
REQUEST, SETTINGS, VOTE, ALLOCATE, DISBURSE, REPAY = range(6)


def jalali(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


OPENED = jalali(1396, 2, 1)
END = jalali(1397, 1, 31)
# (round day, policy, parameters, cap, requests) — a request is
# (label, member index, millions, months, need, requested on, purpose).
ROUNDS = [
    (
        jalali(1396, 6, 10),
        "priority",
        {},
        100 * MILLION,
        [
            ("P1", 0, 60, 10, NeedCategory.OTHER, jalali(1396, 6, 1), "خرید لوازم خانگی"),
            ("P2", 1, 50, 10, NeedCategory.MEDICAL, jalali(1396, 6, 2), "هزینه درمان"),
            ("P3", 2, 40, 10, NeedCategory.EDUCATION, jalali(1396, 6, 3), "شهریه دانشگاه"),
            ("P4", 3, 30, 10, NeedCategory.HOUSING, jalali(1396, 6, 4), "ودیعه مسکن"),
        ],
    ),
    (
        jalali(1396, 8, 10),
        "lottery",
        {"seed": LOTTERY_SEED},
        100 * MILLION,
        [
            ("L1", 4, 40, 10, NeedCategory.OTHER, jalali(1396, 8, 1), "تعمیر منزل"),
            ("L2", 5, 30, 6, NeedCategory.MARRIAGE, jalali(1396, 8, 2), "هزینه ازدواج"),
            ("L3", 6, 150, 12, NeedCategory.HOUSING, jalali(1396, 8, 3), "خرید خودرو"),
        ],
    ),
    (
        jalali(1396, 10, 10),
        "committee",
        {"quorum": 2},
        None,
        [
            ("C1", 7, 20, 10, NeedCategory.EDUCATION, jalali(1396, 10, 1), "هزینه تحصیل فرزند"),
            ("C2", 8, 15, 6, NeedCategory.OTHER, jalali(1396, 10, 2), "خرید گوشی"),
            ("C3", 9, 10, 5, NeedCategory.MEDICAL, jalali(1396, 10, 3), "هزینه دندانپزشکی"),
        ],
    ),
]
# Committee votes, from three days before the committee round: (label, seat, approve);
# seat 0 is the leader, one seat voting a day.
VOTES = [("C1", 0, True), ("C1", 1, True), ("C2", 0, False), ("C2", 2, False), ("C3", 1, True)]


def load_rounds_demo() -> Counter:
    """Create the mutual-help fund and its three rounds; counts of what was created."""
    kanoon = Organisation.objects.filter(
        kind=Organisation.Kind.KANOON, name=normalise(KANOON_NAME)
    ).first()
    if kanoon is None or Fund.objects.filter(kanoon=kanoon, name=FUND_NAME).exists():
        return Counter()
    users = get_user_model().objects.filter(username__in=["kanoon", "member"])
    users = {u.username: u for u in users}
    people = _members(kanoon, users.get("member"))
    if len(people) < MEMBERS:
        return Counter()
    with transaction.atomic(), acting_as(users.get("kanoon")):
        fund = RoundsDemo(kanoon, people, users.get("kanoon")).run()
    found = counts(fund)
    found["allocation rounds"] = fund.rounds.count()
    return Counter({f"mutual-help {k}" if k != "funds" else k: v for k, v in found.items()})


def _members(kanoon: Organisation, member_user) -> list[Person]:
    """Nine holders of a position in the kanoon by national code, then the ``member`` demo
    user's person (the last borrower); without that user, the tenth by national code."""
    ids = set(Position.objects.filter(organisation=kanoon).values_list("person_id", flat=True))
    you = member_user.person_id if member_user is not None else None
    others = sorted(Person.objects.filter(pk__in=ids - {you}), key=lambda p: (p.national_id, p.pk))
    if you is None:
        return others[:MEMBERS]
    return [*others[: MEMBERS - 1], Person.objects.get(pk=you)]


class RoundsDemo:
    def __init__(self, kanoon: Organisation, people: list[Person], leader_user):
        self.kanoon = kanoon
        self.people = people
        self.leader = leader_user.person if leader_user and leader_user.person_id else None
        self.events: list = []
        self.sequence = 0

    def run(self) -> Fund:
        self.fund = create_kanoon_fund(self.kanoon, FUND_NAME)
        self.product = services.save_product(
            EVERYTHING,
            LoanProduct(
                fund=self.fund,
                code="help",
                name="وام همیاری بدون کارمزد",
                min_amount=5 * MILLION,
                max_amount=100 * MILLION,
                min_months=1,
                max_months=12,
                fee_strategy=FeeStrategy.ZERO,
                valid_from=OPENED,
            ),
        )
        self.accounts = []
        for person, millions in zip(self.people, SAVINGS, strict=True):
            account = services.open_account(EVERYTHING, self.fund, person=person, opened_on=OPENED)
            services.deposit(
                EVERYTHING,
                account,
                millions * MILLION,
                OPENED,
                idempotency_key=f"{KEY}deposit:{account.pk}",
            )
            self.accounts.append(account)
        self.loans: dict[str, Loan] = {}
        for on, policy, parameters, cap, requests in ROUNDS:
            for request in requests:
                self.at(request[5], REQUEST, lambda r=request: self.request(*r))
            if policy == "committee":
                self.at(on - dt.timedelta(days=3), SETTINGS, lambda o=on: self.committee(o))
            else:
                self.at(on, SETTINGS, lambda p=policy, a=parameters: self.choose(p, a))
            self.at(on, ALLOCATE, lambda o=on, c=cap: self.allocate(o, c))
        while self.events:
            *_, action = heapq.heappop(self.events)
            action()
        return self.fund

    def at(self, day: dt.date, phase: int, action) -> None:
        """Play ``action`` on ``day``: everything in date order, as the ledger's sums expect."""
        self.sequence += 1
        heapq.heappush(self.events, (day, phase, self.sequence, action))

    def request(self, label, who, millions, months, need, asked, purpose) -> None:
        self.loans[label] = services.request_loan(
            EVERYTHING,
            self.accounts[who],
            self.product,
            millions * MILLION,
            months,
            asked,
            purpose=purpose,
            reference=f"H9-{label}",
            need=need,
            idempotency_key=f"{KEY}loan:{label}",
        )

    def choose(self, policy: str, parameters: dict, committee=None) -> None:
        allocation.save_settings(EVERYTHING, self.fund, policy, parameters, committee=committee)

    def committee(self, on: dt.date) -> None:
        """The leader and two members form the committee (quorum 2); they vote before the
        round, each in person, one a day."""
        leader = self.leader or self.people[2]
        seats = [leader, *[p for p in self.people[:3] if p != leader][:2]]
        self.choose("committee", {"quorum": 2}, committee=(leader, seats[1:]))
        for label, seat, approve in VOTES:
            day = on - dt.timedelta(days=3 - seat)
            voter = Scope(person_id=seats[seat].pk)
            self.at(
                day,
                VOTE,
                lambda v=voter, x=label, a=approve, d=day: allocation.cast_vote(
                    v, self.loans[x], a, d
                ),
            )

    def allocate(self, on: dt.date, cap: int | None) -> None:
        allocation.run_round(EVERYTHING, self.fund, on, cap=cap)
        day = on + PAYOUT_DELAY
        approved = Loan.objects.filter(fund=self.fund, status=LoanStatus.APPROVED)
        for loan in approved.order_by("id"):
            self.at(day, DISBURSE, lambda x=loan, d=day: self.pay_out(x, d))

    def pay_out(self, loan: Loan, on: dt.date) -> None:
        loan = Loan.objects.select_related("product", "account").get(pk=loan.pk)
        loan.fund = self.fund
        key = f"{KEY}disbursement:{loan.reference}"
        loan = services.disburse(EVERYTHING, loan, on, idempotency_key=key)
        for instalment in loan.instalments.order_by("n"):
            if instalment.due > END:
                break
            self.at(instalment.due, REPAY, lambda x=loan, i=instalment: self.repay(x, i))

    def repay(self, loan: Loan, instalment) -> None:
        loan = Loan.objects.select_related("account").get(pk=loan.pk)
        loan.fund = self.fund
        key = f"{KEY}repayment:{loan.reference}:{instalment.n}"
        services.repay(EVERYTHING, loan, instalment.amount, instalment.due, idempotency_key=key)
