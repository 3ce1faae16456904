from django.contrib.auth import views as auth
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", auth.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_view, name="settings"),
    path("tokens/new/", views.token_new, name="token_new"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
