"""``edupact demo``: load the demo partnerships, places, people and accounts (idempotent)."""

import os
import time

from django.core.management.base import BaseCommand

from edupact.demo.directory_plan import SIZES
from edupact.demo.loader import load_demo

DEFAULT_PASSWORD = "edupact-demo-2017"


class Command(BaseCommand):
    help = (
        "Load the places, the two seed partnerships (Tehran 2017, Ho Chi Minh City 2023), "
        "synthetic schools, people and positions, and demo accounts. Running it again "
        "changes nothing. The accounts' password is EDUPACT_DEMO_PASSWORD or "
        f"'{DEFAULT_PASSWORD}'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="full",
            help="'small' loads a few schools and communes (for tests).",
        )

    def handle(self, *args, size, **options):
        password = os.environ.get("EDUPACT_DEMO_PASSWORD") or DEFAULT_PASSWORD
        started = time.monotonic()
        loader = load_demo(size=size, password=password)
        elapsed = time.monotonic() - started
        created = {k: v for k, v in loader.counts.items() if v}
        if created:
            summary = ", ".join(f"{v:,} {k}" for k, v in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo loaded in {elapsed:.1f} s: {summary}."))
        else:
            self.stdout.write(
                f"The demo data is already loaded; nothing changed ({elapsed:.1f} s)."
            )
        self.stdout.write("")
        self.stdout.write(self.table(loader.accounts))

    @staticmethod
    def table(accounts) -> str:
        headers = ("username", "password", "role", "organisation (person)", "sees")
        rows = [
            (
                a.username,
                a.password if not a.note else f"({a.note})",
                a.role,
                a.organisation,
                a.sees,
            )
            for a in accounts
        ]
        widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
        lines = [
            "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in [headers, tuple("-" * w for w in widths), *rows]
        ]
        return "\n".join(lines)
