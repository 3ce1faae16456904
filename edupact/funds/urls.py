from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.fund, name="fund"),
    path("<int:pk>/deposit/", views.deposit, name="deposit"),
    path("<int:pk>/allocate/", views.allocate, name="allocate"),
    path("<int:pk>/allocation/", views.allocation_settings, name="allocation_settings"),
    path("rounds/<int:pk>/", views.allocation_round, name="round"),
    path("loans/<int:pk>/vote/", views.vote, name="vote"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("accounts/<int:pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("accounts/<int:pk>/give/", views.give, name="give"),
    path("gifts/<int:pk>/confirm/", views.confirm_gift, name="confirm_gift"),
    path("loans/<int:pk>/", views.loan, name="loan"),
]
