"""Pages of the hamlet's cycle: subjects (list, page, registration), the self-assessment
form with its live score, evidence files, and the review meeting with its minutes PDF.

Everything a user may not see is a 404; what they see but may not change is a 403.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from edupact.accounts.selectors import scope_for, scoped_get_or_404
from edupact.audit.selectors import history
from edupact.core.converters import query_year
from edupact.core.downloads import stored_file_response
from edupact.core.forms import add_errors
from edupact.core.paging import page_of
from edupact.core.scoping import record_key
from edupact.directory.models import AdminUnit

from . import cycle, exchange, pdf, scoring, selectors, services
from .forms_cycle import (
    AttendeeFormSet,
    EvidenceForm,
    MeetingCorrectionForm,
    MeetingForm,
    MemberFormSet,
    ProposalsForm,
    SelfAssessmentForm,
    SubjectForm,
    meeting_record,
    member_rows,
)
from .models import Assessment, EvidenceFile, LearningModel, ReviewMeeting, Subject
from .places import selectors as place_selectors


def _int(value) -> int | None:
    """An id from a query string, or None (also for a number no row can have)."""
    try:
        return record_key(int(value))
    except (TypeError, ValueError):
        return None


# Subjects ---------------------------------------------------------------------------------------


def _places(scope):
    """Current hamlets and communes in the reader's places, and the former units."""
    roots = place_selectors.unit_roots(scope)
    current = AdminUnit.objects.filter(
        country="VN", level__in=("hamlet", "commune"), valid_to__isnull=True
    )
    former = AdminUnit.objects.filter(country="VN", valid_to__isnull=False)
    if roots is not None:
        current = current.filter(
            Q(pk__in=roots) | Q(parent__in=roots) | Q(parent__parent__in=roots)
        )
        former = former.filter(successors__in=current).distinct()
    return current.order_by("name"), former.order_by("level", "name")


@login_required
def subjects(request):
    scope = scope_for(request.user)
    year = query_year(request.GET.get("year")) or dt.date.today().year
    status = request.GET.get("status") or ""
    qs = selectors.subject_list(
        scope,
        q=request.GET.get("q"),
        kind=request.GET.get("kind") or None,
        unit=_int(request.GET.get("unit")),
        year=year,
        status=status or None,
    )
    units, _former = _places(scope)
    page = page_of(request, qs)
    labels = dict(Assessment.Status.choices)
    for s in page:
        s.year_status_label = labels.get(getattr(s, "year_status", None), "")
    context = {
        "page": page,
        "q": request.GET.get("q", ""),
        "kinds": LearningModel.choices,
        "kind": request.GET.get("kind", ""),
        "units": units,
        "unit": _int(request.GET.get("unit")),
        "year": year,
        "years": range(dt.date.today().year + 1, 2019, -1),
        "statuses": [("none", _("not registered")), *Assessment.Status.choices],
        "status": status,
        "can_register": selectors.registering_organisations(scope).exists(),
    }
    if request.htmx:
        return render(request, "evaluation/subjects_results.html", context)
    return render(request, "evaluation/subjects.html", context)


@login_required
def subject(request, pk):
    obj = scoped_get_or_404(
        request.user,
        Subject,
        pk,
        select=("organisation", "admin_unit__parent", "former_admin_unit", "parent", "person"),
    )
    scope = scope_for(request.user)
    context = {
        "subject": obj,
        "members": obj.members.all(),
        "branches": scope.filter(obj.children.all()),
        "assessments": selectors.history_of(obj),
        "can_write": scope.can_write(obj),
        "this_year": dt.date.today().year,
    }
    return render(request, "evaluation/subject.html", context)


@login_required
def register(request, pk=None):
    """Register a new subject (with its members or branches) for a year, or an existing
    one for another year."""
    scope = scope_for(request.user)
    organisations = selectors.registering_organisations(scope)
    if not organisations.exists():
        raise Http404
    existing = None
    if pk is not None:
        existing = scoped_get_or_404(request.user, Subject, pk, select=("organisation",))
        scope.require_write(existing)  # a form page: refused before the form is shown
    units, former = _places(scope)
    form = SubjectForm(
        request.POST or None,
        instance=existing,
        organisations=organisations,
        units=units,
        former_units=former,
    )
    members = MemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid():
        try:
            with transaction.atomic():
                assessment = cycle.register(
                    scope,
                    form.save(commit=False),
                    cycle.Registration(
                        form.cleaned_data["year"],
                        members=member_rows(members),
                        branches=form.branch_names(),
                    ),
                    user=request.user,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(subject)s is registered for %(year)d.")
                % {"subject": assessment.subject.name, "year": assessment.year},
            )
            return redirect("evaluation:subject", assessment.subject_id)
    context = {"form": form, "members": members, "existing": existing}
    return render(request, "evaluation/register.html", context)


# The self-assessment ----------------------------------------------------------------------------


