"""Demo data of the funds app: the District 9 kanoon's fund over its first year.

The demo (``edupact.demo``) creates the kanoon of District 9 education staff, its members
(people holding a position in it) and the District 9 schools they work in. Here the kanoon
gets its qard al-hasan fund (IRR, Jalali calendar, a point per 180 money-days, loan factor
10, 90 days of history before a first loan) with a dated standard product (up to
3,000,000,000 rials over 1–60 months, 2 % a year on the declining balance, no approvals in
Esfand, 180 days of cooling-off) and a zero-fee emergency product, and one year,
1396/02/01–1397/01/31, of:

- deposits: each member from the day they joined the kanoon, then on the 1st of every month
  (a few months skipped); a few schools direct their idle money to the fund as institutional
  depositors (the school owns the money, its principal decides on its points);
- a few withdrawals; gifts and pledges of points between members, and schools giving points
  to borrowers (gifts, a pledge, and points for zero-fee loans only);
- FIFO allocation rounds on the 10th of each month from Mordad, payouts on the 15th and
  repayments on the due dates: loans still requested, approved, rejected (points, amount,
  history, Esfand, cooling-off, overdue instalments), disbursed (one in arrears) and repaid
  (one settled early, one giving its pledge back).

The ``member`` demo user's person has a balance, points and a disbursed loan.

Everything goes through ``services``, in date order, so the ledger's invariants and running
sums hold; amounts and choices come from ``random.Random(1396)``. Every write carries an
idempotency key (the fund, its products and accounts are found by their natural keys), so
replaying the year on the fund creates nothing; ``load_funds_demo`` does not even replay
once the fund (found by its kanoon and name) exists, since it is written in one
transaction. The kanoon's second fund, with rounds under the other allocation policies
(priority, lottery, committee), is ``fund_rounds``; its lottery fund is ``rotating``.
"""

import datetime as dt
import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import jdatetime
from django.contrib.auth import get_user_model
from django.db import transaction

from edupact.audit.context import acting_as
from edupact.core import calendars
from edupact.core.calendars import Calendar
from edupact.core.scoping import Scope
from edupact.core.text import normalise
from edupact.demo import vocabulary as V
from edupact.directory.models import Organisation, Person, Position
from edupact.funds import rules, services
from edupact.funds.models import (
    FeeStrategy,
    Fund,
    FundAccount,
    JournalEntry,
    Loan,
    LoanProduct,
    LoanStatus,
    PointsTransfer,
    PointsUse,
    TransferKind,
)
from edupact.funds.selectors import account_points

SEED = 1396
KANOON_NAME = "کانون کارکنان آموزش و پرورش منطقه 9"
FUND_NAME = "صندوق قرض‌الحسنه کانون کارکنان آموزش و پرورش منطقه 9"
KEY = "demo-1396:"  # prefix of every idempotency key the demo uses
MILLION = 1_000_000
EVERYTHING = Scope(everything=True)


def create_kanoon_fund(kanoon: Organisation, name: str, **rules) -> Fund:
    """A District 9 kanoon fund on the brief's rules: rials, the Jalali calendar, points of
    180 money-days, a loan factor of 10 and 90 days of history before a loan."""
    return services.create_fund(
        EVERYTHING,
        Fund(
            name=name,
            kanoon=kanoon,
            currency="IRR",
            calendar=Calendar.JALALI,
            days_per_unit=180,
            loan_factor=10,
            min_history_days=90,
            **rules,
        ),
    )


