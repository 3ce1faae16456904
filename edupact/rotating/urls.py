from django.urls import path

from . import views

app_name = "rotating"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.fund, name="fund"),
    path("<int:pk>/dues/", views.pay, name="pay"),
    path("<int:pk>/draw/", views.draw, name="draw"),
    path("shares/<int:pk>/transfer/", views.transfer, name="transfer"),
]
