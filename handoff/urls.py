"""Top-level URLs: auth, admin, health, and the readiness app."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from readiness.api import api as api_v1
from readiness.views import health as health_views
from readiness.views.preferences import SignInView

urlpatterns = [
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("health/", health_views.health, name="health"),
    path("health/workers/", health_views.health_workers, name="health_workers"),
    path("health/ping/", health_views.ping, name="ping"),
    path("admin/", admin.site.urls),
    # The REST API, version 1: its schema at api/v1/openapi.json, its documentation at api/v1/docs.
    path("api/v1/", api_v1.urls),
    # Browsers ask for /favicon.ico before reading any page's <link rel="icon">. Not permanent:
    # the static file's hashed name changes with the icon, and a cached 301 would keep pointing
    # browsers at a name a later deploy no longer serves.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico"), permanent=False), name="favicon"),
    path("", include("readiness.urls")),
]
