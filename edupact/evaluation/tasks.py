"""Background work of the evaluation app, through Django's tasks API.

With the default immediate backend a task runs in process when enqueued; a deployment with
workers runs it in ``edupact db_worker``. Services enqueue after their transaction commits.
"""

from django_tasks import task

from edupact.directory.models import AdminUnit

from . import rollups


@task()
def refresh_rollups(unit_id: int | None = None) -> dict:
    """Rebuild the rollups: all of them, or what one place's changes can alter."""
    unit = AdminUnit.objects.filter(pk=unit_id).first() if unit_id else None
    return rollups.refresh(unit)


@task()
def send_deadline_reminders(on: str | None = None) -> int:
    """Remind the responsible users of the deadlines coming up (``on``: an ISO date, default
    today); safe to run several times a day."""
    import datetime as dt

    from . import workflow

    return workflow.send_reminders(dt.date.fromisoformat(on) if on else None)
