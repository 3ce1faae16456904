"""The double-entry ledger and the points it yields: posting (``posting``), the hledger export
(``hledger``). Decision 0002 §2 lists what else lands here. No imports: an ``__init__`` that
imports its modules makes models → subpackage → models import-time cycles."""
