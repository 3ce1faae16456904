from django.contrib.contenttypes.models import ContentType

from .models import SensitiveAccess


def log_sensitive_access(actor, instance, field: str) -> None:
    """Remember who saw an unmasked identifier, so that misuse can be traced."""
    SensitiveAccess.objects.create(
        actor=actor,
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        field=field,
    )
