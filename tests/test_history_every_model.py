"""The history page after an edit of every tracked model, through the path the product uses.

The page broke when a model gained a field its history did not track; each case below edits a
row the way a user (or the product's own service) does, then reads the application's history
and its state as of today. A model given history without a case here fails
`test_every_tracked_model_has_a_case`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
from django.apps import apps
from django.db import models
from django.forms import CheckboxInput
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape

from readiness import models as m
from readiness.history import tracked_models
from readiness.services.reminders import link_token
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Seen:
    """What the history page must show after the edit: a field's label and its new value."""

    label: str
    new: str
    reason: str = ""  # the change's reason, when the product gives one


Edit = Callable[[Client, m.Application], Seen]
CASES: dict[str, tuple[type[models.Model], Edit]] = {}


def case(model: type[models.Model]) -> Callable[[Edit], Edit]:
    def register(edit: Edit) -> Edit:
        CASES[edit.__name__] = (model, edit)
        return edit

    return register


def _form_data(form) -> dict[str, object]:
    """What the browser posts back for the form as drawn: every field with its shown value."""
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[form.add_prefix(name)] = "on"
        elif value is not None:
            shown = field.widget.format_value(value)
            data[form.add_prefix(name)] = "" if shown is None else shown
    return data


def _post_form(client: Client, url: str, **changes: object) -> None:
    """Open the edit page, change `changes` and submit it, as a person at a browser would."""
    page = client.get(url)
    assert page.status_code == 200
    data = {**_form_data(page.context["form"]), **changes}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response


def _when(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "j M Y H:i")


def _day(day) -> str:
    return dateformat.format(day, "j M Y")


# --- the cases: one or more per tracked model ------------------------------------------------------


@case(m.Application)
def application_saved_unchanged_then_edited(client: Client, app: m.Application) -> Seen:
    url = reverse("readiness:application_edit", args=[app.slug])
    _post_form(client, url)  # the save that once broke the page for everyone
    assert client.get(reverse("readiness:history", args=[app.slug])).status_code == 200
    _post_form(client, url, current_release="2.0.0")
    return Seen("Current release", "2.0.0")


@case(m.EscalationLevel)
def level_edited(client: Client, app: m.Application) -> Seen:
    level = app.levels.get(position=1)
    _post_form(client, reverse("readiness:level_edit", args=[app.slug, level.pk]), response_target_minutes=15)
    return Seen("Response target minutes", "15")


@case(m.StandIn)
def standin_arranged_then_ended(client: Client, app: m.Application) -> Seen:
    level = app.levels.get(position=1)
    cover = factories.PersonFactory(name="Ada Cover")
    starts = timezone.localtime() - timedelta(hours=1)
    response = client.post(reverse("readiness:standin_create", args=[app.slug, level.pk]), {
        "role": "primary", "person": cover.pk, "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "ends_at": f"{starts + timedelta(days=5):%Y-%m-%dT%H:%M}", "reason": "Covering the primary's leave.",
    })
    assert response.status_code == 302
    standin = m.StandIn.objects.get(level=level)
    response = client.post(reverse("readiness:standin_end", args=[app.slug, level.pk, standin.pk]))
    assert response.status_code == 302
    standin.refresh_from_db()
    return Seen("Until", _when(standin.ends_at))


@case(m.OwnershipRule)
def rule_edited(client: Client, app: m.Application) -> Seen:
    rule = app.ownership_rules.get()
    _post_form(client, reverse("readiness:rule_edit", args=[app.slug, rule.pk]), owner_role="engineering")
    return Seen("Owner role", "Engineering")


@case(m.Person)
def person_confirms_through_the_reminder_link(client: Client, app: m.Application) -> Seen:
    person = app.levels.get(position=1).primary
    client.logout()  # the contact has no account: the signed link is all they have
    response = client.post(reverse("readiness:reminder_confirm", args=[link_token(person, person.reminder_cycle)]))
    assert response.status_code == 200
    client.force_login(app.delivery_lead)
    person.refresh_from_db()
    return Seen("Last confirmed at", _when(person.last_confirmed_at),
                reason=f"Confirmed all correct by {person.name} (reminder link)")


@case(m.Person)
def person_marked_as_left(client: Client, app: m.Application) -> Seen:
    person = app.levels.get(position=2).backup
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(reverse("readiness:person_left", args=[person.pk]), {"left_on": yesterday.isoformat()})
    assert response.status_code == 302
    return Seen("Left on", _day(yesterday))


