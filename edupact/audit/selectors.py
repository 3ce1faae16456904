from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry


def history(instance, limit: int = 50):
    """The audit rows of one record, newest first."""
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related(
        "actor"
    )[:limit]
