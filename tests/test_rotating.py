"""Rotating lottery funds: worked examples of dues, draws, payouts, transfers and arrears,
per-role permissions, and hypothesis properties (each code wins once over a cycle; payout
parts sum to the pot; a draw re-runs from its recorded seed and candidates)."""

import datetime as dt
import itertools

import jdatetime
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edupact.accounts.selectors import scope_for
from edupact.core import calendars
from edupact.core.draws import draw_order
from edupact.core.errors import Refused
from edupact.core.scoping import NotFound, ReadOnly, Scope
from edupact.rotating import rules, selectors, services
from edupact.rotating.models import Draw, DrawMode, DuePayment, RotatingFund, Share

EVERYTHING = Scope(everything=True)
DB_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_names = itertools.count()


def jalali(y, m, d):
    return jdatetime.date(y, m, d).togregorian()


def make_fund(org, codes=4, due=5_000_000, denominator=12, **extra) -> RotatingFund:
    return services.create_fund(
        EVERYTHING,
        RotatingFund(
            name=f"صندوق قرعه‌کشی {next(_names)}",
            organisation=org,
            due=due,
            start_year=1402,
            start_month=1,
            codes_count=codes,
            share_denominator=denominator,
            draw_day=15,
            **extra,
        ),
    )


@pytest.fixture
def fund(tree):
    """Four codes of 5,000,000 rials a month from Farvardin 1402, drawn on the 15th:
    #1 Zahra whole, #2 Zahra and Ebrahimi by halves, #3 in thirds (Kazemi, Ebrahimi, school
    A), #4 Kazemi whole."""
    f = make_fund(tree.kanoon)
    c = {code.number: code for code in f.codes.all()}
    services.assign_code(EVERYTHING, c[1], [(tree.member, 12)])
    services.assign_code(EVERYTHING, c[2], [(tree.member, 6), (tree.other_member, 6)])
    services.assign_code(
        EVERYTHING, c[3], [(tree.kanoon_head, 4), (tree.other_member, 4), (tree.school_a, 4)]
    )
    services.assign_code(EVERYTHING, c[4], [(tree.kanoon_head, 12)])
    f.c = c
    return f


# Pure rules ---------------------------------------------------------------------------------


def test_split_pot_largest_remainder_worked_example():
    # 10 in halves and quarters: 5, 2.5, 2.5 → floors 5, 2, 2; the one unit left goes to the
    # first of the two equal remainders.
    assert rules.split_pot(10, [6, 3, 3], 12) == [5, 3, 2]
    # 20,000,000 in thirds: 6,666,666.67 each → 6,666,667, 6,666,667, 6,666,666.
    assert rules.split_pot(20_000_000, [4, 4, 4], 12) == [6_666_667, 6_666_667, 6_666_666]
    with pytest.raises(ValueError):
        rules.split_pot(10, [6, 3], 12)


def test_months_of_the_cycle_in_the_fund_calendar():
    assert rules.calendar_month(1396, 2, 1) == (1396, 2)
    assert rules.calendar_month(1396, 11, 3) == (1397, 1)
    # Esfand 1402 has 29 days: a draw on the 31st falls on its last day.
    assert calendars.day_in_month(1402, 12, 31, "jalali") == jalali(1402, 12, 29)
    assert calendars.day_in_month(2024, 2, 31, "gregorian") == dt.date(2024, 2, 29)


# Dues ---------------------------------------------------------------------------------------


def test_pot_is_every_codes_due_and_dues_are_recorded_per_code_and_month(fund):
    assert fund.pot == 4 * 5_000_000
    services.record_due(EVERYTHING, fund.c[1], 1, 5_000_000, jalali(1402, 1, 10))
    services.record_due(EVERYTHING, fund.c[2], 1, 2_000_000, jalali(1402, 1, 10))
    services.record_due(EVERYTHING, fund.c[2], 1, 3_000_000, jalali(1402, 1, 12))
    assert services.paid_for(fund.c[2], 1) == 5_000_000
    with pytest.raises(ValidationError) as exc:
        services.record_due(EVERYTHING, fund.c[2], 1, 1, jalali(1402, 1, 13))
    assert exc.value.code == "overpaid"
    with pytest.raises(ValidationError):
        services.record_due(EVERYTHING, fund.c[2], 5, 1, jalali(1402, 1, 13))
    assert DuePayment.objects.filter(fund=fund).count() == 3


