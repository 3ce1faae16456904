from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<int:pk>/", views.dashboard, name="dashboard_place"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("frameworks/import/", views.import_frameworks, name="import"),
    path("frameworks/<int:pk>/", views.framework, name="framework"),
    path("frameworks/<int:pk>/try/", views.try_answers, name="try"),
    path("frameworks/<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("bulk-entry/", views.bulk_entry, name="bulk_entry"),
    path("cycle/", views.cycle_home, name="cycle_home"),
    path("cycle/<int:pk>/<int:year>/", views.cycle, name="cycle"),
    path("cycle/<int:pk>/<int:year>/<str:action>/", views.cycle_action, name="cycle_action"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/new/", views.new_decision, name="new_decision"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path(
        "decisions/<int:pk>/certificates/<int:assessment>.pdf",
        views.certificate,
        name="certificate",
    ),
]
