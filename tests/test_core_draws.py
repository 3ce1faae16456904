"""Reproducible draws: same seed and candidates → same order, whatever the listing order."""

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from edupact.core.draws import draw_order, new_seed


def test_worked_example_can_be_rerun_by_hand():
    seed, names = "1405/01/15 lottery", ["L-1", "L-2", "L-3"]
    by_hand = sorted(names, key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).hexdigest())
    assert draw_order(seed, names) == by_hand


@given(st.text(min_size=1), st.lists(st.text(min_size=1), unique=True, max_size=30), st.randoms())
def test_a_draw_is_a_permutation_that_ignores_listing_order(seed, candidates, rnd):
    shuffled = candidates[:]
    rnd.shuffle(shuffled)
    assert draw_order(seed, shuffled) == draw_order(seed, candidates)
    assert sorted(draw_order(seed, candidates)) == sorted(candidates)


def test_new_seeds_differ():
    assert new_seed() != new_seed() and len(new_seed()) == 32
