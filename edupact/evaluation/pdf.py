"""Certificates (giấy chứng nhận) of recognised subjects as PDF, through ``core.pdf``."""

from edupact.core.pdf import render_pdf

from .models import Assessment, RecognitionDecision


def certificate_pdf(decision: RecognitionDecision, assessment: Assessment) -> bytes:
    """One A4 landscape page: the certificate of ``assessment`` under ``decision``."""
    return render_pdf(
        "evaluation/certificate.html",
        {"decision": decision, "assessment": assessment, "subject": assessment.subject},
    )
