"""iCalendar in and out: a person's leave imported from an .ics file (preview, then import; the
same file again changes nothing), and each user's secret calendar feed."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from readiness.lookup import answer
from readiness.models import CalendarFeed, Coverage, Leave
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
BEFORE = datetime(2026, 9, 1, 9, 0, tzinfo=MELBOURNE)
# Every Friday for four weeks, timed on Melbourne's clock; daylight saving starts on Sunday 4 Oct
# 2026 (02:00 → 03:00), between the second and third Friday.
FRIDAYS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//Leave//EN\r
BEGIN:VTIMEZONE\r
TZID:Australia/Melbourne\r
BEGIN:STANDARD\r
DTSTART:19700405T030000\r
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r
TZOFFSETFROM:+1100\r
TZOFFSETTO:+1000\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19701004T020000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r
TZOFFSETFROM:+1000\r
TZOFFSETTO:+1100\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:fridays-off-42@hr.example\r
DTSTAMP:20260801T000000Z\r
DTSTART;TZID=Australia/Melbourne:20260925T000000\r
DTEND;TZID=Australia/Melbourne:20260926T000000\r
RRULE:FREQ=WEEKLY;COUNT=4\r
SUMMARY:Fridays off (study leave)\r
END:VEVENT\r
END:VCALENDAR\r
"""
FRIDAY_DATES = [date(2026, 9, 25), date(2026, 10, 2), date(2026, 10, 9), date(2026, 10, 16)]


@pytest.fixture
def portal(analyst: Any) -> Any:
    level = factories.EscalationLevelFactory(
        application__slug="portal", position=1, name="Service desk", coverage=Coverage.BUSINESS_HOURS,
        primary=factories.PersonFactory(name="Mia Chen", email="mia.chen@example.com"),
        backup=factories.PersonFactory(name="Tom Rees"), after_hours_cover=None)
    factories.OwnershipRuleFactory(application=level.application, name="Access, login and permissions",
                                   example_symptoms="password reset", level=level)
    level.application.members.add(analyst)
    return level


def _upload(client: Client, person: Any, text: str | bytes, name: str = "leave.ics") -> Any:
    data = text.encode() if isinstance(text, str) else text
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("readiness:calendar_import", args=[person.pk]), {"calendar": upload})


def _confirm(client: Client, person: Any, preview: Any) -> Any:
    form = preview.context["form"]
    return client.post(reverse("readiness:calendar_import", args=[person.pk]), {
        "text": form.initial["text"], "fingerprint": form.initial["fingerprint"], "confirm": "1"})


@time_machine.travel(BEFORE)
def test_weekly_leave_across_daylight_saving_is_each_friday_and_the_backup_is_called(
    portal: Any, lead: Any, client: Client,
) -> None:
    mia = portal.primary
    client.force_login(lead)
    preview = _upload(client, mia, FRIDAYS)
    page = preview.content.decode()
    assert "4 new, 0 changed, 0 unchanged" in page and "Fri 9 Oct 2026" in page
    assert not Leave.objects.exists()  # a preview writes nothing

    done = _confirm(client, mia, preview)
    assert done.status_code == 302
    assert [(leave.starts_on, leave.ends_on) for leave in Leave.objects.filter(person=mia)] == [
        (day, day) for day in FRIDAY_DATES]
    assert {leave.note for leave in Leave.objects.all()} == {"Fridays off (study leave)"}

    # After the change to daylight saving, a Friday morning calls the backup; the Thursday, Mia.
    friday = answer(at=datetime(2026, 10, 9, 10, 0, tzinfo=MELBOURNE), application=portal.application,
                    symptom="password reset")
    assert friday.plan is not None and friday.plan.person.name == "Tom Rees"
    assert "on leave" in friday.plan.reason
    thursday = answer(at=datetime(2026, 10, 8, 10, 0, tzinfo=MELBOURNE), application=portal.application,
                      symptom="password reset")
    assert thursday.plan is not None and thursday.plan.person.name == "Mia Chen"
    lookup = client.get(reverse("readiness:lookup"), {"application": "portal", "symptom": "password reset",
                                                       "at": "2026-10-16T10:00"})
    assert "Tom Rees" in lookup.content.decode()