def jalali(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


def _month(index: int, day: int) -> dt.date:
    """Day ``day`` of month ``index`` counted from Farvardin 1396 = 1 (13 = Farvardin 1397)."""
    return jalali(1396 + (index - 1) // 12, (index - 1) % 12 + 1, day)


START = jalali(1396, 2, 1)  # 2017-04-21
END = jalali(1397, 1, 31)  # 2018-04-20
DEPOSIT_DAYS = [_month(m, 1) for m in range(2, 14)]  # 1396/02/01 … 1397/01/01
ROUNDS = [_month(m, 10) for m in range(5, 14)]  # allocation rounds, 1396/05/10 … 1397/01/10
ESFAND = ROUNDS[7]  # 1396/12/10: the standard product does not lend in Esfand
PAYOUT_DELAY = dt.timedelta(days=5)
HISTORY = 95  # days a borrower "with history" has deposited before the round

# Phases of one day, in order.
DEPOSIT, WITHDRAW, GIFT, REQUEST, ALLOCATE, DISBURSE, REPAY = range(7)

PRODUCTS = {
    "standard": {
        "name": "وام قرض‌الحسنه عادی",
        "min_amount": 10 * MILLION,
        "max_amount": 3_000 * MILLION,
        "min_months": 1,
        "max_months": 60,
        "fee_strategy": FeeStrategy.DECLINING_BALANCE,
        "fee_rate_percent": 2,
        "cooling_off_days": 180,
        "blackout_months": [12],
    },
    "emergency": {
        "name": "وام ضروری بدون کارمزد",
        "min_amount": 5 * MILLION,
        "max_amount": 200 * MILLION,
        "min_months": 1,
        "max_months": 12,
        "fee_strategy": FeeStrategy.ZERO,
        "fee_rate_percent": 0,
    },
}
PURPOSES = [
    "ودیعه مسکن",
    "هزینه درمان",
    "جهیزیه",
    "تعمیر منزل",
    "هزینه تحصیل فرزند",
    "خرید لوازم خانگی",
    "هزینه ازدواج",
    "خرید خودرو",
]
URGENT = ["هزینه درمان", "هزینه فوری خانواده", "هزینه بیمارستان"]


@dataclass
class Member:
    account: FundAccount
    joined: dt.date  # also the day of the first deposit


@dataclass
class Role:
    """One loan of the story and what should become of it."""

    label: str
    member: Member
    product: str
    months: int
    amount: int  # what is asked, unless ``beyond`` sizes it from the borrower's points
    requested_on: dt.date
    purpose: str
    round: dt.date | None = None  # the allocation round that decides it
    support: str = ""  # "top_up", "pledge" or "restricted": points from a school
    pledge_by: Member | None = None  # a member who pledges half the points needed
    beyond: bool = False  # ask for about three times what the points allow
    disburse: bool = False
    skip: int | None = None  # this instalment is left unpaid
    settle_at: int | None = None  # the rest is paid with this instalment
    reference: str = ""
    loan: Loan | None = None

    @property
    def key(self) -> str:
        return f"{KEY}loan:{self.label}"


def load_funds_demo() -> Counter:
    """Create the District 9 kanoon's fund and its first year; counts of what was created.

    Nothing happens without the demo's kanoon, or once its fund exists.
    """
    kanoon = Organisation.objects.filter(
        kind=Organisation.Kind.KANOON, name=normalise(KANOON_NAME)
    ).first()
    if kanoon is None or Fund.objects.filter(kanoon=kanoon, name=FUND_NAME).exists():
        return Counter()
    leader = get_user_model().objects.filter(username="kanoon").first()
    with transaction.atomic(), acting_as(leader):
        fund = FundDemo(kanoon).run()
    return counts(fund)


def counts(fund: Fund | None) -> Counter:
    if fund is None:
        return Counter()
    return Counter(
        {
            "funds": 1,
            "fund accounts": fund.accounts.count(),
            "loan products": fund.products.count(),
            "journal entries": fund.entries.count(),
            "points transfers": fund.transfers.count(),
            "loans": fund.loans.count(),
        }
    )


class FundDemo:
    """The year, planned with one random generator and played in date order."""

    def __init__(self, kanoon: Organisation, seed: int = SEED):
        self.kanoon = kanoon
        self.rng = random.Random(seed)
        self.events: list = []
        self.sequence = 0
        self.roles: list[Role] = []

    # -- set-up ------------------------------------------------------------------------------

    def run(self) -> Fund:
        self.fund = self.open_fund()
        self.products = {code: self.product(code, spec) for code, spec in PRODUCTS.items()}
        self.members, self.member_user = self.open_members()
        self.schools = self.open_schools()
        self.plan_deposits()
        pool = self.plan_loans()
        self.plan_withdrawals(pool)
        self.plan_gifts(pool)
        while self.events:
            *_, action = heapq.heappop(self.events)
            action()
        return self.fund

    def open_fund(self) -> Fund:
        fund = Fund.objects.filter(kanoon=self.kanoon, name=FUND_NAME).first()
        if fund is None:
            fund = create_kanoon_fund(self.kanoon, FUND_NAME, allocation_policy="fifo")
        fund.kanoon = self.kanoon
        return fund

    def product(self, code: str, spec: dict) -> LoanProduct:
        found = LoanProduct.objects.filter(fund=self.fund, code=code, valid_from=START).first()
        if found is None:
            found = services.save_product(
                EVERYTHING, LoanProduct(fund=self.fund, code=code, valid_from=START, **spec)
            )
        found.fund = self.fund
        return found

    def open_account(self, joined: dt.date, **owner) -> FundAccount:
        account = services.open_account(EVERYTHING, self.fund, opened_on=joined, **owner)
        account.fund = self.fund
        return account

    def open_members(self) -> tuple[list[Member], Member | None]:
        """Everyone holding a position in the kanoon, from the day they joined (in order of
        national code), and the ``member`` user's person even without a position."""
        joined: dict[int, dt.date] = {}
        for person_id, start in Position.objects.filter(organisation=self.kanoon).values_list(
            "person_id", "start"
        ):
            joined[person_id] = min(start, joined.get(person_id, start))
        user = get_user_model().objects.filter(username="member").first()
        if user is not None and user.person_id:
            joined.setdefault(user.person_id, START)
        # Sorted here, not by the database, so that every database's collation gives one order.
        people = sorted(Person.objects.filter(pk__in=joined), key=lambda p: (p.national_id, p.pk))
        members = [
            Member(self.open_account(max(joined[p.pk], START), person=p), max(joined[p.pk], START))
            for p in people
        ]
        you = next((m for m in members if user and m.account.person_id == user.person_id), None)
        return members, you

    def open_schools(self) -> list[FundAccount]:
        """A few of the members' schools, each decided on by its principal."""
        homes = Person.objects.filter(
            pk__in=[m.account.person_id for m in self.members]
        ).values_list("home_organisation_id", flat=True)
        schools = sorted(
            Organisation.objects.filter(pk__in=homes, kind=Organisation.Kind.SCHOOL),
            key=lambda o: (o.name, o.pk),
        )
        schools = self.rng.sample(schools, min(4, len(schools)))
        accounts = []
        for school in schools:
            principal = (
                Position.objects.filter(
                    organisation=school, title=V.FA_PRINCIPAL[0], end__isnull=True
                )
                .order_by("start", "pk")
                .first()
            )
            accounts.append(
                self.open_account(
                    START,
                    organisation=school,
                    decider_person=principal.person if principal else None,
                )
            )
        return accounts

    # -- the plan ----------------------------------------------------------------------------

    def at(self, day: dt.date, phase: int, action: Callable) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (day, phase, self.sequence, action))

    def plan_deposits(self) -> None:
        rng = self.rng
        for m in self.members:
            monthly = rng.choice([2, 3, 5, 5, 8, 10, 15]) * MILLION
            self.deposit_on(m.account, m.joined, monthly * rng.choice([1, 1, 2, 3, 5, 10]))
            for day in DEPOSIT_DAYS:
                skipped = rng.random() < 0.07 and m is not self.member_user
                if day > m.joined and not skipped:
                    self.deposit_on(m.account, day, monthly)
        for school in self.schools:
            self.deposit_on(school, START, rng.randrange(10, 31) * 100 * MILLION)
            for day in DEPOSIT_DAYS[1:]:
                self.deposit_on(school, day, rng.randrange(5, 21) * 10 * MILLION)

    def deposit_on(self, account: FundAccount, day: dt.date, amount: int) -> None:
        key = f"{KEY}deposit:{account.pk}:{day.isoformat()}"
        self.at(
            day,
            DEPOSIT,
            lambda: services.deposit(EVERYTHING, account, amount, day, idempotency_key=key),
        )

    def plan_loans(self) -> list[Member]:
        """Give every loan of the story a borrower; return the members left without one."""
        rng = self.rng
        pool = [m for m in self.members if m is not self.member_user]
        rng.shuffle(pool)
        n = len(pool)

        def take(rounds: list[dt.date], ok: Callable[[int], bool], order=None, last=False):
            """The first member of the pool (or of ``order``) for whom ``ok(days since
            joining)`` holds on one of ``rounds``, and one of those rounds."""
            for m in order or list(pool):
                fits = [r for r in rounds if ok((r - m.joined).days)]
                if fits:
                    pool.remove(m)
                    return m, (fits[-1] if last else rng.choice(fits))
            return None, None

        def take_either(rounds: list[dt.date]):
            """Preferably a member with history by the round; else one who joined at least
            20 days before it (the school's points then cover the whole loan)."""
            m, r = take(rounds, lambda days: days >= HISTORY)
            return (m, r) if m else take(rounds, lambda days: days >= 20)

        def ask(label, m, product, months, amount, on, purpose, **kw) -> Role:
            role = Role(label, m, product, months, amount, on, purpose, **kw)
            self.roles.append(role)
            return role

        def before(r: dt.date) -> dt.date:
            return r - dt.timedelta(days=rng.randint(2, 9))

        not_esfand = [r for r in ROUNDS if r != ESFAND]
        # A late joiner asks too soon: history too short.
        latest = sorted(pool, key=lambda m: m.joined, reverse=True)
        m, r = take(ROUNDS, lambda days: 9 < days <= 80, order=latest, last=True)
        if m:
            on = max(m.joined, r - dt.timedelta(days=3))
            ask(
                "rejected-history", m, "emergency", 6, 20 * MILLION, on, rng.choice(URGENT), round=r
            )
        # Zero-fee loans repaid within the year; the first with a member's pledge (then
        # turned down for a standard loan during its cooling-off), the last settled early.
        repaid = []
        for i in range(max(1, n // 24)):
            m, r = take_either(ROUNDS[:3])
            if m is None:
                break
            repaid.append(
                ask(
                    f"repaid-{i}",
                    m,
                    "emergency",
                    rng.choice([3, 4, 5, 6]),
                    rng.choice([20, 30, 40, 50]) * MILLION,
                    before(r),
                    rng.choice(URGENT),
                    round=r,
                    support="top_up",
                    disburse=True,
                )
            )
        if repaid:
            first = repaid[0]
            first.pledge_by = next((m for m in pool if (first.round - m.joined).days > 70), None)
            if first.pledge_by is not None:
                pool.remove(first.pledge_by)
            later = ROUNDS[ROUNDS.index(first.round) + 2]
            ask(
                "rejected-cooling-off",
                first.member,
                "standard",
                10,
                10 * MILLION,
                before(later),
                rng.choice(PURPOSES),
                round=later,
            )
            if len(repaid) > 1:
                repaid[-1].settle_at = 2
        # Standard loans being repaid; the earliest falls one instalment behind and is then
        # turned down for another loan.
        disbursed = []
        for i in range(max(2, n // 10)):
            m, r = take_either(ROUNDS[:7])
            if m is None:
                break
            disbursed.append(
                ask(
                    f"disbursed-{i}",
                    m,
                    "standard",
                    rng.choice([10, 12, 18, 24, 36]),
                    rng.choice([50, 80, 100, 120, 150, 200, 300]) * MILLION,
                    before(r),
                    rng.choice(PURPOSES),
                    round=r,
                    support="top_up",
                    disburse=True,
                )
            )
        if disbursed:
            late = min(disbursed, key=lambda role: role.round)
            late.skip = 2
            due = calendars.add_months(late.round + PAYOUT_DELAY, 2, Calendar.JALALI)
            after = [r for r in ROUNDS if r - dt.timedelta(days=4) > due]
            if after:
                ask(
                    "rejected-overdue",
                    late.member,
                    "emergency",
                    3,
                    10 * MILLION,
                    after[0] - dt.timedelta(days=4),
                    rng.choice(URGENT),
                    round=after[0],
                )
        # In Esfand: a zero-fee loan on points given for zero-fee loans only is approved,
        # a standard loan is not.
        m, r = take_either([ESFAND])
        if m:
            ask(
                "zero-fee",
                m,
                "emergency",
                3,
                rng.choice([30, 50, 80]) * MILLION,
                before(r),
                rng.choice(URGENT),
                round=r,
                support="restricted",
                disburse=True,
            )
        m, r = take_either([ESFAND])
        if m:
            ask(
                "rejected-esfand",
                m,
                "standard",
                10,
                50 * MILLION,
                before(r),
                rng.choice(PURPOSES),
                round=r,
                support="top_up",
            )
        m, r = take_either(not_esfand)
        if m:
            ask(
                "rejected-points",
                m,
                "standard",
                24,
                0,
                before(r),
                rng.choice(PURPOSES),
                round=r,
                beyond=True,
            )
        m, r = take_either(not_esfand)
        if m:
            ask(
                "rejected-amount",
                m,
                "standard",
                60,
                4_000 * MILLION,
                before(r),
                rng.choice(PURPOSES),
                round=r,
            )
        # Approved in the last round, not paid out yet.
        for i in range(max(1, n // 33)):
            m, r = take_either(ROUNDS[-1:])
            if m is None:
                break
            ask(
                f"approved-{i}",
                m,
                "standard",
                rng.choice([12, 18, 24]),
                rng.choice([80, 100, 150, 200]) * MILLION,
                before(r),
                rng.choice(PURPOSES),
                round=r,
                support="top_up",
            )
        # Waiting for the next round.
        for i in range(max(1, n // 25)):
            on = jalali(1397, 1, rng.randint(15, 28))
            m = next((m for m in pool if m.joined < on), None)
            if m is None:
                break
            pool.remove(m)
            code = rng.choice(["standard", "emergency"])
            ask(
                f"requested-{i}",
                m,
                code,
                rng.choice([6, 10, 12]),
                rng.choice([20, 50, 100]) * MILLION,
                on,
                rng.choice(PURPOSES if code == "standard" else URGENT),
            )
        # The member user: a standard loan on a school's pledge, being repaid.
        you = self.member_user
        if you is not None:
            fits = [r for r in not_esfand[1:] if (r - you.joined).days >= 30] or ROUNDS[-1:]
            r = fits[0]
            ask(
                "member",
                you,
                "standard",
                12,
                150 * MILLION,
                before(r),
                PURPOSES[0],
                round=r,
                support="pledge",
                disburse=True,
            )
        for i, role in enumerate(sorted(self.roles, key=lambda role: role.requested_on), 1):
            role.reference = f"D9-{i:03d}"
            self.at(role.requested_on, REQUEST, lambda role=role: self.request(role))
            if role.disburse:
                day = role.round + PAYOUT_DELAY
                self.at(day, DISBURSE, lambda role=role, day=day: self.disburse(role, day))
        for r in sorted({role.round for role in self.roles if role.round}):
            deciding = [role for role in self.roles if role.round == r]
            self.at(r, ALLOCATE, lambda r=r, deciding=deciding: self.allocate(r, deciding))
        return pool

    def plan_withdrawals(self, pool: list[Member]) -> None:
        """A few members who borrow nothing take part of their savings out."""
        rng = self.rng
        candidates = pool + [r.member for r in self.roles if r.label.startswith("requested")]
        days = [_month(m, 20) for m in range(3, 13)]
        for i in range(max(1, len(self.members) // 15)):
            rng.shuffle(candidates)
            for m in candidates:
                fits = [d for d in days if (d - m.joined).days > 30]
                if fits:
                    candidates.remove(m)
                    day, share = rng.choice(fits), rng.choice([25, 40, 50, 60])
                    self.at(
                        day, WITHDRAW, lambda m=m, d=day, s=share, i=i: self.withdraw(m, d, s, i)
                    )
                    break

    def plan_gifts(self, pool: list[Member]) -> None:
        """Members give points to colleagues (not to those the story turns down)."""
        rng = self.rng
        givers = pool + [r.member for r in self.roles if r.label.startswith("requested")]
        refused = {r.member.account.pk for r in self.roles if r.label.startswith("rejected")}
        takers = [m for m in self.members if m.account.pk not in refused]
        days = [_month(m, 15) for m in range(7, 13)]
        for i in range(max(2, len(self.members) // 15)):
            if not givers:
                break
            giver = rng.choice(givers)
            others = [m for m in takers if m is not giver]
            if not others:
                break
            taker = rng.choice(others)
            day = rng.choice(days)
            points = rng.choice([2, 5, 10, 20]) * MILLION
            self.at(
                day, GIFT, lambda g=giver, t=taker, d=day, p=points, i=i: self.gift(g, t, d, p, i)
            )

    # -- playing it --------------------------------------------------------------------------

    def fresh(self, account: FundAccount) -> FundAccount:
        account = FundAccount.objects.get(pk=account.pk)
        account.fund = self.fund
        return account

    def free_points(self, account: FundAccount, on: dt.date) -> int:
        state = account_points(self.fresh(account), on)
        return state.available - state.restricted

    def richest_school(self, on: dt.date) -> FundAccount | None:
        free = [(self.free_points(s, on), -s.pk, s) for s in self.schools]
        return max(free, key=lambda row: row[:2])[2] if free else None

    def give(self, giver, taker: FundAccount, points: int, on: dt.date, key: str, **kw) -> None:
        """Points from a member (or, when they have too few, from a school)."""
        if giver is None or self.free_points(giver, on) < points:
            giver = self.richest_school(on)
        if giver is None or points <= 0:
            return
        points = min(points, self.free_points(giver, on))
        if points > 0:
            services.gift_points(EVERYTHING, giver, taker, points, on, idempotency_key=key, **kw)

    def gift(self, giver: Member, taker: Member, on: dt.date, points: int, i: int) -> None:
        key = f"{KEY}gift:{i}"
        if PointsTransfer.objects.filter(fund=self.fund, idempotency_key=key).exists():
            return
        free = self.free_points(giver.account, on) // 2
        if free >= MILLION:
            self.give(giver.account, taker.account, min(points, free), on, key)
        else:
            self.give(None, taker.account, points, on, key)

    def withdraw(self, m: Member, on: dt.date, share: int, i: int) -> None:
        key = f"{KEY}withdrawal:{i}"
        if JournalEntry.objects.filter(fund=self.fund, idempotency_key=key).exists():
            return
        amount = self.fresh(m.account).balance * share // 100 // MILLION * MILLION
        if amount > 0:
            services.withdraw(EVERYTHING, m.account, amount, on, idempotency_key=key)

    def request(self, role: Role) -> None:
        loan = Loan.objects.filter(fund=self.fund, idempotency_key=role.key).first()
        if loan is None:
            loan = self.ask(role)
        role.loan = loan

    def ask(self, role: Role) -> Loan:
        fund, product, account = self.fund, self.products[role.product], role.member.account
        on, decided = role.requested_on, role.round or role.requested_on
        amount = role.amount
        if role.beyond:
            state = account_points(self.fresh(account), decided)
            allowed = max(state.available, 0) * fund.loan_factor // role.months
            amount = min(product.max_amount, allowed * 3 // MILLION * MILLION + 100 * MILLION)
        need = rules.points_needed(amount, role.months, fund.loan_factor)
        if role.pledge_by is not None:
            self.give(
                role.pledge_by.account,
                account,
                need // 2,
                on,
                f"{KEY}pledge:{role.label}",
                kind=TransferKind.PLEDGE,
            )
        school = f"{KEY}points:{role.label}"
        if role.support == "pledge":
            self.give(None, account, need, on, school, kind=TransferKind.PLEDGE)
        elif role.support == "restricted":
            self.give(None, account, need, on, school, use=PointsUse.ZERO_FEE_LOAN)
        elif role.support == "top_up":
            fresh = self.fresh(account)
            state = account_points(fresh, decided)
            short = need - state.available + (0 if product.zero_fee else state.restricted)
            first = fresh.first_deposit_date
            if first is None or (decided - first).days < fund.min_history_days:
                short = max(short, need - state.received)
            if short > 0:
                self.give(None, account, short, on, school)
        return services.request_loan(
            EVERYTHING,
            account,
            product,
            amount,
            role.months,
            on,
            purpose=role.purpose,
            reference=role.reference,
            idempotency_key=role.key,
        )

    def allocate(self, on: dt.date, deciding: list[Role]) -> None:
        keys = [role.key for role in deciding]
        pending = Loan.objects.filter(
            fund=self.fund, idempotency_key__in=keys, status=LoanStatus.REQUESTED
        )
        if pending.exists():
            services.allocate(EVERYTHING, self.fund, on)

    def disburse(self, role: Role, on: dt.date) -> None:
        loan = Loan.objects.select_related("product", "account").get(pk=role.loan.pk)
        loan.fund = self.fund
        if loan.status == LoanStatus.APPROVED:
            key = f"{KEY}disbursement:{role.label}"
            loan = services.disburse(EVERYTHING, loan, on, idempotency_key=key)
        if loan.status not in (LoanStatus.DISBURSED, LoanStatus.REPAID):
            return
        for instalment in loan.instalments.order_by("n"):
            if instalment.due > END or (role.settle_at and instalment.n > role.settle_at):
                break
            if instalment.n != role.skip:
                self.at(instalment.due, REPAY, lambda i=instalment: self.repay(role, i))

    def repay(self, role: Role, instalment) -> None:
        key = f"{KEY}repayment:{role.label}:{instalment.n}"
        if JournalEntry.objects.filter(fund=self.fund, idempotency_key=key).exists():
            return
        loan = Loan.objects.select_related("account").get(pk=role.loan.pk)
        loan.fund = self.fund
        amount = min(instalment.amount, loan.outstanding)
        if instalment.n == role.settle_at:
            amount = loan.outstanding
        if amount > 0:
            services.repay(EVERYTHING, loan, amount, instalment.due, idempotency_key=key)
