from django.urls import path

from . import views

app_name = "rotating"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.fund, name="fund"),
    path("<int:pk>/dues/", views.pay, name="pay"),
    path("<int:pk>/draw/", views.draw, name="draw"),
    path("<int:pk>/<slug:table>.<slug:fmt>", views.export, name="export"),
    path("payments/<int:pk>/reverse/", views.reverse, name="reverse"),
    path("shares/<int:pk>/transfer/", views.transfer, name="transfer"),
]
