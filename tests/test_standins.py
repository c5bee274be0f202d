"""Stand-ins (issue 14, Must show 3): a stand-in for the primary's leave week is the one the
lookup names, on the page and through the API, with the reason; coverage counts the stand-in's
own calendar; the path page and the sheet list them; who may arrange and end them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness.coverage import coverage_gaps
from readiness.directory import directory_live, levels_with_people
from readiness.gates.escalation import check_escalation_path
from readiness.gates.evidence import load_evidence
from readiness.lookup import answer
from readiness.models import Coverage, EscalationLevel, LookupDirectory, StandIn
from readiness.services.api import api_token_create
from readiness.services.gates import readiness_snapshots_refresh_all
from readiness.services.standins import standin_create, standin_end
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
# Tuesday of Ben's leave week (Mon 7 – Fri 11 Dec 2026), mid-morning in Melbourne.
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=MELBOURNE)
WEEK_STARTS = datetime(2026, 12, 7, 0, 0, tzinfo=MELBOURNE)
WEEK_ENDS = datetime(2026, 12, 11, 18, 0, tzinfo=MELBOURNE)
SAYS = "Stand-in for Ben Walsh until 18:00 Fri 11 Dec: Ben on leave, Ada covers L1"


@pytest.fixture
def path(analyst) -> Any:
    """L1 promising business hours: Ben Walsh primary, on leave all week; Tom backup in Sydney,
    who is on leave too, so without a stand-in nobody is reachable."""
    ben = factories.PersonFactory(name="Ben Walsh", email="ben@example.com")
    tom = factories.PersonFactory(name="Tom Rees", timezone="Australia/Sydney")
    for person in (ben, tom):
        factories.LeaveFactory(person=person, starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 11), note="Leave")
    level = factories.EscalationLevelFactory(
        application__slug="portal",
        position=1,
        name="Service desk",
        coverage=Coverage.BUSINESS_HOURS,
        primary=ben,
        backup=tom,
        after_hours_cover=None,
    )
    factories.OwnershipRuleFactory(
        application=level.application,
        name="Access, login and permissions",
        example_symptoms="password reset",
        level=level,
    )
    level.application.members.add(analyst)
    return level


def _standin(level: Any, **changes: Any) -> StandIn:
    values = {
        "level": level,
        "role": "primary",
        "starts_at": WEEK_STARTS,
        "ends_at": WEEK_ENDS,
        "reason": "Ben on leave, Ada covers L1",
    }
    if "person" not in changes:
        values["person"] = factories.PersonFactory(name="Ada Stone", phone="+61 3 9000 1111")
    return standin_create(standin=StandIn(**{**values, **changes}))


def _page(client: Client, **query: str) -> str:
    response = client.get("/call/", {"application": "portal", "symptom": "password reset", **query})
    assert response.status_code == 200
    return response.content.decode()


# --- Must show 3: the lookup names the stand-in, with the reason ------------------------------------


def test_without_a_standin_nobody_on_the_level_can_be_reached(path) -> None:
    result = answer(at=TUESDAY, application=path.application, symptom="password reset")

    assert result.plan.person is None


def test_the_answer_calls_the_standin_for_the_primary_and_says_for_whom_until_when_and_why(path) -> None:
    _standin(path)

    result = answer(at=TUESDAY, application=path.application, symptom="password reset")

    assert result.plan.person.name == "Ada Stone"
    assert result.plan.role == "primary"
    assert result.plan.standin_label == SAYS
    assert result.plan.reason == f"primary, in working hours. {SAYS}"
    # Ben is not offered: the stand-in takes his place for the week.
    assert [c.person.name for c in result.plan.fallback] == ["Tom Rees"]


def test_the_page_names_the_standin_with_the_reason_from_the_rows_and_from_the_stored_directory(path, analyst) -> None:
    _standin(path)
    client = Client()
    client.force_login(analyst)
    with time_machine.travel(TUESDAY, tick=False):
        live = _page(client)
        readiness_snapshots_refresh_all()
        assert LookupDirectory.objects.filter(application=path.application).exists()
        stored = _page(client)

    for html in (live, stored):
        assert "<strong>Ada Stone</strong>" in html
        assert "stand-in</span>" in html
        assert SAYS in html
        assert 'href="tel:+61390001111"' in html


def test_the_api_names_the_standin_with_the_reason(path, analyst) -> None:
    _standin(path)
    _, key = api_token_create(user=analyst, name="bot")
    with time_machine.travel(TUESDAY, tick=False):
        body = (
            Client()
            .get(
                "/api/lookup/",
                {"application": "portal", "symptom": "password reset"},
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            .json()
        )

    call = body["answer"]["call"]
    assert call["call"]["name"] == "Ada Stone" and call["role"] == "primary"
    assert call["standin"] == {
        "for": "Ben Walsh",
        "until": "2026-12-11T07:00:00+00:00",
        "reason": "Ben on leave, Ada covers L1",
        "text": SAYS,
    }
    assert SAYS in call["reason"]


def test_after_the_period_the_primary_is_called_again(path) -> None:
    _standin(path)

    result = answer(at=TUESDAY + timedelta(days=7), application=path.application, symptom="password reset")

    assert result.plan.person.name == "Ben Walsh" and result.plan.standin is None


def test_the_stored_directory_keeps_the_standin_and_its_person(path) -> None:
    from readiness.directory import directory_data, directory_from_data

    _standin(path)
    live = directory_live(path.application)
    data = directory_data(rules=live.rules, levels=live.levels, runbooks=live.runbooks, known_issues=live.known_issues)
    stored = directory_from_data(path.application, data)

    result = answer(at=TUESDAY, application=path.application, symptom="password reset")
    from readiness.lookup import who_to_call

    assert who_to_call(stored.levels[0], TUESDAY).reason == result.plan.reason


# --- coverage: the stand-in's own calendar counts ---------------------------------------------------


def test_the_gaps_of_the_leave_week_close_with_a_standin(path) -> None:
    before = coverage_gaps(levels_with_people(path.application.levels.all(), TUESDAY)[0], WEEK_STARTS, days=5)
    assert before, "nobody reachable all week"

    _standin(path)
    level = levels_with_people(path.application.levels.all(), TUESDAY)[0]

    assert coverage_gaps(level, WEEK_STARTS, days=5) == []


def test_an_offshore_standin_covers_only_their_own_hours(path) -> None:
    kolkata = factories.PersonFactory(name="Ravi Iyer", timezone="Asia/Kolkata")  # 09:00–17:00 IST
    _standin(path, person=kolkata)
    level = levels_with_people(path.application.levels.all(), TUESDAY)[0]

    gaps = coverage_gaps(level, WEEK_STARTS, days=5)

    # 09:00 IST is 14:30 in Melbourne (daylight saving): each morning is a gap, with the stand-in named.
    tuesday = [g for g in gaps if g.start.astimezone(MELBOURNE).date() == date(2026, 12, 8)]
    assert [(g.start.astimezone(MELBOURNE).time(), g.end.astimezone(MELBOURNE).time()) for g in tuesday] == [
        (time(9), time(14, 30))
    ]
    assert "primary Ravi Iyer (stand-in) outside working hours" in tuesday[0].reason


def test_a_standin_on_leave_is_no_cover_and_is_flagged(path, lead) -> None:
    ada = factories.PersonFactory(name="Ada Stone")
    factories.LeaveFactory(person=ada, starts_on=date(2026, 12, 8), ends_on=date(2026, 12, 8))
    _standin(path, person=ada)
    level = levels_with_people(path.application.levels.all(), TUESDAY)[0]

    result = answer(at=TUESDAY, application=path.application, symptom="password reset")

    assert result.plan.person is None and "on leave until Tue 08 Dec" in result.plan.reason
    assert [g.start.astimezone(MELBOURNE).date() for g in coverage_gaps(level, WEEK_STARTS, days=5)] == [
        date(2026, 12, 8)
    ]
    client = Client()
    client.force_login(lead)
    with time_machine.travel(WEEK_STARTS - timedelta(days=1), tick=False):
        page = client.get(reverse("readiness:path_detail", args=["portal"])).content.decode()
    assert "Ada Stone is on leave Tue 08 Dec–Tue 08 Dec during it" in page


def test_a_standin_who_left_is_flagged_in_gate_4(path) -> None:
    ada = factories.PersonFactory(name="Ada Stone")
    _standin(path, person=ada)
    ada.left_on = date(2026, 12, 1)
    ada.save()
    with time_machine.travel(TUESDAY, tick=False):
        ev = load_evidence([path.application])[path.application.pk]
        check = check_escalation_path(ev, timezone.localdate())

    texts = [m.text for m in check.missing]
    assert any("Ada Stone, standing in as primary until" in t and "has left" in t for t in texts), texts


# --- the path page, its timeline and the sheet --------------------------------------------------------


def test_the_path_page_lists_the_standin_with_the_reason_and_draws_them_on_the_timeline(path) -> None:
    _standin(path)
    client = _client(path.application.delivery_lead)
    with time_machine.travel(TUESDAY, tick=False):
        page = client.get(reverse("readiness:path_detail", args=["portal"])).content.decode()
        sheet = client.get(reverse("readiness:ownership_sheet", args=["portal"])).content.decode()

    assert "<strong>Ada Stone</strong> stands in for Ben Walsh as primary" in page
    assert "in force</span>: Ben on leave, Ada covers L1" in page
    assert "Ada Stone (primary, stand-in) 09:00–17:00" in page
    assert "No coverage gap in the next 14 days" in page
    assert "End now</button>" in page and "Arrange a stand-in</a>" in page
    assert "<td>Ben Walsh (primary)</td>" in sheet and "Ben on leave, Ada covers L1" in sheet


# --- arranging and ending through the pages ---------------------------------------------------------


def _form(person: Any, starts: datetime = WEEK_STARTS, ends: datetime = WEEK_ENDS, **changes: Any) -> dict[str, Any]:
    local = timezone.get_current_timezone()
    return {
        "role": "primary",
        "person": person.pk,
        "starts_at": f"{starts.astimezone(local):%Y-%m-%dT%H:%M}",
        "ends_at": f"{ends.astimezone(local):%Y-%m-%dT%H:%M}",
        "reason": "Ben on leave",
        **changes,
    }


def _create_url(level: Any) -> str:
    return reverse("readiness:standin_create", args=[level.application.slug, level.pk])


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_delivery_lead_arranges_a_standin_and_the_path_says_so(path) -> None:
    lead = path.application.delivery_lead
    ada = factories.PersonFactory(name="Ada Stone")
    client = _client(lead)
    with time_machine.travel(WEEK_STARTS - timedelta(days=2), tick=False):
        form = client.get(_create_url(path) + "?role=primary").content.decode()
        response = client.post(_create_url(path), _form(ada), follow=True)

    assert "Primary (Ben Walsh)" in form and "Backup (Tom Rees)" in form and "After-hours" not in form
    assert "Ada Stone stands in as primary on L1 until 18:00 Fri 11 Dec." in response.content.decode()
    standin = StandIn.objects.get()
    assert (standin.person, standin.created_by, standin.reason) == (ada, lead, "Ben on leave")
    assert "upcoming</span>: Ben on leave" in response.content.decode()


def test_the_person_covered_arranges_their_own_standin_but_not_someone_elses(path) -> None:
    ben_user = factories.UserFactory()  # no role at all: Ben only signs in
    path.primary.user = ben_user
    path.primary.save()
    ada = factories.PersonFactory(name="Ada Stone")
    client = _client(ben_user)
    with time_machine.travel(WEEK_STARTS - timedelta(days=2), tick=False):
        form = client.get(_create_url(path)).content.decode()
        refused = client.post(_create_url(path), _form(ada, role="backup"))
        allowed = client.post(_create_url(path), _form(ada))
        page = client.get(reverse("readiness:path_detail", args=["portal"])).content.decode()

    assert "Primary (Ben Walsh)" in form and "Backup (Tom Rees)" not in form
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert allowed.status_code == 302 and StandIn.objects.get().role == "primary"
    # Ben may cancel it; he may not edit the path itself.
    assert "Cancel</button>" in page and "Edit L1" not in page


def test_another_member_without_the_role_and_a_lead_of_another_application_are_refused(path, analyst) -> None:
    ada = factories.PersonFactory(name="Ada Stone")
    standin = _standin(path, person=ada)
    other_lead = factories.delivery_lead()
    end = reverse("readiness:standin_end", args=["portal", path.pk, standin.pk])
    for user in (analyst, other_lead):
        client = _client(user)
        assert client.get(_create_url(path)).status_code == 403
        refused = client.post(_create_url(path), _form(ada, starts=WEEK_ENDS, ends=WEEK_ENDS + timedelta(days=1)))
        assert refused.status_code == 403
        assert "or the person being covered, can arrange or end a stand-in" in refused.content.decode()
        assert client.post(end).status_code == 403
        page = client.get(reverse("readiness:path_detail", args=["portal"])).content.decode()
        assert "Arrange a stand-in" not in page and "End now" not in page
    assert StandIn.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"person": "ben"}, "person", "The stand-in must be someone other than the person they replace."),
        ({"starts_at": "2026-12-04T09:00", "ends_at": "2026-12-05T09:00"}, "ends_at", "That time has passed"),
        ({"starts_at": "2026-12-10T09:00", "ends_at": "2026-12-09T09:00"}, "ends_at", "must end after it starts"),
        ({"ends_at": "2027-06-01T09:00"}, "ends_at", "A stand-in lasts 92 days at most"),
        ({"reason": "Ben\non leave"}, "reason", "Keep this to one line"),
        ({"reason": ""}, "reason", "Say why, in a line"),
        ({"reason": "x" * 1_000_000}, "reason", "at most 200 characters"),
        ({"reason": "a\x00b"}, "reason", "Null characters are not allowed"),
        ({"starts_at": "0001-01-01T00:00"}, "starts_at", "Enter a date between 1 Jan 2000 and 31 Dec 2100."),
        ({"ends_at": "9999-12-31T23:59"}, "ends_at", "Enter a date between 1 Jan 2000 and 31 Dec 2100."),
        ({"role": "after_hours_cover"}, "role", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_beside_the_field(path, changes: dict[str, str], field: str, says: str) -> None:
    ada = factories.PersonFactory(name="Ada Stone")
    data = {**_form(ada), **changes}
    if changes.get("person") == "ben":
        data["person"] = path.primary.pk
    with time_machine.travel(WEEK_STARTS - timedelta(days=1), tick=False):
        response = _client(path.application.delivery_lead).post(_create_url(path), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and says in " ".join(errors[field]), errors
    assert StandIn.objects.count() == 0


def test_a_second_standin_for_the_same_role_and_time_is_refused_with_who_already_stands_in(path) -> None:
    _standin(path)
    tim = factories.PersonFactory(name="Tim Cole")
    with time_machine.travel(WEEK_STARTS - timedelta(days=1), tick=False):
        response = _client(path.application.delivery_lead).post(
            _create_url(path), _form(tim, starts=TUESDAY, ends=TUESDAY + timedelta(days=1))
        )
        # Another role, or the time just after, is fine.
        backup = _client(path.application.delivery_lead).post(
            _create_url(path), _form(tim, role="backup", starts=TUESDAY, ends=TUESDAY + timedelta(days=1))
        )
        after = _client(path.application.delivery_lead).post(
            _create_url(path), _form(tim, starts=WEEK_ENDS, ends=WEEK_ENDS + timedelta(days=2))
        )

    errors = response.context["form"].errors["starts_at"]
    assert "Ada Stone already stands in for this role from Mon 07 Dec 00:00 until Fri 11 Dec 18:00" in errors[0]
    assert backup.status_code == 302 and after.status_code == 302
    assert StandIn.objects.count() == 3


def test_the_same_form_sent_twice_arranges_one_standin(path) -> None:
    ada = factories.PersonFactory(name="Ada Stone")
    client = _client(path.application.delivery_lead)
    data = {**_form(ada), "submission_key": "6f1c3bd2-5d0e-4a57-9f3e-0d6c7a1e2b11"}
    with time_machine.travel(WEEK_STARTS - timedelta(days=1), tick=False):
        first, second = client.post(_create_url(path), data), client.post(_create_url(path), data)

    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert StandIn.objects.count() == 1


def test_ending_a_current_standin_ends_it_now_and_cancelling_an_upcoming_one_removes_it(path) -> None:
    current = _standin(path)
    upcoming = _standin(path, starts_at=WEEK_ENDS + timedelta(days=3), ends_at=WEEK_ENDS + timedelta(days=4))
    client = _client(path.application.delivery_lead)
    with time_machine.travel(TUESDAY, tick=False):
        ended = client.post(reverse("readiness:standin_end", args=["portal", path.pk, current.pk]), follow=True)
        cancelled = client.post(reverse("readiness:standin_end", args=["portal", path.pk, upcoming.pk]), follow=True)
        again = client.post(reverse("readiness:standin_end", args=["portal", path.pk, upcoming.pk]), follow=True)
        over = client.post(reverse("readiness:standin_end", args=["portal", path.pk, current.pk]), follow=True)
        result = answer(at=timezone.now(), application=path.application, symptom="password reset")

    assert "The stand-in of Ada Stone is ended." in ended.content.decode()
    assert "The stand-in of Ada Stone is cancelled." in cancelled.content.decode()
    assert "That stand-in was already cancelled." in again.content.decode()
    assert "This stand-in is already over." in over.content.decode()
    current.refresh_from_db()
    assert current.ends_at == TUESDAY and not StandIn.objects.filter(pk=upcoming.pk).exists()
    assert result.plan.person is None  # Ben and Tom are on leave again, as before
    assert [h.history_type for h in StandIn.history.filter(id=upcoming.pk).order_by("history_id")] == ["+", "-"]


def test_ending_twice_from_the_service_is_refused_not_a_crash(path) -> None:
    standin = _standin(path)
    with time_machine.travel(TUESDAY, tick=False):
        assert standin_end(standin=standin) == "ended"
        with pytest.raises(Exception, match="already over"):
            standin_end(standin=standin)


def test_a_standin_named_on_the_level_since_can_still_be_ended(path) -> None:
    # The form's own advice for a longer cover is "edit the level to name them": after that, the
    # stand-in must still end (it once failed re-judging the whole row against the edited level).
    standin = _standin(path)
    with time_machine.travel(TUESDAY, tick=False):
        EscalationLevel.objects.filter(pk=path.pk).update(primary=standin.person)
        standin.refresh_from_db()
        assert standin_end(standin=standin) == "ended"
    assert StandIn.objects.get(pk=standin.pk).ends_at == TUESDAY


# --- query counts ---------------------------------------------------------------------------------


def _count(fn: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_the_lookup_and_the_path_page_ask_as_often_with_one_standin_as_with_many(path, lead) -> None:
    path.application.members.add(lead)
    client = _client(lead)

    def lookup() -> None:
        answer(at=TUESDAY, application=path.application, symptom="password reset")

    def page() -> None:
        assert client.get(reverse("readiness:path_detail", args=["portal"])).status_code == 200

    _standin(path)
    with time_machine.travel(TUESDAY, tick=False):
        small = (_count(lookup), _count(page))
        for day in range(1, 12):
            starts = WEEK_ENDS + timedelta(days=day)
            _standin(
                path, role="backup" if day % 2 else "primary", starts_at=starts, ends_at=starts + timedelta(hours=20)
            )
        assert StandIn.objects.count() == 12
        assert (_count(lookup), _count(page)) == small


# --- two stand-ins for one role sent at once (PostgreSQL: SQLite runs one writer at a time) ---------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_standins_sent_at_once_store_one_and_refuse_the_other() -> None:
    from django.core.exceptions import ValidationError

    from tests.conftest import at_once

    level = factories.EscalationLevelFactory(application__slug="portal", after_hours_cover=None)
    people = iter([factories.PersonFactory(name="Ada Stone"), factories.PersonFactory(name="Tim Cole")])
    chosen = [next(people), next(people)]

    def arrange() -> str:
        person = chosen.pop()
        try:
            _standin(level, person=person)
        except ValidationError as error:
            return " ".join(error.messages)
        return "stored"

    answers = at_once(arrange, times=2)

    assert sorted(answers)[1] == "stored" and "already stands in for this role" in sorted(answers)[0], answers
    assert StandIn.objects.filter(level=level).count() == 1


def test_an_after_hours_standin_carries_the_pager_at_night(path) -> None:
    path.coverage = Coverage.AFTER_HOURS
    path.after_hours_cover = factories.PersonFactory(name="Jomar Santos", timezone="Asia/Manila")
    path.save()
    andrea = factories.PersonFactory(name="Andrea Reyes", timezone="Asia/Manila")
    _standin(path, person=andrea, role="after_hours_cover", reason="Swapped the on-call week with Jomar")
    night = TUESDAY.replace(hour=2)

    result = answer(at=night, application=path.application, symptom="password reset")

    assert result.plan.person.name == "Andrea Reyes" and result.plan.role == "after-hours cover"
    assert "Stand-in for Jomar Santos until " in result.plan.reason
    assert result.plan.reason.endswith(": Swapped the on-call week with Jomar")


def test_a_standins_public_holiday_in_their_period_is_listed_with_the_days_off() -> None:
    from readiness.coverage_timeline import days_off_ahead

    sydney = factories.PersonFactory(name="Tom Rees", timezone="Australia/Sydney", region="AU-NSW")
    level = factories.EscalationLevelFactory(primary=sydney, backup=None, after_hours_cover=None)
    melbourne = factories.PersonFactory(name="Mia Chen", region="AU-VIC")
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=MELBOURNE)  # Melbourne Cup Day is Tuesday 3 Nov
    _standin(level, person=melbourne, starts_at=monday, ends_at=monday + timedelta(days=3))
    later = _standin(
        level,
        person=factories.PersonFactory(name="Ada Stone", region="AU-VIC"),
        starts_at=monday + timedelta(days=4),
        ends_at=monday + timedelta(days=5),
    )
    levels = levels_with_people(type(level).objects.filter(pk=level.pk), monday)

    found = [(off.day, off.person.name, off.role) for off in days_off_ahead(levels, monday)]

    assert found == [(date(2026, 11, 3), "Mia Chen", "primary stand-in")]
    assert later.person.name == "Ada Stone"  # her period holds no holiday