@time_machine.travel(BEFORE)
def test_an_event_title_with_line_breaks_and_control_characters_is_kept_as_one_line(
    portal: Any, lead: Any, client: Client,
) -> None:
    client.force_login(lead)
    odd = FRIDAYS.replace("SUMMARY:Fridays off (study leave)", "SUMMARY:Fridays\\noff \x01 (study)")
    _confirm(client, portal.primary, _upload(client, portal.primary, odd))
    assert set(Leave.objects.values_list("note", flat=True)) == {"Fridays off (study)"}
    page = client.get(reverse("readiness:person_detail", args=[portal.primary.pk])).content.decode()
    assert "Fridays off (study)" in page


@time_machine.travel(BEFORE)
def test_the_same_file_again_changes_nothing_and_an_edited_event_updates_its_days(
    portal: Any, lead: Any, client: Client,
) -> None:
    mia = portal.primary
    client.force_login(lead)
    _confirm(client, mia, _upload(client, mia, FRIDAYS))
    ids = sorted(Leave.objects.values_list("pk", flat=True))

    again = _upload(client, mia, FRIDAYS)
    assert "0 new, 0 changed, 4 unchanged" in again.content.decode()
    _confirm(client, mia, again)
    assert sorted(Leave.objects.values_list("pk", flat=True)) == ids

    moved = FRIDAYS.replace("SUMMARY:Fridays off (study leave)", "SUMMARY:Fridays off (exam prep)")
    preview = _upload(client, mia, moved)
    assert "0 new, 4 changed, 0 unchanged" in preview.content.decode()
    _confirm(client, mia, preview)
    assert sorted(Leave.objects.values_list("pk", flat=True)) == ids
    assert set(Leave.objects.values_list("note", flat=True)) == {"Fridays off (exam prep)"}


