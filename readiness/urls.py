"""URLs of the readiness app. Each area keeps its routes together, in the order of the nav."""

from __future__ import annotations

from django.urls import URLPattern, path

from readiness.views import (
    applications,
    artefacts,
    calendars,
    escalation,
    gates,
    hypercare,
    lookup,
    pack,
    people,
    preferences,
    reminders,
)
from readiness.views import history as history_views
from readiness.views import imports as import_views
from readiness.views import standins as standin_views
from readiness.views import webhooks as webhook_views

app_name = "readiness"


def artefact_routes(kind: str, plural: str, list_: str, create: str, detail: str, edit: str) -> list[URLPattern]:
    """The list, new, detail and edit pages of one kind of artefact (one set of views, told the
    kind), under apps/<slug>/<plural>/. Each route's name is given, so it can be found by grep."""
    base, told = f"apps/<slug:slug>/{plural}/", {"kind": kind}
    return [
        path(base, artefacts.artefact_list, told, name=list_),
        path(f"{base}new/", artefacts.artefact_edit, told, name=create),
        path(f"{base}<int:pk>/", artefacts.artefact_detail, told, name=detail),
        path(f"{base}<int:pk>/edit/", artefacts.artefact_edit, told, name=edit),
    ]


urlpatterns = [
    # Applications and the delivery lead's dashboard
    path("", gates.dashboard, name="home"),
    path("apps/new/", applications.application_edit, name="application_create"),
    path("apps/<slug:slug>/", gates.checklist, name="application_detail"),
    path("apps/<slug:slug>/edit/", applications.application_edit, name="application_edit"),
    path("apps/<slug:slug>/waivers/new/", gates.waiver_create, name="waiver_create"),
    path("apps/<slug:slug>/waivers/<int:pk>/approve/", gates.waiver_approve, name="waiver_approve"),
    path("apps/<slug:slug>/waivers/<int:pk>/revoke/", gates.waiver_revoke, name="waiver_revoke"),
    # Readiness artefacts: list, new, detail, edit of each kind, then their small actions
    *artefact_routes("runbook", "runbooks", "runbook_list", "runbook_create", "runbook_detail", "runbook_edit"),
    *artefact_routes("alert", "alerts", "alert_list", "alert_create", "alert_detail", "alert_edit"),
    *artefact_routes("access", "access", "access_list", "access_create", "access_detail", "access_edit"),
    *artefact_routes("knownissue", "known-issues", "knownissue_list", "knownissue_create", "knownissue_detail",
                     "knownissue_edit"),
    *artefact_routes("drill", "drills", "drill_list", "drill_create", "drill_detail", "drill_edit"),
    *artefact_routes("decision", "decisions", "decision_list", "decision_create", "decision_detail", "decision_edit"),
    path("apps/<slug:slug>/runbooks/<int:pk>/mark/<str:what>/", artefacts.runbook_mark, name="runbook_mark"),
    path("apps/<slug:slug>/runbooks/<int:pk>/exercises/new/", artefacts.runbook_exercise_create,
         name="runbook_exercise_create"),
    path("apps/<slug:slug>/alerts/<int:pk>/verify/", artefacts.alert_verify, name="alert_verify"),
    path("apps/<slug:slug>/monitoring/", webhook_views.monitoring, name="monitoring"),
    path("apps/<slug:slug>/monitoring/webhook/", webhook_views.alert_webhook_rotate, name="alert_webhook_rotate"),
    path("apps/<slug:slug>/monitoring/map/", webhook_views.unmatched_alert_map, name="unmatched_alert_map"),
    path("hooks/alerts/<uuid:key>/", webhook_views.alert_webhook, name="alert_webhook"),
    path("apps/<slug:slug>/drills/<int:pk>/actions/", artefacts.drill_action_add, name="drillaction_create"),
    path("apps/<slug:slug>/drills/<int:pk>/actions/<int:action_pk>/close/", artefacts.drill_action_close,
         name="drillaction_close"),
    path("apps/<slug:slug>/drills/<int:pk>/calls/", artefacts.drill_call_record, name="drillcall_create"),
    # Who do I call? (one click from everywhere), its JSON API and the user's API tokens
    path("call/", lookup.who_to_call, name="lookup"),
    path("call/applications.json", lookup.application_names, name="lookup_applications"),
    path("call/classes.json", lookup.class_names, name="lookup_classes"),
    path("api/lookup/", lookup.lookup_api, name="lookup_api"),
    path("account/tokens/", lookup.token_list, name="token_list"),
    path("account/timezone/", preferences.preferences, name="preferences"),
    path("account/calendar/", calendars.calendar_feed, name="calendar_feed"),
    path("calendar/<str:key>.ics", calendars.calendar_feed_ics, name="calendar_feed_ics"),
    path("account/tokens/<int:pk>/revoke/", lookup.token_revoke, name="token_revoke"),
    # Escalation paths, ownership rules and the printable ownership sheet
    path("apps/<slug:slug>/path/", escalation.path_detail, name="path_detail"),
    path("apps/<slug:slug>/path/levels/new/", escalation.level_edit, name="level_create"),
    path("apps/<slug:slug>/path/levels/<int:pk>/edit/", escalation.level_edit, name="level_edit"),
    path("apps/<slug:slug>/path/levels/<int:pk>/standins/new/", standin_views.standin_create,
         name="standin_create"),
    path("apps/<slug:slug>/path/levels/<int:pk>/standins/<int:standin_pk>/end/", standin_views.standin_end,
         name="standin_end"),
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
    path("people/<int:pk>/leave/import/", calendars.calendar_import, name="calendar_import"),
    path("people/<int:pk>/leave/<int:leave_pk>/delete/", people.leave_remove, name="leave_delete"),
    path("people/<int:pk>/left/", people.person_leave_company, name="person_left"),
    path("teams/new/", people.team_edit, name="team_create"),
    path("teams/<int:pk>/edit/", people.team_edit, name="team_edit"),
    path("people/closures/", people.closure_days, name="closure_days"),
    # Staleness reminders: each person's history, reachability tests, and the public signed-link pages
    path("people/<int:pk>/reminders/", reminders.person_reminders, name="person_reminders"),
    path("people/<int:pk>/reachability/", reminders.reachability_test_send, name="reachability_test_send"),
    path("people/<int:pk>/reachability/<int:test_pk>/", reminders.reachability_test_record,
         name="reachability_test_record"),
    path("confirm/<str:token>/", reminders.reminder_confirm, name="reminder_confirm"),
    path("confirm/<str:token>/changed/", reminders.reminder_change, name="reminder_change"),
    path("reachability/<str:token>/", reminders.reachability_ack, name="reachability_ack"),
    # Hypercare: plan, criteria, decisions, sign-off; the escalation log; history; the handoff pack
    path("apps/<slug:slug>/hypercare/", hypercare.hypercare_detail, name="hypercare_detail"),
    path("apps/<slug:slug>/hypercare/plan/", hypercare.hypercare_plan_edit, name="hypercare_plan_edit"),
    path("apps/<slug:slug>/hypercare/agree/", hypercare.hypercare_agree, name="hypercare_agree"),
    path("apps/<slug:slug>/hypercare/extend/", hypercare.hypercare_extend, name="hypercare_extend"),
    path("apps/<slug:slug>/hypercare/sign-off/", hypercare.hypercare_sign_off, name="hypercare_sign_off"),
    path("apps/<slug:slug>/hypercare/criteria/new/", hypercare.criterion_edit, name="criterion_create"),
    path("apps/<slug:slug>/hypercare/criteria/<int:pk>/edit/", hypercare.criterion_edit, name="criterion_edit"),
    path("apps/<slug:slug>/hypercare/criteria/<int:pk>/attest/", hypercare.criterion_attest, name="criterion_attest"),
    path("apps/<slug:slug>/hypercare/criteria/<int:pk>/accept/", hypercare.criterion_accept, name="criterion_accept"),
    path("apps/<slug:slug>/escalation-log/", hypercare.escalationlog_list, name="escalationlog_list"),
    path("apps/<slug:slug>/escalation-log/new/", hypercare.escalationlog_create, name="escalationlog_create"),
    path("apps/<slug:slug>/escalation-log.csv", hypercare.escalationlog_export, name="escalationlog_export"),
    path("apps/<slug:slug>/escalation-log/<int:pk>/resolve/", hypercare.escalationlog_resolve,
         name="escalationlog_resolve"),
    path("apps/<slug:slug>/history/", history_views.history, name="history"),
    path("apps/<slug:slug>/handoff-pack/", pack.handoff_pack, name="handoff_pack"),
    path("apps/<slug:slug>/handoff-pack.json", pack.handoff_pack_json, name="handoff_pack_json"),
    # Imports: a file previewed (nothing written), then imported as previewed (issue 16)
    path("import/catalog/", import_views.import_page, {"kind": "catalog"}, name="catalog_import"),
    path("import/people/", import_views.import_page, {"kind": "people"}, name="people_import"),
    path("import/paths/", import_views.import_page, {"kind": "paths"}, name="paths_import"),
    path("people.csv", import_views.people_export, name="people_export"),
    path("paths.csv", import_views.paths_export, name="paths_export"),
]
