"""Public holidays per region: a person's public holidays are out of hours, and the answer says
why. Tested on days the states differ: Melbourne Cup Day (Victoria only) and Labour Day in
New South Wales (5 October 2026; Victoria's was in March)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from readiness.coverage import BACKUP, PRIMARY, candidates_at, coverage_gaps
from readiness.gates import verdict_for
from readiness.models import Coverage, GateCode, Person, WorkingHours
from readiness.models.people import Availability
from readiness.public_holidays import normalise_region, public_holiday, region_name, upcoming_holidays
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE, SYDNEY = ZoneInfo("Australia/Melbourne"), ZoneInfo("Australia/Sydney")
CUP_DAY = date(2026, 11, 3)  # a Tuesday
CUP_DAY_MORNING = datetime(2026, 11, 3, 10, 0, tzinfo=MELBOURNE)
NSW_LABOUR_DAY = date(2026, 10, 5)  # a Monday


def _level(**fields: object):
    fields.setdefault("primary", factories.PersonFactory(name="Mia Chen", region="AU-VIC"))
    fields.setdefault("backup", factories.PersonFactory(name="Tom Rees", timezone="Australia/Sydney",
                                                        region="AU-NSW"))
    fields.setdefault("after_hours_cover", None)
    return factories.EscalationLevelFactory(position=1, name="Service desk", coverage=Coverage.BUSINESS_HOURS,
                                            **fields)


def test_the_library_gives_each_state_its_own_days() -> None:
    assert public_holiday("AU-VIC", CUP_DAY) == "public holiday in Victoria: Melbourne Cup Day"
    assert public_holiday("AU-NSW", CUP_DAY) is None
    assert public_holiday("AU-NSW", NSW_LABOUR_DAY) == "public holiday in New South Wales: Labor Day"
    assert public_holiday("AU-VIC", NSW_LABOUR_DAY) is None
    assert public_holiday("IN-KA", date(2026, 11, 1)) == "public holiday in Karnataka: Karnataka Rajyotsava"
    assert public_holiday("", CUP_DAY) is None
    assert region_name("IN") == "India" and normalise_region(" au-vic ") == "AU-VIC"
    assert upcoming_holidays("AU-VIC", date(2026, 12, 2), 2) == [
        (date(2026, 12, 25), "Christmas Day"), (date(2026, 12, 26), "Boxing Day")]


def test_on_melbourne_cup_day_the_melbourne_primary_is_out_and_the_sydney_backup_is_in() -> None:
    level = _level()

    primary, backup = candidates_at(level, CUP_DAY_MORNING)

    assert (primary.role, primary.reachable) == (PRIMARY, False)
    assert primary.reachability.availability == Availability.HOLIDAY
    assert primary.status == "public holiday in Victoria: Melbourne Cup Day"
    assert (backup.role, backup.reachable, backup.status) == (BACKUP, True, "reachable now")


def test_on_labour_day_in_new_south_wales_it_is_the_other_way_round() -> None:
    level = _level()

    primary, backup = candidates_at(level, datetime(2026, 10, 5, 10, 0, tzinfo=MELBOURNE))

    assert primary.status == "reachable now"
    assert backup.status == "public holiday in New South Wales: Labor Day"


def test_someone_keeping_no_public_holidays_works_their_hours_on_cup_day() -> None:
    person = factories.PersonFactory(region="")

    assert person.reachability_at(CUP_DAY_MORNING).in_hours


def test_a_holiday_leaves_a_gap_in_promised_hours_with_the_reason() -> None:
    level = _level(backup=factories.PersonFactory(name="Lachlan Ng", region="AU-VIC"))

    gaps = coverage_gaps(level, datetime(2026, 11, 2, 0, 0, tzinfo=MELBOURNE), days=7)

    assert [(g.start.astimezone(MELBOURNE), g.end.astimezone(MELBOURNE)) for g in gaps] == [
        (datetime(2026, 11, 3, 9, 0, tzinfo=MELBOURNE), datetime(2026, 11, 3, 17, 0, tzinfo=MELBOURNE))]
    assert gaps[0].reason == ("primary Mia Chen public holiday in Victoria: Melbourne Cup Day; "
                              "backup Lachlan Ng public holiday in Victoria: Melbourne Cup Day")


def test_a_sydney_backup_covers_cup_day_so_there_is_no_gap() -> None:
    level = _level()

    assert coverage_gaps(level, datetime(2026, 11, 2, 0, 0, tzinfo=MELBOURNE), days=7) == []


def test_the_pager_is_carried_on_a_public_holiday() -> None:
    cover = factories.PersonFactory(name="Ben Walsh", region="AU-VIC")
    level = _level(after_hours_cover=cover, backup=factories.PersonFactory(name="Lachlan Ng", region="AU-VIC"))
    level.coverage = Coverage.AFTER_HOURS

    after_hours = candidates_at(level, CUP_DAY_MORNING)[2]

    assert after_hours.reachable and after_hours.status == "can be paged"
    assert coverage_gaps(level, datetime(2026, 11, 2, 0, 0, tzinfo=MELBOURNE), days=7) == []


def test_a_night_shift_starting_on_the_holiday_is_off_and_the_one_before_is_worked() -> None:
    person = factories.PersonFactory(name="Noor Haddad", region="AU-VIC", hours=(time(22), time(6), range(7)))
    person = Person.objects.prefetch_related("working_hours", "leaves").get(pk=person.pk)

    into_the_holiday = datetime(2026, 11, 3, 2, 0, tzinfo=MELBOURNE)  # Monday night's shift
    holiday_night = datetime(2026, 11, 3, 23, 0, tzinfo=MELBOURNE)  # Tuesday night's shift

    assert person.reachability_at(into_the_holiday).in_hours
    assert person.reachability_at(holiday_night).detail == "public holiday in Victoria: Melbourne Cup Day"
    assert WorkingHours.objects.filter(person=person).count() == 7


def test_gate_4_names_the_holiday_gap() -> None:
    with time_machine.travel(datetime(2026, 10, 26, 9, 0, tzinfo=MELBOURNE), tick=False):
        level = _level(backup=factories.PersonFactory(name="Lachlan Ng", region="AU-VIC"))

        result = next(r for r in verdict_for(level.application).results if r.gate.code == GateCode.ESCALATION_PATH)

    assert ("L1 Service desk: 1 coverage gap in the next 14 days, first Tue 03 Nov 09:00–Tue 03 Nov 17:00 "
            "(Australia/Melbourne): primary Mia Chen public holiday in Victoria: Melbourne Cup Day; "
            "backup Lachlan Ng public holiday in Victoria: Melbourne Cup Day.") in [m.text for m in result.missing]


def test_the_path_page_and_the_sheet_show_the_holiday(analyst) -> None:
    with time_machine.travel(datetime(2026, 10, 26, 9, 0, tzinfo=MELBOURNE), tick=False):
        level = _level()
        level.application.members.add(analyst)
        client = Client()
        client.force_login(analyst)

        path = client.get(f"/apps/{level.application.slug}/path/").content.decode()
        sheet = client.get(f"/apps/{level.application.slug}/sheet/").content.decode()

    assert "Tue 3 Nov: Mia Chen (primary, L1) off — public holiday in Victoria: Melbourne Cup Day" in path
    # The timeline's Cup Day row: promised 09:00–17:00, only the Sydney backup reachable, no gap.
    cup_day = path.split('<th scope="row" class="nowrap">Tue 3 Nov</th>', 1)[1].split("</tr>", 1)[0]
    assert "09:00–17:00" in cup_day and "Tom Rees (backup) 09:00–17:00" in cup_day
    assert "Mia Chen" not in cup_day and "gap " not in cup_day
    monday = path.split('<th scope="row" class="nowrap">Mon 2 Nov</th>', 1)[1].split("</tr>", 1)[0]
    assert "Mia Chen (primary) 09:00–17:00; Tom Rees (backup) 09:00–17:00" in monday
    assert "Tue 3 Nov: Mia Chen (primary, L1) off — public holiday in Victoria: Melbourne Cup Day" in sheet
    assert "Business hours only (Monday to Friday): Monday to Friday 09:00–17:00 (Australia/Melbourne)" in sheet


def test_the_person_page_lists_their_next_public_holidays(lead) -> None:
    with time_machine.travel(datetime(2026, 10, 26, 9, 0, tzinfo=MELBOURNE), tick=False):
        person = factories.PersonFactory(name="Mia Chen", region="AU-VIC")
        client = Client()
        client.force_login(lead)

        page = client.get(person.get_absolute_url()).content.decode()

    assert "Victoria (AU-VIC); next: Melbourne Cup Day Tue 3 Nov, Christmas Day Fri 25 Dec" in page


def test_a_region_the_library_does_not_know_is_refused_by_the_model() -> None:
    from django.core.exceptions import ValidationError

    person = factories.PersonFactory.build(region="XX", team=None)
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "XX is not a known country code" in str(refused.value)


def test_a_past_day_is_judged_with_that_years_holidays() -> None:
    person = factories.PersonFactory(region="AU-VIC")

    assert not person.reachability_at(datetime(2025, 11, 4, 10, 0, tzinfo=MELBOURNE)).in_hours  # Cup Day 2025
    assert person.reachability_at(datetime(2025, 11, 4, 10, 0, tzinfo=MELBOURNE) + timedelta(days=1)).in_hours


def test_a_person_with_no_region_of_their_own_takes_their_teams(lead) -> None:
    client = Client()
    client.force_login(lead)
    client.post("/teams/new/", {"name": "Offshore Support", "description": "", "region": "in-ka"})
    team = factories.TeamFactory(name="Offshore Support")
    assert team.region == "IN-KA"
    week = {"hours-TOTAL_FORMS": "1", "hours-INITIAL_FORMS": "0", "hours-0-weekday": "0",
            "hours-0-starts_at": "09:00", "hours-0-ends_at": "17:00"}
    person = {"name": "Arjun Rao", "phone": "", "chat_handle": "", "timezone": "Asia/Kolkata", "team": team.pk}

    client.post("/people/new/", person | week | {"email": "arjun@example.com", "region": ""})
    client.post("/people/new/", person | week | {"email": "arjun2@example.com", "name": "Arjun Two",
                                                 "region": "IN-MH"})

    assert Person.objects.get(email="arjun@example.com").region == "IN-KA"
    assert Person.objects.get(email="arjun2@example.com").region == "IN-MH"
