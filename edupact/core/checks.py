"""System checks that keep deployment promises visible to ``check --deploy``."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def sqlite_in_wal(app_configs, **kwargs):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and "journal_mode=WAL" not in db.get("OPTIONS", {}).get(
        "init_command", ""
    ):
        return [Warning("SQLite should run in WAL mode", id="edupact.W001")]
    return []
