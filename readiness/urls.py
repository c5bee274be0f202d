"""URLs of the readiness app. Each area keeps its routes together, in the order of the nav."""

from __future__ import annotations

from django.urls import path

from readiness.views import applications, escalation, lookup, people

app_name = "readiness"

urlpatterns = [
    # Applications and the delivery lead's dashboard
    path("", applications.home, name="home"),
    path("apps/<slug:slug>/", applications.application_detail, name="application_detail"),
    # Who do I call? (one click from everywhere), its JSON API and the user's API tokens
    path("call/", lookup.who_to_call, name="lookup"),
    path("api/lookup/", lookup.lookup_api, name="lookup_api"),
    path("account/tokens/", lookup.token_list, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", lookup.token_revoke, name="token_revoke"),
    # Escalation paths, ownership rules and the printable ownership sheet
    path("apps/<slug:slug>/path/", escalation.path_detail, name="path_detail"),
    path("apps/<slug:slug>/path/levels/new/", escalation.level_edit, name="level_create"),
    path("apps/<slug:slug>/path/levels/<int:pk>/edit/", escalation.level_edit, name="level_edit"),
    path("apps/<slug:slug>/rules/", escalation.rule_list, name="rule_list"),
    path("apps/<slug:slug>/rules/new/", escalation.rule_edit, name="rule_create"),
    path("apps/<slug:slug>/rules/<int:pk>/edit/", escalation.rule_edit, name="rule_edit"),
    path("apps/<slug:slug>/sheet/", escalation.ownership_sheet, name="ownership_sheet"),
    # Teams and people
    path("people/", people.people_list, name="people_list"),
    path("people/new/", people.person_edit, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/leave/", people.leave_create, name="leave_create"),
    path("people/<int:pk>/leave/<int:leave_pk>/delete/", people.leave_remove, name="leave_delete"),
    path("people/<int:pk>/left/", people.person_leave_company, name="person_left"),
    path("teams/new/", people.team_edit, name="team_create"),
    path("teams/<int:pk>/edit/", people.team_edit, name="team_edit"),
]
