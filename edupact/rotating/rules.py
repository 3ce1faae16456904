"""Pure arithmetic of rotating funds: months of the cycle and the split of a pot.

Integers only, so that the parts of a payout sum exactly to the pot.
"""

from collections.abc import Sequence


def calendar_month(start_year: int, start_month: int, n: int) -> tuple[int, int]:
    """(year, month) of month ``n`` of the cycle, month 1 being the start month."""
    year, month = divmod(start_year * 12 + start_month - 1 + n - 1, 12)
    return year, month + 1


def split_pot(pot: int, numerators: Sequence[int], denominator: int) -> list[int]:
    """Split ``pot`` in proportion to ``numerators / denominator`` (which sum to one whole).

    Each part is floor(pot × k / d); the units left over go one each to the largest
    remainders, ties to the earlier share, so the parts always sum to ``pot`` and the same
    shares always get the same amounts (the largest remainder method).
    """
    if sum(numerators) != denominator:
        raise ValueError("the shares of a code must sum to one whole")
    parts = [pot * k // denominator for k in numerators]
    remainders = [pot * k % denominator for k in numerators]
    left = pot - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts
