"""Reproducible draws: anyone holding the published seed and the list of candidates can re-run a
draw and get the same order, so a lottery (loan allocation, a rotating fund's monthly winner) is
checkable without trusting the software or whoever ran it.

The order is by SHA-256 of ``"{seed}:{candidate}"`` (UTF-8, hex, ascending), a rule short enough
to print on the round's page and to re-run in a spreadsheet or one line of any language; it does
not depend on the order in which candidates are listed.
"""

import hashlib
import secrets
from collections.abc import Iterable


def ticket(seed: str, candidate: str) -> str:
    return hashlib.sha256(f"{seed}:{candidate}".encode()).hexdigest()


def draw_order(seed: str, candidates: Iterable[str]) -> list[str]:
    """``candidates`` (unique strings, e.g. loan references or fund codes) in drawn order."""
    unique = list(dict.fromkeys(str(c) for c in candidates))
    return sorted(unique, key=lambda c: (ticket(seed, c), c))


def new_seed() -> str:
    """A seed for a draw nobody announced one for: unpredictable, published with the result."""
    return secrets.token_hex(16)
