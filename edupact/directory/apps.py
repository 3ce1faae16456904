from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "edupact.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self):
        from edupact.audit.registry import register

        from . import models as m

        register(
            m.AdminUnit,
            m.Organisation,
            m.Person,
            m.Position,
            m.Partnership,
            m.PartnershipMember,
            m.Participant,
        )
