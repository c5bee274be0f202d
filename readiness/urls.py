"""URLs of the readiness app. Each area keeps its routes together, in the order of the nav."""

from __future__ import annotations

from django.urls import path

from readiness.views import applications

app_name = "readiness"

urlpatterns = [
    # Applications and the delivery lead's dashboard
    path("", applications.home, name="home"),
    path("apps/<slug:slug>/", applications.application_detail, name="application_detail"),
]
