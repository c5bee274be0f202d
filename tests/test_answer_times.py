"""Measured time-to-answer per level (issue 14, must show 6): the levels called in drills and the
escalation log's answer times, per level against its response target, on the path page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from readiness.answer_times import WINDOW_DAYS, answer_times
from readiness.models import Application, DrillCall, Escalation, EscalationLevel
from readiness.services.api import api_token_create
from readiness.services.artefacts import drill_call_record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def app() -> Application:
    return factories.hypercare_application()


@pytest.fixture
def engineering(app: Application) -> EscalationLevel:
    level = app.levels.get(position=2)
    level.response_target_minutes = 30
    level.save()
    return level


def _drill_call(level: EscalationLevel, minutes: int | None, *, days_ago: int = 5) -> DrillCall:
    drill = factories.DrillFactory(application=level.application, held_on=timezone.localdate() - timedelta(days_ago))
    return factories.DrillCallFactory(drill=drill, level=level, answered=minutes is not None, answer_minutes=minutes)


def _logged(level: EscalationLevel, minutes: int | None, *, days_ago: int = 2, passed_on: bool = True) -> Escalation:
    app = level.application
    occurred = timezone.now() - timedelta(days=days_ago)
    return factories.EscalationFactory(
        application=app,
        problem_class=app.ownership_rules.get(),
        occurred_at=occurred,
        from_level=app.levels.get(position=1) if passed_on else level,
        to_level=level if passed_on else None,
        answered_at=occurred + timedelta(minutes=minutes) if minutes is not None else None,
    )


def _page(client: Client, app: Application) -> str:
    response = client.get(reverse("readiness:path_detail", args=[app.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _measured(html: str, level: EscalationLevel) -> str:
    return html.split(f'id="answers-{level.pk}">', 1)[1].split("</dd>", 1)[0]


# --- the figures --------------------------------------------------------------------------------


def test_median_worst_and_misses_come_from_drills_and_the_log_in_the_window(engineering) -> None:
    for minutes in (10, 20, None):
        _drill_call(engineering, minutes)
    _logged(engineering, 40)
    _logged(engineering.application.levels.get(position=1), 3)  # another level's
    _logged(engineering, None)  # answer time not known: not measured
    _logged(engineering, 500, days_ago=WINDOW_DAYS + 1)  # before the window
    _drill_call(engineering, 300, days_ago=WINDOW_DAYS + 1)

    times = answer_times([engineering])[engineering.pk]

    assert sorted(times.minutes) == [10, 20, 40]
    assert (times.calls, times.unanswered, times.from_drills, times.from_log) == (4, 1, 3, 1)
    assert (times.median, times.worst, times.missed, times.met) == (20, 40, 2, False)
    assert times.summary == (
        "median 20 min, worst 40 min over 4 calls (3 in drills, 1 logged), target 30 min "
        "— over target: 2 of 4 calls missed it, 1 not answered"
    )


def test_a_level_answering_within_target_meets_it_and_an_even_count_takes_the_middle_two(engineering) -> None:
    _drill_call(engineering, 12)
    _drill_call(engineering, 25)
    _logged(engineering, 7)
    _logged(engineering, 13)

    times = answer_times([engineering])[engineering.pk]

    assert (times.median, times.worst, times.missed, times.met) == (12.5, 25, 0, True)
    assert times.summary == "median 12.5 min, worst 25 min over 4 calls (2 in drills, 2 logged), target 30 min — met"


def test_an_entry_kept_by_support_times_the_level_that_took_it(app) -> None:
    desk = app.levels.get(position=1)
    _logged(desk, 4, passed_on=False)

    times = answer_times(app.levels.all())

    assert times[desk.pk].minutes == [4]
    assert not times[app.levels.get(position=2).pk].measured


def test_a_level_never_measured_says_so(engineering) -> None:
    times = answer_times([engineering])[engineering.pk]

    assert (times.measured, times.met, times.median) == (False, False, None)
    assert times.summary == "no measurement yet (target 30 min)"


def test_only_unanswered_calls_are_over_target(engineering) -> None:
    _drill_call(engineering, None)

    assert answer_times([engineering])[engineering.pk].summary == (
        "never answered over 1 call (1 in drills), target 30 min — over target: 1 of 1 call missed it, 1 not answered"
    )


def test_a_whole_path_is_read_in_two_queries_however_many_levels_and_calls(
    app, engineering, django_assert_num_queries
) -> None:
    small = list(app.levels.all())
    with django_assert_num_queries(2):
        answer_times(small)
    for position in range(3, 9):
        level = factories.EscalationLevelFactory(application=app, position=position)
        _drill_call(level, position)
        _logged(level, position * 2)
    levels = list(app.levels.all())

    with django_assert_num_queries(2):
        times = answer_times(levels)

    assert times[levels[-1].pk].minutes == [8, 16]


# --- the path page ------------------------------------------------------------------------------


def test_the_path_page_shows_each_level_against_its_target(app, engineering, client) -> None:
    for minutes in (35, 50, 20):
        _logged(engineering, minutes)
    desk = app.levels.get(position=1)
    desk.response_target_minutes = 15
    desk.save()
    _drill_call(desk, 4)
    client.force_login(app.delivery_lead)

    html = _page(client, app)

    engineering_row, desk_row = _measured(html, engineering), _measured(html, desk)
    assert '<span class="badge text-bg-danger">over target</span>' in engineering_row
    assert (
        "Median 35 min, worst 50 min over 3 calls (3 logged), target 30 min — over target: 2 of 3 calls missed it"
    ) in engineering_row
    assert "over target" not in desk_row
    assert "Median 4 min, worst 4 min over 1 call (1 in drills), target 15 min — met" in desk_row
    assert f"last {WINDOW_DAYS} days" in desk_row


def test_logging_an_answer_time_changes_the_path_figure(app, engineering, client) -> None:
    client.force_login(app.delivery_lead)
    assert "No measurement yet (target 30 min)" in _measured(_page(client, app), engineering)

    response = client.post(
        reverse("readiness:escalationlog_create", args=[app.slug]),
        {
            "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "severity": "2",
            "problem_class": app.ownership_rules.get().pk,
            "from_level": app.levels.get(position=1).pk,
            "to_level": engineering.pk,
            "minutes_to_answer": "45",
            "resolved_by": "",
            "minutes_to_resolve": "",
            "summary": "Orders stopped reaching the ERP.",
        },
    )

    assert response.status_code == 302
    entry = Escalation.objects.get()
    assert entry.answered_at - entry.occurred_at == timedelta(minutes=45)
    shown = _measured(_page(client, app), engineering)
    assert "Median 45 min, worst 45 min over 1 call (1 logged), target 30 min — over target" in shown
    log = client.get(reverse("readiness:escalationlog_list", args=[app.slug])).content.decode()
    assert f'45 min <span class="text-body-secondary small">(at {timezone.localtime(entry.answered_at):%H:%M})' in log


def test_an_entry_logged_before_anyone_answered_gets_its_answer_time_when_resolved(app, engineering, client) -> None:
    entry, answered = _logged(engineering, None), _logged(engineering, 5, days_ago=3)
    client.force_login(app.delivery_lead)
    url = reverse("readiness:escalationlog_resolve", args=[app.slug, entry.pk])
    assert "Answered after (minutes)" in client.get(url).content.decode()
    assert (
        "Answered after (minutes)"
        not in client.get(reverse("readiness:escalationlog_resolve", args=[app.slug, answered.pk])).content.decode()
    )

    response = client.post(
        url,
        {
            "resolved_by": "engineering",
            "minutes_to_answer": "20",
            "resolved_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.minutes_to_answer == 20 and entry.resolved_by == "engineering"
    assert "Median 12.5 min, worst 20 min over 2 calls (2 logged)" in _measured(_page(client, app), engineering)


def test_the_api_logs_and_lists_the_answer_time_as_the_page_does(app, engineering, client) -> None:
    _, key = api_token_create(user=app.delivery_lead, name="bot")
    occurred = timezone.localtime() - timedelta(hours=3)
    url = f"/api/v1/applications/{app.slug}/escalation-log"
    body = {
        "occurred_at": occurred.isoformat(),
        "problem_class": app.ownership_rules.get().pk,
        "from_level": app.levels.get(position=1).pk,
        "to_level": engineering.pk,
        "minutes_to_answer": 15,
        "summary": "Orders stuck in the ERP queue.",
    }

    created = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    refused = client.post(
        url, {**body, "minutes_to_answer": 1441}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert created.status_code == 201, created.json()
    entry = Escalation.objects.get()
    assert entry.minutes_to_answer == 15 and created.json()["answered_at"] is not None
    listed = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()["items"][0]
    assert listed["answered_at"] == created.json()["answered_at"]
    assert "minutes_to_answer" in refused.content.decode()
    assert refused.status_code in (400, 422) and Escalation.objects.count() == 1
    client.force_login(app.delivery_lead)
    assert "Median 15 min, worst 15 min over 1 call (1 logged)" in _measured(_page(client, app), engineering)


def test_the_csv_carries_the_answer_time_in_iso_8601(app, engineering, client) -> None:
    entry = _logged(engineering, 25)
    _logged(engineering, None, days_ago=3)
    client.force_login(app.delivery_lead)

    body = client.get(reverse("readiness:escalationlog_export", args=[app.slug])).content.decode()

    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["answered_at"] == timezone.localtime(entry.answered_at).isoformat()
    assert rows[0]["minutes_to_answer"] == "25"
    assert (rows[1]["answered_at"], rows[1]["minutes_to_answer"]) == ("", "")


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "It cannot be answered before it happened."),
        ("1441", "A day at most: a level that took longer did not answer."),
        ("9" * 40, "A day at most: a level that took longer did not answer."),
        ("soon", "Enter a whole number."),
        ("1000", "That is later than now: give the minutes it took to answer."),  # logged 2 hours after
    ],
)
def test_an_impossible_answer_time_is_refused_beside_the_field(app, engineering, client, value, message) -> None:
    client.force_login(app.delivery_lead)

    response = client.post(
        reverse("readiness:escalationlog_create", args=[app.slug]),
        {
            "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "severity": "3",
            "problem_class": app.ownership_rules.get().pk,
            "from_level": app.levels.get(position=1).pk,
            "to_level": engineering.pk,
            "minutes_to_answer": value,
            "summary": "Prices were wrong.",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"minutes_to_answer": [message]}
    assert message in response.content.decode()
    assert not Escalation.objects.exists()


def test_the_model_and_the_database_refuse_an_answer_before_the_escalation(engineering) -> None:
    entry = _logged(engineering, 10)
    entry.answered_at = entry.occurred_at - timedelta(minutes=1)

    with pytest.raises(ValidationError) as refused:
        entry.full_clean()
    assert refused.value.message_dict["answered_at"] == ["It cannot be answered before it happened."]
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.filter(pk=entry.pk).update(answered_at=entry.occurred_at - timedelta(minutes=1))


# --- a drill's calls ----------------------------------------------------------------------------


def _record(client: Client, drill, **data: object):
    return client.post(reverse("readiness:drillcall_create", args=[drill.application.slug, drill.pk]), data)


def test_a_drill_records_each_level_once_and_recording_again_corrects_it(app, engineering, client) -> None:
    drill = factories.DrillFactory(application=app, held_on=timezone.localdate() - timedelta(days=3))
    client.force_login(app.delivery_lead)

    first = _record(client, drill, level=engineering.pk, answered="on", answer_minutes="50")
    again = _record(client, drill, level=engineering.pk, answered="on", answer_minutes="20")

    assert first.status_code == again.status_code == 302
    assert list(drill.calls.values_list("level_id", "answer_minutes")) == [(engineering.pk, 20)]
    page = client.get(drill.get_absolute_url()).content.decode()
    assert "<td>L2 Engineering</td>" in page and "in 20 min" in page
    assert "met" in _measured(_page(client, app), engineering)

    _record(client, drill, level=engineering.pk, answer_minutes="")  # unticked: nobody answered

    page = client.get(drill.get_absolute_url()).content.decode()
    assert "not answered" in page and '<span class="badge text-bg-danger">missed</span>' in page
    assert "1 not answered" in _measured(_page(client, app), engineering)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"answered": "on", "answer_minutes": ""}, "answer_minutes", "Give the minutes it took to answer."),
        ({"answer_minutes": "5"}, "answer_minutes", "A call nobody answered has no time to answer: leave it empty."),
        (
            {"answered": "on", "answer_minutes": "-1"},
            "answer_minutes",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"answered": "on", "answer_minutes": "1441"},
            "answer_minutes",
            "Ensure this value is less than or equal to 1440.",
        ),
    ],
)
def test_a_drill_call_that_does_not_add_up_is_refused_beside_the_field(
    app, engineering, client, data, field, message
) -> None:
    drill = factories.DrillFactory(application=app)
    client.force_login(app.delivery_lead)

    response = _record(client, drill, level=engineering.pk, **data)

    assert response.status_code == 200
    assert response.context["call_form"].errors == {field: [message]}
    assert not DrillCall.objects.exists()


def test_another_applications_level_cannot_be_recorded_on_a_drill(app, client) -> None:
    drill = factories.DrillFactory(application=app)
    elsewhere = factories.EscalationLevelFactory()
    client.force_login(app.delivery_lead)

    response = _record(client, drill, level=elsewhere.pk, answered="on", answer_minutes="5")

    assert "level" in response.context["call_form"].errors
    with pytest.raises(ValidationError):
        drill_call_record(drill=drill, level=elsewhere, answered=True, answer_minutes=5)
    assert not DrillCall.objects.exists()


def test_the_database_refuses_minutes_on_an_unanswered_call(engineering) -> None:
    call = _drill_call(engineering, 5)

    with pytest.raises(IntegrityError), transaction.atomic():
        DrillCall.objects.filter(pk=call.pk).update(answered=False)


# --- the demo world -----------------------------------------------------------------------------


def test_the_demo_portal_path_shows_figures_and_one_level_over_target(client) -> None:
    call_command("seed_demo", verbosity=0)
    portal = Application.objects.get(slug="ordering-portal")
    client.force_login(portal.delivery_lead)

    html = _page(client, portal)

    levels = {level.position: level for level in portal.levels.all()}
    assert "Median 12 min, worst 22 min over 5 calls (2 in drills, 3 logged), target 30 min — met" in _measured(
        html, levels[2]
    )
    erp = _measured(html, levels[3])
    assert '<span class="badge text-bg-danger">over target</span>' in erp
    assert "Median 70 min, worst 95 min over 5 calls (1 in drills, 4 logged), target 60 min — over target" in erp
    assert [position for position, level in levels.items() if "over target" in _measured(html, level)] == [3]
