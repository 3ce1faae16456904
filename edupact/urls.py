from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from edupact.api.routes import api
from edupact.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("edupact.accounts.urls")),
    path("directory/", include("edupact.directory.urls")),
    path("funds/", include("edupact.funds.urls")),
    path("rotating/", include("edupact.rotating.urls")),
    path("evaluation/", include("edupact.evaluation.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# The product's own error pages (problem+json under /api/): edupact.web.errors.
handler400 = "edupact.web.errors.bad_request"
handler403 = "edupact.web.errors.permission_denied"
handler404 = "edupact.web.errors.page_not_found"
handler500 = "edupact.web.errors.server_error"