def _framework_for(request, subject, year, assessment):
    """The version the assessment keeps, else the one in force; None when the user must
    choose (``?framework=`` among those that apply)."""
    scope = scope_for(request.user)
    if assessment is not None and assessment.framework_id and assessment.answers:
        return assessment.framework, []
    candidates = [
        f
        for f in selectors.frameworks(scope, model=subject.kind)
        if services.framework_applies(f, year)
    ]
    chosen = _int(request.POST.get("framework") or request.GET.get("framework"))
    if chosen:
        match = next((f for f in candidates if f.pk == chosen), None)
        if match is None:
            raise Http404
        return match, candidates
    if assessment is not None and assessment.framework_id:
        return assessment.framework, candidates
    return selectors.framework_for(scope, subject.kind, year), candidates


def _assessment_context(request, pk, year):
    subject = scoped_get_or_404(request.user, Subject, pk, select=("organisation", "admin_unit"))
    scope_for(request.user).require_write(subject)  # a form page: refused before it is shown
    assessment = Assessment.objects.filter(subject=subject, year=year).first()
    framework, candidates = _framework_for(request, subject, year, assessment)
    criteria = selectors.criteria_with_indicators(framework) if framework else []
    return subject, assessment, framework, candidates, criteria


@login_required
def assess(request, pk, year):
    """The self-assessment form, generated from the framework version for the year."""
    subject, assessment, framework, candidates, criteria = _assessment_context(request, pk, year)
    form = SelfAssessmentForm(
        request.POST or None,
        criteria=criteria,
        answers=assessment.answers if assessment else None,
        initial={"notes": assessment.notes if assessment else ""},
    )
    if request.method == "POST" and framework is not None and form.is_valid():
        try:
            saved = services.record_assessment(
                scope_for(request.user),
                subject,
                year,
                form.answers(),
                framework,
                form.cleaned_data["notes"],
            )
        except ValidationError as exc:  # by indicator code, or the service's refusal
            by_key = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            for key, errors in by_key.items():
                name = next((n for n, c in form.codes.items() if c == key), None)
                form.add_error(name, errors)
        else:
            messages.success(request, _("The self-assessment is saved."))
            return redirect("evaluation:assessment", saved.pk)
    context = {
        "subject": subject,
        "year": year,
        "assessment": assessment,
        "framework": framework,
        "candidates": candidates,
        "criteria": criteria,
        "form": form,
    }
    return render(request, "evaluation/assess.html", context)


@login_required
@require_POST
def preview(request, pk, year):
    """The live score of the typed answers (htmx); nothing is saved."""
    subject, assessment, framework, _c, criteria = _assessment_context(request, pk, year)
    if framework is None:
        raise Http404
    form = SelfAssessmentForm(request.POST, criteria=criteria)
    result, problems = None, []
    if form.is_valid():
        try:
            result = scoring.score(exchange.to_data(framework), form.answers())
        except scoring.ScoringError as exc:
            problems = [
                f"{p.indicator}: {p.message}" if p.indicator else p.message for p in exc.problems
            ]
    else:
        problems = [
            f"{form.codes.get(k, '')} {e}".strip() for k, es in form.errors.items() for e in es
        ]
    return render(request, "evaluation/_score.html", {"result": result, "problems": problems})


@login_required
def assessment(request, pk):
    obj = scoped_get_or_404(
        request.user,
        Assessment,
        pk,
        select=("subject__organisation", "subject__admin_unit", "framework", "decision"),
    )
    can_write = scope_for(request.user).can_write(obj)
    context = {
        "assessment": obj,
        "subject": obj.subject,
        "evidence": obj.evidence.select_related("uploaded_by"),
        "can_write": can_write,
        "open": obj.status in cycle.BEFORE_REVIEW,
        "upload": EvidenceForm(),
        "criteria": selectors.criteria_with_indicators(obj.framework) if obj.framework else [],
        "max_mb": cycle.max_evidence_bytes() // (1024 * 1024),
        "history": history(obj),
    }
    return render(request, "evaluation/assessment.html", context)


# Evidence ---------------------------------------------------------------------------------------