@pytest.mark.parametrize(("content", "message"), [
    (b"hello, not a calendar", "This is not an iCalendar file"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\x00y\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "NUL"),
    (b"\xff\xfe\x00bad", "not text in UTF-8"),
    (b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"a" * 1_100_000 + b"\r\nEND:VCALENDAR\r\n", "over 1 MB"),
    (FRIDAYS.replace("UID:fridays-off-42@hr.example\r\n", "").encode(), "has no UID"),
    (FRIDAYS.replace("20260925T000000", "00010925T000000").replace("20260926T000000", "00010926T000000")
     .replace("COUNT=4", "COUNT=1").encode(), "0 new, 0 changed, 0 unchanged"),  # year 1: outside any window
])
@time_machine.travel(BEFORE)
def test_a_bad_file_is_refused_beside_the_field_and_nothing_is_written(
    portal: Any, lead: Any, client: Client, content: bytes, message: str,
) -> None:
    client.force_login(lead)
    response = _upload(client, portal.primary, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    if "new," not in message:
        assert "invalid-feedback" in page  # beside the field
    assert not Leave.objects.exists()


def test_only_people_managers_import(portal: Any, analyst: Any, client: Client) -> None:
    client.force_login(analyst)
    assert _upload(client, portal.primary, FRIDAYS).status_code == 403
    assert not Leave.objects.exists()


@time_machine.travel(BEFORE)
def test_the_command_prints_the_plan_and_a_dry_run_writes_nothing(portal: Any, tmp_path: Any) -> None:
    path = tmp_path / "leave.ics"
    path.write_text(FRIDAYS)
    out = io.StringIO()
    call_command("import_calendar", "MIA.CHEN@example.com", str(path), "--dry-run", stdout=out)
    assert "new        2026-10-09 – 2026-10-09  Fridays off (study leave)" in out.getvalue()
    assert "Nothing written" in out.getvalue() and not Leave.objects.exists()
    call_command("import_calendar", "mia.chen@example.com", str(path), stdout=io.StringIO())
    call_command("import_calendar", "mia.chen@example.com", str(path), stdout=io.StringIO())
    assert Leave.objects.count() == 4


# --- the feed ------------------------------------------------------------------------------------


def _feed_address(client: Client) -> str:
    client.post(reverse("readiness:calendar_feed"), {"action": "create"})
    page = client.get(reverse("readiness:calendar_feed")).content.decode()
    start = page.index('id="calendar-address">') + len('id="calendar-address">')
    return page[start:page.index("</code>", start)]


def test_the_feed_holds_go_live_hypercare_and_gaps_and_a_revoked_address_answers_404(
    lead: Any, client: Client,
) -> None:
    level = factories.EscalationLevelFactory(
        application__name="Dispatch Board", application__delivery_lead=lead,
        application__go_live_date=date(2027, 2, 1), coverage=Coverage.BUSINESS_HOURS, after_hours_cover=None,
        # Both work Mondays only: the other weekdays' business hours are gaps.
        primary=factories.PersonFactory(hours=(time(9), time(17), range(0, 1))),
        backup=factories.PersonFactory(hours=(time(9), time(17), range(0, 1))))
    app = level.application
    factories.HypercareFactory(application=app, starts_on=date(2027, 2, 1), planned_end_on=date(2027, 2, 28))
    factories.ApplicationFactory(name="Not Mine", go_live_date=date(2027, 3, 1))
    client.force_login(lead)
    address = _feed_address(client)
    assert address.startswith("http://testserver/calendar/") and address.endswith(".ics")
    path = address.removeprefix("http://testserver")

    client.logout()  # calendar apps have no session
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert events["Dispatch Board goes live"].decoded("DTSTART") == date(2027, 2, 1)
    hypercare = events["Dispatch Board: hypercare"]
    assert (hypercare.decoded("DTSTART"), hypercare.decoded("DTEND")) == (date(2027, 2, 1), date(2027, 3, 1))
    assert "Dispatch Board: hypercare planned end: extend or sign off" in events
    assert any(summary.startswith(f"Dispatch Board: coverage gap on {level.name}") for summary in events), list(events)
    assert not any("Not Mine" in summary for summary in events)

    client.force_login(lead)
    client.post(reverse("readiness:calendar_feed"), {"action": "revoke"})
    assert not CalendarFeed.objects.active().exists()
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get("/calendar/not-a-key.ics").status_code == 404


def test_a_new_address_replaces_the_old(lead: Any, client: Client) -> None:
    client.force_login(lead)
    first = _feed_address(client).removeprefix("http://testserver")
    second = _feed_address(client).removeprefix("http://testserver")
    assert first != second
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    assert CalendarFeed.objects.active().count() == 1


def test_the_demo_leads_feed_holds_its_go_lives_hypercare_windows_and_gaps(demo: None, client: Client) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from readiness.calendars import applications_of
    from readiness.coverage import coverage_gaps
    from readiness.models import EscalationLevel, Hypercare

    lead = User.objects.get(username="lead")
    client.force_login(lead)
    path = _feed_address(client).removeprefix("http://testserver")
    client.logout()
    calendar = icalendar.Calendar.from_ical(client.get(path).content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}

    mine = applications_of(lead)
    assert mine, "the demo lead belongs to applications"
    for app in mine:
        if app.go_live_date:
            assert events[f"{app.name} goes live"].decoded("DTSTART") == app.go_live_date
    plans = list(Hypercare.objects.filter(application__in=mine).select_related("application"))
    assert plans, "the demo has hypercare windows"
    for plan in plans:
        window = events[f"{plan.application.name}: hypercare"]
        assert window.decoded("DTSTART") == plan.starts_on
        assert window.decoded("DTEND") == plan.planned_end_on + timedelta(days=1)
    gaps = {(level.application.name, level.name): coverage_gaps(level, timezone.now())
            for level in EscalationLevel.objects.filter(application__in=mine).select_related("application")}
    expected = sum(len(found) for found in gaps.values())
    assert expected, "the demo path has a coverage gap"
    assert sum(1 for e in calendar.walk("VEVENT") if ": coverage gap on " in str(e["SUMMARY"])) == expected
