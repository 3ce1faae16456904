from django.db import transaction
from django.utils import timezone

from .models import ApiToken


@transaction.atomic
def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """A new API token; the raw value is returned once and never stored."""
    return ApiToken.issue(user, name)


def revoke_token(user, pk: int) -> int:
    return ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
