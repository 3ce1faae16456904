from django.urls import path, register_converter

from edupact.core.converters import YearConverter

from . import views
from . import views_cycle as cycle
from . import views_data as data

register_converter(YearConverter, "year")  # years within core.bounds: another is not found

app_name = "evaluation"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<int:pk>/", views.dashboard, name="dashboard_place"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("frameworks/import/", views.import_frameworks, name="import"),
    path("frameworks/new/", data.new_framework, name="new_framework"),
    path("frameworks/<int:pk>/", views.framework, name="framework"),
    path("frameworks/<int:pk>/edit/", data.edit_framework, name="edit_framework"),
    path("frameworks/<int:pk>/try/", views.try_answers, name="try"),
    path("frameworks/<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("targets/", data.targets, name="targets"),
    path("targets/new/", data.new_target, name="new_target"),
    path("targets/<int:pk>/edit/", data.edit_target, name="edit_target"),
    path("targets/<int:pk>/delete/", data.delete_target, name="delete_target"),
    path("indicator-values/", data.indicator_values, name="indicator_values"),
    path("indicator-values/new/", data.new_indicator_value, name="new_indicator_value"),
    path("indicator-values/<int:pk>/edit/", data.edit_indicator_value, name="edit_indicator_value"),
    path(
        "indicator-values/<int:pk>/delete/",
        data.delete_indicator_value,
        name="delete_indicator_value",
    ),
    path("deadlines/default/<year:year>/", data.default_deadlines, name="default_deadlines"),
    path("deadlines/<int:pk>/<year:year>/", data.deadlines, name="deadlines"),
    path("reports/annual/", views.annual_report, name="annual_report"),
    path("reports/annual.<str:fmt>", views.annual_report_file, name="annual_report_file"),
    path("bulk-entry/", views.bulk_entry, name="bulk_entry"),
    path("cycle/", views.cycle_home, name="cycle_home"),
    path("cycle/<int:pk>/<year:year>/", views.cycle, name="cycle"),
    path("cycle/<int:pk>/<year:year>/<str:action>/", views.cycle_action, name="cycle_action"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/new/", views.new_decision, name="new_decision"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path(
        "decisions/<int:pk>/certificates/<int:assessment>.pdf",
        views.certificate,
        name="certificate",
    ),
    path("subjects/", cycle.subjects, name="subjects"),
    path("subjects/new/", cycle.register, name="register"),
    path("subjects/<int:pk>/", cycle.subject, name="subject"),
    path("subjects/<int:pk>/register/", cycle.register, name="register_again"),
    path("subjects/<int:pk>/assess/<year:year>/", cycle.assess, name="assess"),
    path("subjects/<int:pk>/assess/<year:year>/preview/", cycle.preview, name="preview"),
    path("assessments/<int:pk>/", cycle.assessment, name="assessment"),
    path("assessments/<int:pk>/evidence/", cycle.upload_evidence, name="upload_evidence"),
    path("evidence/<int:pk>/", cycle.evidence, name="evidence"),
    path("evidence/<int:pk>/delete/", cycle.delete_evidence, name="delete_evidence"),
    path("meetings/", cycle.meetings, name="meetings"),
    path("meetings/new/", cycle.new_meeting, name="new_meeting"),
    path("meetings/<int:pk>/", cycle.meeting, name="meeting"),
    path("meetings/<int:pk>/correct/", cycle.correct_meeting, name="correct_meeting"),
    path("meetings/<int:pk>/minutes.pdf", cycle.minutes_pdf, name="minutes"),
]
