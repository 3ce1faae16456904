from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/new/", views.person_edit, name="person_new"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/positions/new/", views.position_add, name="position_new"),
    path("people/<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("me/", views.me, name="me"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_edit, name="organisation_new"),
    path("organisations/<int:pk>/", views.organisation, name="organisation"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("partnerships/", views.partnerships, name="partnerships"),
    path("partnerships/<int:pk>/", views.partnership, name="partnership"),
    path("places/", views.places, name="places"),
    path("places/<int:pk>/", views.place, name="place"),
]