def test_a_retried_payment_is_recorded_once(fund):
    first = services.record_due(
        EVERYTHING, fund.c[1], 1, 5_000_000, jalali(1402, 1, 10), idempotency_key="k1"
    )
    again = services.record_due(
        EVERYTHING, fund.c[1], 1, 5_000_000, jalali(1402, 1, 10), idempotency_key="k1"
    )
    assert first.pk == again.pk and DuePayment.objects.count() == 1


def test_a_wrong_payment_is_reversed_never_edited(fund):
    wrong = services.record_due(EVERYTHING, fund.c[1], 1, 5_000_000, jalali(1402, 1, 10))
    with pytest.raises(ValidationError):
        wrong.amount = 1
        wrong.save()
    with pytest.raises(ValidationError):
        DuePayment.objects.filter(pk=wrong.pk).delete()
    reversal = services.reverse_due(EVERYTHING, wrong, jalali(1402, 1, 11), "wrong code")
    assert reversal.amount == -5_000_000 and services.paid_for(fund.c[1], 1) == 0
    with pytest.raises(ValidationError):
        services.reverse_due(EVERYTHING, wrong, jalali(1402, 1, 11))


def test_arrears_are_listed_per_member_for_past_months(fund):
    for code in fund.c.values():
        services.record_due(EVERYTHING, code, 1, 5_000_000, jalali(1402, 1, 10))
    services.record_due(EVERYTHING, fund.c[1], 2, 5_000_000, jalali(1402, 2, 10))
    services.record_due(EVERYTHING, fund.c[2], 2, 5_000_000, jalali(1402, 2, 10))
    services.record_due(EVERYTHING, fund.c[4], 2, 5_000_000, jalali(1402, 2, 10))
    services.record_due(EVERYTHING, fund.c[3], 2, 1_000_000, jalali(1402, 2, 10))
    today = jalali(1402, 2, 20)
    # Month 1 not drawn yet: dues count up to its draw day only, month 2 is not owed yet.
    assert [m.past for m in selectors.months(fund, today, "en")] == [True, False, False, False]
    services.run_draw(EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=today)
    months = selectors.months(fund, today, "en")  # months 1 and 2 are due, month 3 not yet
    assert [m.past for m in months] == [True, True, False, False]
    rows = selectors.grid(fund, selectors.codes(EVERYTHING, fund, today), months)
    by_number = {r.code.number: r for r in rows}
    assert by_number[3].owed == 4_000_000 and by_number[3].unpaid_months == ["1402/02"]
    assert [state for _, state in by_number[3].cells] == ["paid", "partial", "future", "future"]
    owed = selectors.arrears(fund, rows, today)
    # Code 3's 4,000,000 split in thirds: 1,333,334 + 1,333,333 + 1,333,333.
    assert sorted(a.amount for a in owed) == [1_333_333, 1_333_333, 1_333_334]
    assert sum(a.amount for a in owed) == 4_000_000
    assert {str(a.holder) for a in owed} == {
        str(fund.c[3].shares.get(person__isnull=False, person__family_name="Kazemi").holder),
        str(fund.c[3].shares.get(person__family_name="Ebrahimi").holder),
        str(fund.c[3].shares.get(organisation__isnull=False).holder),
    }


# Draws --------------------------------------------------------------------------------------


def test_automatic_draw_takes_the_first_of_draw_order_and_splits_the_pot(fund):
    draw = services.run_draw(
        EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=jalali(1402, 1, 15), seed="1402-01"
    )
    expected = int(draw_order("1402-01", ["1", "2", "3", "4"])[0])
    assert draw.month == 1 and draw.code.number == expected
    assert draw.candidates == ["1", "2", "3", "4"] and draw.drawn_on == jalali(1402, 1, 15)
    assert services.rerun(draw) == expected
    payouts = list(draw.payouts.all())
    assert sum(p.amount for p in payouts) == 20_000_000
    holders = list(selectors.holders_on(fund.c[expected], draw.drawn_on))
    assert [p.amount for p in payouts] == rules.split_pot(
        20_000_000, [s.numerator for s in holders], 12
    )


