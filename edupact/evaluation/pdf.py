"""Certificates (giấy chứng nhận) of recognised subjects and the minutes of review meetings
(biên bản họp bình xét) as PDF, through ``core.pdf``."""

from edupact.core.pdf import render_pdf

from .models import Assessment, RecognitionDecision


def certificate_pdf(decision: RecognitionDecision, assessment: Assessment) -> bytes:
    """One A4 landscape page: the certificate of ``assessment`` under ``decision``."""
    return render_pdf(
        "evaluation/certificate.html",
        {"decision": decision, "assessment": assessment, "subject": assessment.subject},
    )


def minutes_pdf(meeting, attendees, proposals) -> bytes:
    """The minutes of a hamlet's review meeting (biên bản họp bình xét), A4 portrait."""
    return render_pdf(
        "evaluation/minutes.html",
        {"meeting": meeting, "attendees": attendees, "proposals": proposals},
    )
