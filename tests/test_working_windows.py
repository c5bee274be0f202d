"""Working hours as people work them: several windows a day (a split shift) and windows past
midnight (a night shift), on the person's own clock, across daylight-saving changes; and the
form that edits them, which refuses overlapping windows beside the field."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.coverage import AFTER_HOURS, PRIMARY, _reachable_intervals
from readiness.forms.people import week_formset
from readiness.models import Coverage, Person, WorkingHours
from readiness.models.people import Availability, overlapping_windows
from tests import factories

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
MELBOURNE, SYDNEY, KOLKATA = (ZoneInfo(z) for z in ("Australia/Melbourne", "Australia/Sydney", "Asia/Kolkata"))
SATURDAY, SUNDAY = 5, 6


def _windows(person: Person, *rows: tuple[int, time, time]) -> Person:
    person.working_hours.all().delete()
    WorkingHours.objects.bulk_create(WorkingHours(person=person, weekday=d, starts_at=s, ends_at=e) for d, s, e in rows)
    return Person.objects.prefetch_related("working_hours", "leaves").get(pk=person.pk)


def _night_shift(zone: str) -> Person:
    """22:00–06:00 every night of the week."""
    person = factories.PersonFactory(name="Noor Haddad", timezone=zone)
    return _windows(person, *((day, time(22), time(6)) for day in range(7)))


def _intervals(person: Person, start: datetime, days: int) -> list[tuple[datetime, datetime]]:
    level = factories.EscalationLevelFactory.build(coverage=Coverage.BUSINESS_HOURS)
    end = start + timedelta(days=days)
    intervals = _reachable_intervals(level, PRIMARY, person, start.astimezone(UTC), end)
    return sorted((s, e) for s, e in intervals if e > start and s < end)


@pytest.mark.parametrize(("zone", "change_saturday", "hours"), [
    # Clocks go forward at 02:00 on Sunday 4 October 2026: Saturday night's shift is 7 hours long.
    ("Australia/Melbourne", datetime(2026, 10, 3), 7),
    ("Australia/Sydney", datetime(2026, 10, 3), 7),
    # They go back at 03:00 on Sunday 5 April 2026: that night's shift is 9 hours long.
    ("Australia/Melbourne", datetime(2026, 4, 4), 9),
    ("Australia/Sydney", datetime(2026, 4, 4), 9),
])
def test_a_night_shift_is_reachable_in_exactly_its_window_across_daylight_saving(zone, change_saturday, hours) -> None:
    person = _night_shift(zone)
    tz = ZoneInfo(zone)
    opens = change_saturday.replace(hour=22, tzinfo=tz)
    closes = (change_saturday + timedelta(days=1)).replace(hour=6, tzinfo=tz)

    assert closes.astimezone(UTC) - opens.astimezone(UTC) == timedelta(hours=hours)
    assert (opens.astimezone(UTC), closes.astimezone(UTC)) in _intervals(person, opens - timedelta(hours=1), 1)
    # Judged moment by moment on the person's clock: the same edges.
    for moment, availability in [
        (opens - timedelta(minutes=1), Availability.OUTSIDE_HOURS),
        (opens, Availability.IN_HOURS),
        (closes.astimezone(UTC) - timedelta(minutes=1), Availability.IN_HOURS),
        (closes, Availability.OUTSIDE_HOURS),
    ]:
        assert person.reachability_at(moment).availability == availability, moment


def test_a_night_shift_belongs_to_the_day_it_starts() -> None:
    person = factories.PersonFactory(timezone="Australia/Sydney")
    person = _windows(person, (4, time(22), time(6)))  # Friday night only

    saturday_early = datetime(2026, 6, 6, 5, 0, tzinfo=SYDNEY)
    saturday_late = datetime(2026, 6, 6, 23, 0, tzinfo=SYDNEY)

    assert person.reachability_at(saturday_early).in_hours
    assert not person.reachability_at(saturday_late).in_hours
    assert str(person.working_hours.get()) == "Friday 22:00–06:00 (next day)"


def test_a_split_shift_in_kolkata_is_reachable_in_its_two_windows_only() -> None:
    person = factories.PersonFactory(name="Arjun Rao", timezone="Asia/Kolkata")
    person = _windows(person, *((day, time(7, 30), time(11, 30)) for day in range(5)),
                      *((day, time(18, 30), time(22, 30)) for day in range(5)))
    friday = datetime(2026, 4, 3, 0, 0, tzinfo=KOLKATA)  # Melbourne's clocks go back on the Sunday after

    windows = _intervals(person, friday, 4)

    local = [(f"{s.astimezone(KOLKATA):%a %H:%M}", f"{e.astimezone(KOLKATA):%a %H:%M}") for s, e in windows]
    assert local == [("Fri 07:30", "Fri 11:30"), ("Fri 18:30", "Fri 22:30"),
                     ("Mon 07:30", "Mon 11:30"), ("Mon 18:30", "Mon 22:30")]
    # On a Melbourne clock the same windows move by an hour across the change; Kolkata's do not.
    assert f"{windows[0][0].astimezone(MELBOURNE):%H:%M}" == "13:00"
    assert f"{windows[2][0].astimezone(MELBOURNE):%H:%M}" == "12:00"
    assert not person.reachability_at(datetime(2026, 4, 3, 12, 0, tzinfo=KOLKATA)).in_hours
    assert person.reachability_at(datetime(2026, 4, 3, 19, 0, tzinfo=KOLKATA)).in_hours


def test_leave_the_next_day_cuts_a_night_shift_at_midnight() -> None:
    person = _night_shift("Australia/Melbourne")
    factories.LeaveFactory(person=person, starts_on=datetime(2026, 6, 6).date(), ends_on=datetime(2026, 6, 6).date())
    person = Person.objects.prefetch_related("working_hours", "leaves").get(pk=person.pk)
    friday = datetime(2026, 6, 5, 12, 0, tzinfo=MELBOURNE)

    windows = _intervals(person, friday, 1)

    assert windows[0] == (datetime(2026, 6, 5, 22, 0, tzinfo=MELBOURNE), datetime(2026, 6, 6, 0, 0, tzinfo=MELBOURNE))
    assert person.reachability_at(datetime(2026, 6, 6, 1, 0, tzinfo=MELBOURNE)).availability == Availability.ON_LEAVE


def test_the_pager_holder_is_reachable_all_day_whatever_their_windows() -> None:
    person = _night_shift("Asia/Kolkata")
    level = factories.EscalationLevelFactory.build(coverage=Coverage.AFTER_HOURS)
    start = datetime(2026, 6, 1, 0, 0, tzinfo=KOLKATA)

    intervals = _reachable_intervals(level, AFTER_HOURS, person, start, start + timedelta(days=1))

    assert (start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)) in intervals


# --- overlapping windows -----------------------------------------------------------------------


def _rows(*rows: tuple[int, int, int]) -> list[WorkingHours]:
    return [WorkingHours(weekday=d, starts_at=time(s), ends_at=time(e)) for d, s, e in rows]


def test_overlaps_are_found_within_a_day_across_midnight_and_from_sunday_into_monday() -> None:
    assert overlapping_windows(_rows((0, 9, 13), (0, 14, 18))) == []
    assert overlapping_windows(_rows((0, 9, 13), (0, 12, 18))) == [(0, 1)]
    assert overlapping_windows(_rows((0, 22, 6), (1, 5, 9))) == [(0, 1)]
    assert overlapping_windows(_rows((0, 5, 9), (SUNDAY, 22, 6))) == [(0, 1)]
    assert overlapping_windows(_rows((0, 22, 6), (1, 6, 9))) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(0, 23)), max_size=5))
def test_overlap_is_the_same_as_sharing_a_minute_of_the_week(rows) -> None:
    windows = [w for w in _rows(*rows) if w.starts_at != w.ends_at]
    minutes = []
    for window in windows:
        start, end = window.week_minutes()
        minutes.append({m % (7 * 24 * 60) for m in range(start, end, 30)})
    expected = [(i, j) for j in range(len(windows)) for i in range(j) if minutes[i] & minutes[j]]

    assert overlapping_windows(windows) == expected


# --- the form ------------------------------------------------------------------------------------


def _post(rows: list[tuple[int, str, str]]) -> dict[str, str]:
    data = {"name": "Noor Haddad", "email": "noor@example.com", "phone": "+61 2 9000 1111", "chat_handle": "",
            "timezone": "Australia/Sydney", "region": "au-nsw",
            "hours-TOTAL_FORMS": str(len(rows)), "hours-INITIAL_FORMS": "0"}
    for i, (day, start, end) in enumerate(rows):
        data |= {f"hours-{i}-weekday": str(day), f"hours-{i}-starts_at": start, f"hours-{i}-ends_at": end}
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_form_saves_a_split_shift_and_a_night_shift(lead) -> None:
    response = _client(lead).post("/people/new/", _post(
        [(0, "08:00", "12:00"), (0, "13:00", "17:00"), (0, "", ""), (SATURDAY, "22:00", "06:00")]))

    assert response.status_code == 302
    person = Person.objects.get(email="noor@example.com")
    assert person.region == "AU-NSW"
    assert [str(h) for h in person.working_hours.all()] == [
        "Monday 08:00–12:00", "Monday 13:00–17:00", "Saturday 22:00–06:00 (next day)"]
    page = _client(lead).get(person.get_absolute_url()).content.decode()
    assert "Monday 08:00–12:00; Monday 13:00–17:00; Saturday 22:00–06:00 (next day)" in page
    assert "New South Wales (AU-NSW)" in page
    # Editing offers each window again and an empty row per day for another.
    week = week_formset(Person.objects.prefetch_related("working_hours").get(pk=person.pk))
    assert len(week.forms) == 3 + 7


def test_the_form_refuses_overlapping_windows_beside_the_field(lead) -> None:
    response = _client(lead).post("/people/new/", _post([(SUNDAY, "22:00", "07:00"), (0, "06:00", "12:00")]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Overlaps Sunday 22:00–07:00 (next day): windows of the week must not share time." in html
    assert response.context["week"].forms[1].errors["starts_at"]
    assert not Person.objects.exists()


def test_the_form_refuses_an_empty_window_and_an_unknown_region(lead) -> None:
    data = _post([(0, "09:00", "09:00")]) | {"region": "AU-XX"}

    response = _client(lead).post("/people/new/", data)

    html = response.content.decode()
    assert "A window must end at another time than it starts" in html
    assert response.context["week"].forms[0].errors["ends_at"]
    assert "AU has no region XX" in response.context["form"].errors["region"][0]
    assert not Person.objects.exists()


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=30), st.text(max_size=8), st.text(max_size=8))
def test_any_typed_region_or_time_gets_a_page_not_an_error(region, start, end) -> None:
    from django.contrib.auth.models import User

    lead = User.objects.get(username="dana") if User.objects.filter(username="dana").exists() \
        else factories.delivery_lead(username="dana")
    response = _client(lead).post("/people/new/", _post([(0, start, end)]) | {"region": region,
                                                                               "email": "any@example.com"})

    assert response.status_code in (200, 302)
    Person.objects.filter(email="any@example.com").delete()
