"""Reproducible draws: anyone holding the published seed and the list of candidates can re-run a
draw and get the same order, so a lottery (loan allocation, a rotating fund's monthly winner) is
checkable without trusting the software or whoever ran it.

The order is by SHA-256 of ``"{seed}:{candidate}"`` (UTF-8, hex, ascending), a rule short enough
to print on the round's page and to re-run in a spreadsheet or one line of any language; it does
not depend on the order in which candidates are listed.
"""

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _


def ticket(seed: str, candidate: str) -> str:
    return hashlib.sha256(f"{seed}:{candidate}".encode()).hexdigest()


def draw_order(seed: str, candidates: Iterable[str]) -> list[str]:
    """``candidates`` (unique strings, e.g. loan references or fund codes) in drawn order."""
    unique = list(dict.fromkeys(str(c) for c in candidates))
    return sorted(unique, key=lambda c: (ticket(seed, c), c))


def new_seed() -> str:
    """A seed for a draw nobody announced one for: unpredictable, published with the result."""
    return secrets.token_hex(16)


def seed_problem(seed, max_length: int) -> str | None:
    """Why ``seed`` cannot be published, or None. A seed is text people read out and retype
    to re-run a draw, so control characters (which no database stores alike: PostgreSQL
    refuses NUL) are refused rather than silently changed."""
    if not isinstance(seed, str) or len(seed) > max_length:
        return _("The seed is a text of at most %(max)d characters.") % {"max": max_length}
    if any(unicodedata.category(c) == "Cc" for c in seed):
        return _("The seed may not contain control characters (tabs, line breaks, NUL).")
    return None
