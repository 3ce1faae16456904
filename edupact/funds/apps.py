from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "edupact.funds"
    label = "funds"
    verbose_name = _("Mutual-aid funds")

    def ready(self):
        from edupact.audit.registry import register

        from . import models as m

        # Journal entries and lines are append-only and carry their author themselves; the
        # running sums on accounts change through QuerySet.update, outside the audit trail.
        # Reminders are themselves a log of what was sent; guarantee notices are audited too,
        # since a person may send one again (who asked the guarantor, and when).
        register(
            m.Fund,
            m.FundAccount,
            m.LoanProduct,
            m.Loan,
            m.PointsTransfer,
            m.Guarantee,
            m.GuaranteeNotice,
            m.ScheduleChange,
            m.FileImport,
            m.PaymentClaim,
        )
        register(m.CommitteeMember, m.CommitteeVote, m.AllocationRound)
