from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "edupact.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from edupact.audit.registry import register

        from . import models as m

        register(m.RoleGrant)
