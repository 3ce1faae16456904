"""Background work of the funds app, through Django's tasks API (see evaluation.tasks)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from . import reminders


@task()
def send_reminders(on: str | None = None) -> dict:
    """The daily SMS reminders of every fund (``on`` as an ISO date, today by default)."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return reminders.send_reminders(day)
