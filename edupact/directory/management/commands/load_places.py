"""``edupact load_places``: load or refresh the reference places (idempotent)."""

import time

from django.core.management.base import BaseCommand

from edupact.directory.places import load_places


class Command(BaseCommand):
    help = (
        "Load Iran's provinces and Vietnam's provinces and communes (since 1 July 2025), "
        "with the retired units and their successors. Running it again adds nothing."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = load_places()
        elapsed = time.monotonic() - started
        if not any(counts.values()):
            self.stdout.write(f"Places are up to date; nothing changed ({elapsed:.1f} s).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                "Places: {units_created:,} created, {units_updated:,} updated; successions: "
                "{successions_created:,} created, {successions_updated:,} updated".format(**counts)
                + f" ({elapsed:.1f} s)."
            )
        )