def test_draws_with_exclusions_manual_and_the_end_of_the_cycle(fund):
    seed = "published-seed"
    order = draw_order(seed, ["1", "2", "3", "4"])
    first = int(order[0])
    semi = services.run_draw(
        EVERYTHING,
        fund,
        mode=DrawMode.SEMI_AUTOMATIC,
        today=jalali(1402, 1, 20),
        seed=seed,
        exclusions={first: "two months of arrears"},
    )
    assert semi.code.number == int(draw_order(seed, [c for c in order if c != str(first)])[0])
    assert semi.excluded == [{"code": first, "reason": "two months of arrears"}]
    assert str(first) not in semi.candidates
    with pytest.raises(ValidationError) as exc:
        services.run_draw(
            EVERYTHING, fund, mode=DrawMode.MANUAL, today=jalali(1402, 2, 20), code_number=first
        )
    assert exc.value.code == "reason"
    manual = services.run_draw(
        EVERYTHING,
        fund,
        mode=DrawMode.MANUAL,
        today=jalali(1402, 2, 20),
        code_number=first,
        reason="wedding agreed by all members",
    )
    assert manual.code.number == first and manual.seed == "" and services.rerun(manual) is None
    with pytest.raises(ValidationError) as exc:  # month 3 is drawn on 1402/03/15
        services.run_draw(EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=jalali(1402, 3, 14))
    assert exc.value.code == "too_early"
    for _ in range(2):
        services.run_draw(EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=jalali(1402, 12, 1))
    assert sorted(d.code.number for d in fund.draws.all()) == [1, 2, 3, 4]
    with pytest.raises(ValidationError) as exc:
        services.run_draw(EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=jalali(1403, 1, 1))
    assert exc.value.code == "finished"
    assert selectors.fund_summary(fund)["finished"]


