"""Top-level URLs: auth, admin, health, and the readiness app."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from readiness.views import health as health_views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("health/", health_views.health, name="health"),
    path("health/workers/", health_views.health_workers, name="health_workers"),
    path("health/ping/", health_views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("", include("readiness.urls")),
]
