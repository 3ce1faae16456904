"""Data and invariants of the funds app: a double-entry ledger with points.

Amounts are signed integers of minor units, **debit positive** (as hledger reads them):
the lines of one entry sum to zero. A member's deposits are a liability of the fund, so
their lines are negative; ``FundAccount.balance`` holds the balance in the account's
*normal* direction (``FundAccount.sign`` × Σ lines), which for a member is what they own.

Entries are never changed or deleted; a correction is a compensating entry that names the
entry it ``reverses``. Each account row keeps running sums (balance, last posting date,
money-days at that date, points given/received/used) updated in the same transaction as
every posting, so that "as of today" costs one read.

One file per area, imported in dependency order (rule 1 of docs/decisions/
0002-one-rule-one-place.md): ``ledger``, ``gifts``, ``loans``, ``allocation``, ``imports``.
Every name is re-exported here, so ``edupact.funds.models.Loan`` keeps working.
"""

# ruff: noqa: I001 — the files in dependency order, not alphabetical
from .ledger import *  # noqa: F403
from .gifts import *  # noqa: F403
from .loans import *  # noqa: F403
from .allocation import *  # noqa: F403
from .imports import *  # noqa: F403
