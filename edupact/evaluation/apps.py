from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "edupact.evaluation"
    label = "evaluation"
    verbose_name = _("Learning-model evaluation")

    def ready(self):
        from edupact.audit.registry import register

        from . import models as m

        register(
            m.Framework,
            m.Criterion,
            m.Indicator,
            m.Subject,
            m.Member,
            m.Assessment,
            m.Target,
            m.IndicatorValue,
            m.RecognitionDecision,
            m.EvidenceFile,
            m.ReviewMeeting,
            m.Attendee,
            m.Proposal,
            m.MeetingRevision,
            m.AssessmentImport,
            m.Deadline,
            m.YearApproval,
            m.AssessmentReopening,
        )