@case(m.Team)
def team_of_a_contact_edited(client: Client, app: m.Application) -> Seen:
    team = app.levels.get(position=1).primary.team
    _post_form(client, reverse("readiness:team_edit", args=[team.pk]), description="Runs the service desk")
    return Seen("Description", "Runs the service desk")


@case(m.Hypercare)
def hypercare_plan_edited(client: Client, app: m.Application) -> Seen:
    _post_form(client, reverse("readiness:hypercare_plan_edit", args=[app.slug]), rules_in_force="No releases.")
    return Seen("Rules in force", "No releases.")


@case(m.Hypercare)
def hypercare_signed_off(client: Client, app: m.Application) -> Seen:
    client.force_login(app.business_owner)
    for criterion in app.exit_criteria.all():
        response = client.post(reverse("readiness:criterion_accept", args=[app.slug, criterion.pk]),
                               {"reason": "Volumes too low to judge; support copes."})
        assert response.status_code == 302
    response = client.post(reverse("readiness:hypercare_sign_off", args=[app.slug]), {"confirm": "on"})
    assert response.status_code == 302 and m.SignOff.objects.filter(application=app).exists()
    client.force_login(app.delivery_lead)
    return Seen("Status", "Exited")


@case(m.HypercareExtension)
def hypercare_extended(client: Client, app: m.Application) -> Seen:
    new_end = app.hypercare.planned_end_on + timedelta(days=7)
    response = client.post(reverse("readiness:hypercare_extend", args=[app.slug]),
                           {"new_end_on": new_end.isoformat(), "reason": "Two sev-2 bugs still open."})
    assert response.status_code == 302
    return Seen("New end on", _day(new_end))


@case(m.ExitCriterion)
def criterion_edited(client: Client, app: m.Application) -> Seen:
    criterion = app.exit_criteria.exclude(threshold=None).first()
    _post_form(client, reverse("readiness:criterion_edit", args=[app.slug, criterion.pk]), threshold="42")
    return Seen("Threshold", "42.0")


@case(m.GateWaiver)
def gate_waived(client: Client, app: m.Application) -> Seen:
    expires = timezone.localdate() + timedelta(days=14)
    response = client.post(reverse("readiness:waiver_create", args=[app.slug]), {
        "gate": "access", "reason": "Admin access arrives with the vendor contract.", "expires_on": expires.isoformat(),
    })
    assert response.status_code == 302
    return Seen("Gate", "5. Access")


# The six artefact kinds share one edit view: each edited through it, one field changed.
ARTEFACT_EDITS: list[tuple[type[models.Model], str, Callable[..., models.Model], str, str, str]] = [
    (m.Runbook, "runbook", factories.RunbookFactory, "symptom", "Orders stop syncing.", "Orders stop syncing."),
    (m.AlertCheck, "alert", factories.AlertCheckFactory, "threshold", "Any failure", "Any failure"),
    (m.AccessCheck, "access", factories.AccessCheckFactory, "kind", "admin", "Admin functions"),
    (m.KnownIssue, "knownissue", factories.KnownIssueFactory, "status", "resolved", "Resolved"),
    (m.Drill, "drill", factories.DrillFactory, "findings", "The bridge was wrong.", "The bridge was wrong."),
    (m.DecisionRecord, "decision", partial(factories.DecisionRecordFactory, status=m.DecisionStatus.PROPOSED),
     "status", "accepted", "Accepted"),
]


def _artefact_case(model: type[models.Model], artefact: str, make: Callable[..., models.Model], name: str,
                   value: str, shown: str) -> None:
    def edit(client: Client, app: m.Application) -> Seen:
        obj = make(application=app)
        _post_form(client, reverse(f"readiness:{artefact}_edit", args=[app.slug, obj.pk]), **{name: value})
        return Seen(name.capitalize(), shown)

    edit.__name__ = f"{artefact}_edited"
    case(model)(edit)


for spec in ARTEFACT_EDITS:
    _artefact_case(*spec)


