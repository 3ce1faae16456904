from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotatingConfig(AppConfig):
    name = "edupact.rotating"
    label = "rotating"
    verbose_name = _("Rotating lottery funds")

    def ready(self):
        from edupact.audit.registry import register

        from . import models as m

        # Due payments and draws are append-only, but they are the fund's money and its
        # lottery: the trail records who wrote each one, alongside the funds and shares.
        register(m.RotatingFund, m.Code, m.Share, m.DuePayment, m.Draw)