@login_required
@require_POST
def upload_evidence(request, pk):
    obj = scoped_get_or_404(request.user, Assessment, pk, select=("subject__organisation",))
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        limit = cycle.max_evidence_bytes()
        content = upload.read(limit + 1)
        try:
            cycle.attach_evidence(
                scope_for(request.user), obj, upload.name, content, user=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The evidence file is attached."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("evaluation:assessment", obj.pk)


def _evidence(request, pk) -> EvidenceFile:
    return scoped_get_or_404(
        request.user, EvidenceFile, pk, select=("assessment__subject__organisation",)
    )


@login_required
def evidence(request, pk):
    """The file itself, to those who see its assessment only (no public URL exists), typed
    and named by its bytes (``core.downloads``)."""
    obj = _evidence(request, pk)
    return stored_file_response(cycle.evidence_bytes(obj), obj.original_name)


@login_required
@require_POST
def delete_evidence(request, pk):
    obj = _evidence(request, pk)
    try:
        cycle.delete_evidence(scope_for(request.user), obj)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The evidence file is removed."))
    return redirect("evaluation:assessment", obj.assessment_id)


# Review meetings --------------------------------------------------------------------------------


@login_required
def meetings(request):
    scope = scope_for(request.user)
    context = {
        "page": page_of(request, selectors.meetings(scope, query_year(request.GET.get("year")))),
        "can_record": selectors.registering_organisations(scope).exists(),
    }
    return render(request, "evaluation/meetings.html", context)


@login_required
def new_meeting(request):
    """Record the hamlet's review meeting: facts, attendees, and a proposal for each
    self-assessment of the year awaiting review."""
    scope = scope_for(request.user)
    organisations = list(selectors.registering_organisations(scope))
    params = request.POST if request.method == "POST" else request.GET
    chosen = _int(params.get("organisation"))
    seen = selectors.registering_organisations(scope, write=False)  # fetched to read…
    organisation = (
        seen.filter(pk=chosen).first() if chosen else (organisations or [seen.first()])[0]
    )
    if organisation is None:
        raise Http404
    # …and the form page is refused before it is shown (403 for a branch one only reads)
    scope.require_write(ReviewMeeting(organisation=organisation))
    year = query_year(params.get("year")) or dt.date.today().year
    under_review = list(selectors.to_review(scope, organisation, year))
    people = selectors.meeting_people(scope, organisation)
    post = request.POST or None
    form = MeetingForm(post)
    attendees = AttendeeFormSet(post, prefix="attendees", form_kwargs={"people": people})
    proposals = ProposalsForm(post, assessments=under_review)
    if request.method == "POST" and all(
        [form.is_valid(), attendees.is_valid(), proposals.is_valid()]
    ):
        d = form.cleaned_data
        data = meeting_record(d, year, attendees, proposals)
        try:
            meeting = cycle.record_review_meeting(scope, organisation, data, user=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The review meeting is recorded."))
            return redirect(meeting.get_absolute_url())
    context = {
        "form": form,
        "attendees": attendees,
        "proposals": proposals,
        "organisation": organisation,
        "organisations": organisations,
        "year": year,
        "years": selectors.cycle_years(),
    }
    return render(request, "evaluation/meeting_new.html", context)


def _meeting(request, pk) -> ReviewMeeting:
    return scoped_get_or_404(request.user, ReviewMeeting, pk, select=("organisation", "admin_unit"))


@login_required
def meeting(request, pk):
    """The meeting as it stands, with its earlier versions (corrections) and their reasons."""
    obj = _meeting(request, pk)
    can_write = scope_for(request.user).can_write(obj)
    context = {
        "meeting": obj,
        "attendees": obj.attendees.all(),
        "proposals": selectors.meeting_proposals(obj),
        "revisions": selectors.meeting_revisions(obj),
        "can_correct": can_write and cycle.correction_refused(obj) is None,
        "refused": cycle.correction_refused(obj) if can_write else None,
    }
    return render(request, "evaluation/meeting.html", context)


@login_required
def correct_meeting(request, pk):
    """Correct the recorded meeting (``cycle.correct_review_meeting``), giving the reason;
    the earlier version is kept and shown on the meeting's page."""
    scope = scope_for(request.user)
    obj = _meeting(request, pk)
    scope.require_write(obj)  # a form page: refused before the form is shown
    refused = cycle.correction_refused(obj)
    if refused:  # decided or locked: the page says why, and offers no form (409 Conflict)
        context = {"meeting": obj, "refused": refused}
        return render(request, "evaluation/meeting_correct.html", context, status=409)
    current = {p.assessment_id: p for p in selectors.meeting_proposals(obj)}
    people = selectors.meeting_people(scope, obj.organisation)
    post = request.POST or None
    form = MeetingCorrectionForm(post, instance=obj if post is None else None)
    attendees = AttendeeFormSet(
        post,
        prefix="attendees",
        form_kwargs={"people": people},
        initial=[{"person": a.person, "name": a.name, "role": a.role} for a in obj.attendees.all()]
        if post is None
        else None,
    )
    proposals = ProposalsForm(
        post, assessments=[p.assessment for p in current.values()], current=current
    )
    if request.method == "POST" and all(
        [form.is_valid(), attendees.is_valid(), proposals.is_valid()]
    ):
        d = form.cleaned_data
        data = meeting_record(d, obj.year, attendees, proposals)
        try:
            cycle.correct_review_meeting(scope, obj, data, d["reason"], user=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The meeting is corrected; the earlier version is kept below.")
            )
            return redirect(obj.get_absolute_url())
    context = {"meeting": obj, "form": form, "attendees": attendees, "proposals": proposals}
    return render(request, "evaluation/meeting_correct.html", context)


@login_required
def minutes_pdf(request, pk):
    """The minutes (biên bản họp bình xét) as PDF, ready to sign."""
    obj = _meeting(request, pk)
    content = pdf.minutes_pdf(obj, obj.attendees.all(), selectors.meeting_proposals(obj))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="bien-ban-binh-xet-{obj.year}-{obj.pk}.pdf"'
    )
    return response