@case(m.AlertVerification)
def alert_seen_firing(client: Client, app: m.Application) -> Seen:
    alert = factories.AlertCheckFactory(application=app)
    seen = timezone.localtime() - timedelta(hours=2)
    response = client.post(reverse("readiness:alert_verify", args=[app.slug, alert.pk]), {
        "verified_at": seen.strftime("%Y-%m-%dT%H:%M"), "verified_by": alert.owner_id,
        "evidence": "Paged the on-call phone at 14:02.",
    })
    assert response.status_code == 302
    return Seen("Evidence", "Paged the on-call phone at 14:02.")


@case(m.RunbookExercise)
def runbook_exercised_in_a_drill_then_the_drill_edited(client: Client, app: m.Application) -> Seen:
    runbook = factories.RunbookFactory(application=app)
    drill = factories.DrillFactory(application=app, held_on=timezone.localdate() - timedelta(days=2))
    url = reverse("readiness:drill_edit", args=[app.slug, drill.pk])
    _post_form(client, url, runbooks_used=[runbook.pk], runbook_outcome="worked")
    _post_form(client, url, runbook_outcome="changed", runbook_changes="Step 3 names the new queue")
    return Seen("What changed in the runbook", "Step 3 names the new queue")


@case(m.AlertWebhook)
def alert_webhook_created_then_rotated(client: Client, app: m.Application) -> Seen:
    url = reverse("readiness:alert_webhook_rotate", args=[app.slug])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    webhook = m.AlertWebhook.objects.get(application=app)
    return Seen("Rotated at", _when(webhook.rotated_at))


@case(m.DrillAction)
def drill_action_added_then_closed(client: Client, app: m.Application) -> Seen:
    drill = factories.DrillFactory(application=app)
    response = client.post(reverse("readiness:drillaction_create", args=[app.slug, drill.pk]),
                           {"description": "Fix the bridge number"})
    assert response.status_code == 302
    action = drill.actions.get()
    response = client.post(reverse("readiness:drillaction_close", args=[app.slug, drill.pk, action.pk]))
    assert response.status_code == 302
    return Seen("Status", "Closed")


@case(m.DrillCall)
def drill_call_recorded_then_corrected(client: Client, app: m.Application) -> Seen:
    drill = factories.DrillFactory(application=app)
    url = reverse("readiness:drillcall_create", args=[app.slug, drill.pk])
    level = app.levels.get(position=2)
    assert client.post(url, {"level": level.pk, "answered": "on", "answer_minutes": "45"}).status_code == 302
    assert client.post(url, {"level": level.pk, "answered": "on", "answer_minutes": "25"}).status_code == 302
    return Seen("Minutes to answer", "25")


@case(m.ApiToken)
def token_created_then_revoked(client: Client, app: m.Application) -> Seen:
    response = client.post(reverse("readiness:token_list"), {"name": "Teams bot"}, follow=True)
    assert response.status_code == 200 and "Created the token Teams bot" in response.content.decode()
    token = m.ApiToken.objects.get(user=app.delivery_lead)
    response = client.post(reverse("readiness:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    return Seen("Revoked at", _when(token.revoked_at))


# --- the tests ---------------------------------------------------------------------------------------


def _models_with_history() -> set[type[models.Model]]:
    return {model for model in apps.get_models() if getattr(model._meta, "simple_history_manager_attribute", None)}


def test_every_tracked_model_has_a_case() -> None:
    assert _models_with_history() == {model for model, _ in CASES.values()}


def test_every_tracked_model_is_on_the_page() -> None:
    assert _models_with_history() == {tracked.model for tracked in tracked_models()}


def _shows(page: str, seen: Seen) -> bool:
    pattern = rf"<strong>{re.escape(seen.label)}</strong>: (?:[^<]* → )?{re.escape(seen.new)}</div>"
    return re.search(pattern, page) is not None


@pytest.mark.parametrize("name", sorted(CASES))
def test_history_after_an_edit(client, name: str) -> None:
    app = factories.hypercare_application()
    client.force_login(app.delivery_lead)
    _, edit = CASES[name]
    seen = edit(client, app)
    url = reverse("readiness:history", args=[app.slug])
    for params in ({}, {"as_of": timezone.localdate().isoformat()}):
        response = client.get(url, params)
        page = response.content.decode()
        assert response.status_code == 200
        assert _shows(page, seen), f"{seen} not on the history page {params}"
        if seen.reason:
            assert f'<div class="small">{escape(seen.reason)}</div>' in page
    assert "did not exist in Handoff yet" not in page and "As it stood on" in page