def test_a_code_cannot_win_twice_in_the_database(fund):
    draw = services.run_draw(EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=jalali(1402, 2, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.create(
            fund=fund, month=2, code=draw.code, drawn_on=draw.drawn_on, mode="manual", pot=1
        )


def test_exclusions_need_reasons_and_leave_a_candidate(fund):
    today = jalali(1402, 1, 20)
    for exclusions, code in [
        ({1: ""}, "reason"),
        ({1: "a", 2: "b", 3: "c", 4: "d"}, "no_candidates"),
        ({9: "no such code"}, "exclusions"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.run_draw(
                EVERYTHING, fund, mode=DrawMode.SEMI_AUTOMATIC, today=today, exclusions=exclusions
            )
        assert exc.value.code == code
    assert not fund.draws.exists()


def test_a_share_transferred_mid_way_pays_the_holder_on_the_draw_date(fund, tree):
    half = fund.c[2].shares.get(person=tree.other_member)
    new = services.transfer_share(
        EVERYTHING, half, jalali(1402, 1, 10), person=tree.kanoon_head, numerator=3
    )
    half.refresh_from_db()
    assert half.valid_to == jalali(1402, 1, 10) and new.transferred_from == half
    on_draw = list(selectors.holders_on(fund.c[2], jalali(1402, 1, 15)))
    assert sorted((s.person.family_name, s.numerator) for s in on_draw) == [
        ("Ebrahimi", 3),
        ("Kazemi", 3),
        ("Tehrani", 6),
    ]
    draw = services.run_draw(
        EVERYTHING,
        fund,
        mode=DrawMode.MANUAL,
        today=jalali(1402, 1, 15),
        code_number=2,
        reason="test",
    )
    paid = {p.share.person.family_name: p.amount for p in draw.payouts.all()}
    assert paid == {"Tehrani": 10_000_000, "Ebrahimi": 5_000_000, "Kazemi": 5_000_000}
    with pytest.raises(ValidationError) as exc:  # not before the last draw
        services.transfer_share(EVERYTHING, new, jalali(1402, 1, 15), person=tree.member)
    assert exc.value.code == "after_draw"


def test_codes_must_be_held_whole(tree):
    f = make_fund(tree.kanoon, codes=2)
    code = f.codes.first()
    with pytest.raises(ValidationError):
        services.assign_code(EVERYTHING, code, [(tree.member, 6), (tree.other_member, 4)])
    assert not Share.objects.filter(code=code).exists()


# Permissions --------------------------------------------------------------------------------


def test_leaders_and_secretariat_write_members_only_see_their_codes(fund, tree):
    users = tree.users
    today = jalali(1402, 1, 20)
    for role in ("kanoon_leader", "secretariat"):
        services.record_due(scope_for(users[role]), fund.c[4], 1, 1_000, today)
    # who reads the fund (a member through her codes, the social banker) may only read it;
    # anyone else finds no fund at all
    for role, refusal in [
        ("member", ReadOnly),
        ("social_banker", ReadOnly),
        ("principal", NotFound),
        ("education_officer", NotFound),
    ]:
        with pytest.raises(refusal):
            services.record_due(scope_for(users[role]), fund.c[4], 1, 1_000, today)
        with pytest.raises(refusal):
            services.run_draw(scope_for(users[role]), fund, mode="automatic", today=today)
    member = scope_for(users["member"])
    assert list(selectors.funds(member)) == [fund]
    assert [c.number for c in selectors.codes(member, fund, today)] == [1, 2]
    assert not selectors.funds(scope_for(users["principal"])).exists()
    assert selectors.funds(scope_for(users["social_banker"])).get() == fund


# Properties ---------------------------------------------------------------------------------


@given(
    numerators=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
    pot=st.integers(min_value=1, max_value=10**15),
)
def test_payout_parts_sum_to_the_pot(numerators, pot):
    parts = rules.split_pot(pot, numerators, sum(numerators))
    assert sum(parts) == pot and all(p >= 0 for p in parts)
    exact = [pot * k / sum(numerators) for k in numerators]
    assert all(abs(p - e) < 1 + 1e-6 * pot for p, e in zip(parts, exact, strict=True))


PRINTABLE = st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=8)


def test_a_seed_with_control_characters_is_refused_and_nothing_drawn(fund):
    with pytest.raises(Refused, match="control characters"):
        services.run_draw(
            EVERYTHING, fund, mode=DrawMode.AUTOMATIC, today=jalali(1402, 1, 15), seed="14\x0002"
        )
    assert not Draw.objects.exists()


@DB_SETTINGS
@given(
    codes=st.integers(min_value=2, max_value=7),
    splits=st.lists(st.sampled_from([[12], [6, 6], [4, 4, 4], [3, 9], [3, 3, 6]]), min_size=7),
    plan=st.lists(st.tuples(st.sampled_from(list(DrawMode)), PRINTABLE, st.randoms()), min_size=7),
)
def test_a_full_cycle_each_code_wins_once_and_draws_rerun(tree, codes, splits, plan):
    f = make_fund(tree.kanoon, codes=codes, due=1_000_003)
    people = [tree.member, tree.other_member, tree.kanoon_head]
    for code, split in zip(f.codes.all(), splits, strict=False):
        services.assign_code(EVERYTHING, code, list(zip(people, split, strict=False)))
    for mode, seed, rnd in plan[:codes]:
        left = selectors.not_won(f)
        kwargs = {}
        if mode == DrawMode.SEMI_AUTOMATIC and len(left) > 1:
            kwargs["exclusions"] = {
                n: "arrears" for n in rnd.sample(left, rnd.randrange(len(left)))
            }
        if mode == DrawMode.MANUAL:
            kwargs = {"code_number": rnd.choice(left), "reason": "agreed"}
        draw = services.run_draw(
            EVERYTHING, f, mode=mode, today=jalali(1410, 1, 1), seed=seed, **kwargs
        )
        assert sum(p.amount for p in draw.payouts.all()) == f.pot == draw.pot
        if draw.seed:
            assert services.rerun(draw) == draw.code.number
            assert int(draw_order(draw.seed, reversed(draw.candidates))[0]) == draw.code.number
    won = list(f.draws.values_list("code__number", flat=True))
    assert sorted(won) == list(range(1, codes + 1))
    assert list(f.draws.values_list("month", flat=True)) == list(range(1, codes + 1))
