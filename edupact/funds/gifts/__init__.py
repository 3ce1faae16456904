"""Gifts and pledges of points, confirmed by a one-time code (``otp``). Decision 0002 §2 lists
what else lands here. No imports: an ``__init__`` that imports its modules makes
models → subpackage → models import-time cycles."""
