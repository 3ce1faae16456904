from django.urls import path

from . import report_views, views

app_name = "funds"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.fund, name="fund"),
    path("<int:pk>/deposit/", views.deposit, name="deposit"),
    path("<int:pk>/products/", views.products, name="products"),
    path("<int:pk>/products/new/", views.new_product, name="new_product"),
    path("<int:pk>/allocate/", views.allocate, name="allocate"),
    path("<int:pk>/allocation/", views.allocation_settings, name="allocation_settings"),
    path("rounds/<int:pk>/", views.allocation_round, name="round"),
    path("loans/<int:pk>/vote/", views.vote, name="vote"),
    path("loans/<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/import/", views.import_file, name="import"),
    path("<int:pk>/import/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("accounts/<int:pk>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("accounts/<int:pk>/give/", views.give, name="give"),
    path("gifts/<int:pk>/confirm/", views.confirm_gift, name="confirm_gift"),
    path("accounts/<int:pk>/request-loan/", views.request_loan, name="request_loan"),
    path("accounts/<int:pk>/request-loan/preview/", views.loan_preview, name="loan_preview"),
    path("loans/<int:pk>/", views.loan, name="loan"),
    path("loans/<int:pk>/guarantors/", views.add_guarantor, name="add_guarantor"),
    path("loans/<int:pk>/settle/", views.settle, name="settle"),
    path("loans/<int:pk>/repay/", views.repay, name="repay"),
    path("claims/<int:pk>/decide/", views.decide_claim, name="decide_claim"),
    path("loans/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("guarantees/<int:pk>/", views.guarantee, name="guarantee"),
    path("guarantees/<int:pk>/resend/", views.resend_invitation, name="resend_invitation"),
    path("<int:pk>/reports/trial-balance/", report_views.trial_balance, name="trial_balance"),
    path("<int:pk>/reports/accounts/", report_views.accounts, name="accounts"),
    path("<int:pk>/reports/cash-flow/", report_views.cash_flow, name="cash_flow"),
    path("<int:pk>/reports/overdue/", report_views.overdue, name="overdue"),
    path("<int:pk>/reports/institutions/", report_views.institutions, name="institutions"),
]
