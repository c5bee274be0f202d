"""People and escalation paths as CSV (issue 16, must show 4): the files Handoff exports, imported
into an empty database, reproduce the same paths, field by field; importing them again changes
nothing; a bad row imports nothing and names its line."""

from __future__ import annotations

from datetime import date, time
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from readiness.imports.paths_csv import PATH_COLUMNS, paths_plan
from readiness.imports.people_csv import PEOPLE_COLUMNS, people_plan
from readiness.models import Application, Coverage, EscalationLevel, Person, Team
from readiness.services.imports import ImportRefused, people_import
from tests import factories

pytestmark = pytest.mark.django_db


def _world() -> None:
    """Two applications whose paths use everything a level holds, with people whose details
    tempt a spreadsheet or a CSV reader (formulas, quotes, line breaks, accents)."""
    factories.hypercare_application()
    ops = factories.TeamFactory(name="Ops, Melbourne", region="AU-VIC")
    night = factories.PersonFactory(
        name="Zoë O'Brien", email="zoe@example.com", phone="+61 3 9000 1111", chat_handle="@zoe", team=ops,
        timezone="Australia/Sydney", region="AU-NSW", hours=(time(22), time(6), range(0, 7)))
    vendor = factories.PersonFactory(name="=HYPERLINK(\"x\")", email="Vendor@Example.com", team=None, phone="",
                                     timezone="Asia/Manila")
    gone = factories.PersonFactory(name="Left Early", email="left@example.com", team=ops)
    gone.left_on = date(2026, 1, 5)
    gone.save()
    app = factories.ApplicationFactory(name="Payroll", slug="payroll")
    factories.EscalationLevelFactory(
        application=app, position=1, name="L1 Desk", responsibility="Answers the phone.\nLogs \"everything\".",
        primary=night, backup=vendor, after_hours_cover=gone, duties=["first_response", "escalate"],
        other_decision_rights="-roll back", response_target_minutes=15, coverage=Coverage.EXTENDED,
        coverage_timezone="Australia/Sydney", promised_from=time(7, 30), promised_until=time(23, 59),
        how_to_reach="@oncall, bridge 1800 000")
    factories.EscalationLevelFactory(application=app, position=3, name="Vendor", primary=vendor, backup=None,
                                     duties=[], coverage=Coverage.ALWAYS)
    # Someone on no path, with a split shift.
    factories.PersonFactory(name="Split Shift", email="split@example.com", team=ops,
                            hours=(time(8), time(12), range(0, 5)))
    split = Person.objects.get(email="split@example.com")
    split.working_hours.create(weekday=0, starts_at=time(13), ends_at=time(17))


def _empty_database() -> None:
    """Every table emptied, inside the test's transaction (roles are put back after a flush)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # deferred foreign-key checks pending would stop TRUNCATE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


def _paths() -> list[tuple[Any, ...]]:
    """Every level, field by field, its people by email and their details."""
    rows = []
    for level in EscalationLevel.objects.select_related("application", "primary", "backup", "after_hours_cover"):
        people = [_person(getattr(level, role)) for role in ("primary", "backup", "after_hours_cover")]
        rows.append((level.application.slug, level.application.name, level.position, level.name,
                     level.responsibility, *people, level.duties, level.other_decision_rights,
                     level.response_target_minutes, level.coverage, level.coverage_timezone, level.promised_from,
                     level.promised_until, level.how_to_reach))
    return sorted(rows, key=lambda row: (row[0], row[2]))


def _person(person: Person | None) -> tuple[Any, ...] | None:
    if person is None:
        return None
    hours = sorted((w.weekday, w.starts_at, w.ends_at) for w in person.working_hours.all())
    return (person.email, person.name, person.phone, person.chat_handle, person.team.name if person.team else None,
            person.timezone, person.region, person.left_on, tuple(hours))


def _everyone() -> list[tuple[Any, ...] | None]:
    return sorted((_person(person) for person in Person.objects.all()), key=str)


def _export(client: Client, name: str) -> str:
    response = client.get(reverse(f"readiness:{name}_export"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode()


def _lead() -> Client:
    client = Client()
    client.force_login(factories.delivery_lead())
    return client


def _import_on_page(client: Client, kind: str, text: str) -> str:
    url = reverse(f"readiness:{kind}_import")
    preview = client.post(url, {"file": StringIO(text)})
    confirm = preview.context["confirm"]
    assert confirm is not None, preview.context["plan"].errors
    data = {name: confirm[name].value() for name in confirm.fields}
    return client.post(url, data, follow=True).content.decode()


def test_exported_people_and_paths_imported_into_an_empty_database_give_the_same_paths() -> None:
    _world()
    reader = _lead()
    people_csv, paths_csv = _export(reader, "people"), _export(reader, "paths")
    assert people_csv.splitlines()[0] == ",".join(PEOPLE_COLUMNS)
    assert paths_csv.splitlines()[0] == ",".join(PATH_COLUMNS)
    assert "'=HYPERLINK" in people_csv and "'+61 3 9000 1111" in people_csv  # disarmed for spreadsheets
    paths, everyone = _paths(), _everyone()
    assert len(paths) == 4 and len(everyone) == 8

    _empty_database()
    assert EscalationLevel.objects.count() == Person.objects.count() == Application.objects.count() == 0

    client = _lead()
    assert "Imported: 13 created, 0 changed, 0 left alone." in _import_on_page(client, "people", people_csv)
    assert "Imported: 6 created, 0 changed, 0 left alone." in _import_on_page(client, "paths", paths_csv)
    assert _paths() == paths
    assert _everyone() == everyone
    # The people and paths pages show them again.
    assert "Zoë O&#x27;Brien" in client.get(reverse("readiness:people_list")).content.decode()
    payroll = Application.objects.get(slug="payroll")
    assert "L1 Desk" in client.get(reverse("readiness:path_detail", args=[payroll.slug])).content.decode()
    # The same files again: nothing to do.
    assert {item.action for item in people_plan(people_csv).items} == {"unchanged"}
    assert {item.action for item in paths_plan(paths_csv).items} == {"unchanged"}
    assert _export(client, "people") == people_csv and _export(client, "paths") == paths_csv


def test_the_preview_of_a_changed_file_lists_each_change() -> None:
    _world()
    text = _export(_lead(), "people").replace("@zoe,Ops\\, Melbourne", "@zoe,Night crew").replace(
        "Zoë O'Brien", "Zoë O'Brien-Smith")
    text = text.replace('"Ops, Melbourne",Australia/Sydney', "Night crew,Australia/Sydney").replace(
        "Mon 22:00-06:00; ", "", 1)
    plan = people_plan(text)
    changed = [(item.label, item.changes) for item in plan.items if item.action != "unchanged"]
    assert changed == [
        ("Team Night crew", []),
        ("Person Zoë O'Brien-Smith <zoe@example.com>", [
            "name: Zoë O'Brien → Zoë O'Brien-Smith", "team: Ops, Melbourne → Night crew",
            "working hours: Mon 22:00-06:00; Tue 22:00-06:00; Wed 22:00-06:00; Thu 22:00-06:00; Fri 22:00-06:00; "
            "Sat 22:00-06:00; Sun 22:00-06:00 → Tue 22:00-06:00; Wed 22:00-06:00; Thu 22:00-06:00; Fri 22:00-06:00; "
            "Sat 22:00-06:00; Sun 22:00-06:00"]),
    ]
    done = people_import(text=text, fingerprint=plan.fingerprint, by=None)
    assert done.summary() == plan.summary()
    zoe = Person.objects.get(email="zoe@example.com")
    assert (zoe.name, zoe.team.name, zoe.working_hours.count()) == ("Zoë O'Brien-Smith", "Night crew", 6)


def test_the_preview_of_a_level_whose_duties_change_lists_them() -> None:
    _world()
    client, lead = Client(), factories.delivery_lead()
    client.force_login(lead)
    Application.objects.get(slug="payroll").members.add(lead)
    text = _export(client, "paths").replace("first_response escalate", "escalate workaround")
    plan = paths_plan(text)
    assert [(item.label, item.changes) for item in plan.items if item.action != "unchanged"] == [
        ("Payroll: L1 L1 Desk", ["duties: first_response escalate → escalate workaround"])]
    page = client.post(reverse("readiness:paths_import"), {"file": StringIO(text)}).content.decode()
    assert "duties: first_response escalate → escalate workaround" in page


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_line() -> None:
    _world()
    client = _lead()
    paths = _export(client, "paths")
    _empty_database()
    people = "\n".join([",".join(PEOPLE_COLUMNS), "Ann,ann@example.com,,,Desk,Australia/Melbourne,,Mon 09:00-17:00,",
                        "Bob,bob@example.com,,,Desk,Mars/Olympus,,,"]) + "\n"
    plan = people_plan(people)
    assert [str(e) for e in plan.errors] == [
        "line 3: timezone: Mars/Olympus is not a known IANA timezone; use a name such as Australia/Melbourne or "
        "Asia/Manila."]
    with pytest.raises(ImportRefused):
        people_import(text=people, fingerprint=plan.fingerprint, by=None)
    assert Person.objects.count() == Team.objects.count() == 0
    # Paths whose people are not in Handoff: every row that names one says so, nothing imported.
    plan = paths_plan(paths)
    assert plan.errors and all("import the people CSV first" in e.message for e in plan.errors)
    page = _lead().post(reverse("readiness:paths_import"), {"file": StringIO(paths)}).content.decode()
    assert "Nothing can be imported" in page and "Line 2: primary: nobody in Handoff has the email" in page
    assert Application.objects.count() == 0


@pytest.mark.parametrize(("text", "message"), [
    ("name,email\nA,a@example.com\n", "line 1: The first line should name the columns"),
    (",".join(PEOPLE_COLUMNS) + "\n", "The file has no rows below its header."),
    (",".join(PEOPLE_COLUMNS) + "\nA,a@example.com\n", "line 2: This row has 2 cells; 9 expected."),
    (",".join(PEOPLE_COLUMNS) + "\nA\x00,a@example.com,,,,UTC,,,\n", "line 2: The file holds a NUL character"),
    (",".join(PEOPLE_COLUMNS) + '\n"A\nB",a@example.com,,,,UTC,,,\nC,c@example.com,,,,UTC,,Mon 9-5,\n',
     "line 2: name: Keep this to one line"),
    (",".join(PEOPLE_COLUMNS) + '\n"A\nB",a@example.com,,,,UTC,,,\nC,c@example.com,,,,UTC,,Mon 9-5,\n',
     "line 4: working_hours: “Mon 9-5” should read like “Mon 09:00-17:00”."),
    (",".join(PEOPLE_COLUMNS) + "\nA,a@example.com,,,,UTC,,Mon 09:00-17:00; Mon 16:00-18:00,\n",
     "line 2: working_hours: Monday 09:00–17:00 and Monday 16:00–18:00 overlap."),
    (",".join(PEOPLE_COLUMNS) + "\nA,a@example.com,,,,UTC,,,0001-01-01\n", "line 2: left_on: Enter a date between"),
    (",".join(PEOPLE_COLUMNS) + "\nA,a@example.com,,,,UTC,,,\nB,A@EXAMPLE.COM,,,,UTC,,,\n",
     "line 3: email: A@EXAMPLE.COM is on line 2 too."),
    (",".join(PEOPLE_COLUMNS) + '\n"A,a@example.com\n', "Not a readable CSV file"),
])
def test_hostile_people_files_are_refused_with_their_line(text: str, message: str) -> None:
    plan = people_plan(text)
    assert any(message in str(error) for error in plan.errors), [str(e) for e in plan.errors]
    page = _lead().post(reverse("readiness:people_import"), {"file": StringIO(text)}).content.decode()
    assert "Nothing can be imported" in page and Person.objects.count() == 0


def _level_row(slug: str, name: str, position: int) -> str:
    cells = dict.fromkeys(PATH_COLUMNS, "") | {
        "application": slug, "application_name": name, "position": str(position), "name": "Desk",
        "responsibility": "First line", "primary": "ana@example.com", "duties": "first_response",
        "response_target_minutes": "30", "coverage": "business_hours", "coverage_timezone": "Australia/Melbourne",
        "promised_from": "09:00", "promised_until": "17:00", "how_to_reach": "Phone"}
    return ",".join(cells[column] for column in PATH_COLUMNS)


@pytest.mark.parametrize("second", [
    _level_row("ops-tool-2", "ops tool", 1),  # another address, the same name in another case
    _level_row("OPS-TOOL", "Ops Tool", 2),  # the same address in capitals
])
def test_two_rows_creating_applications_of_one_name_are_an_error_of_the_second_line(second: str) -> None:
    # The preview offered both applications, and the import then refused the file without a line.
    factories.PersonFactory(email="ana@example.com")
    text = "\n".join([",".join(PATH_COLUMNS), _level_row("ops-tool", "Ops Tool", 1), second]) + "\n"
    page = _lead().post(reverse("readiness:paths_import"), {"file": StringIO(text)}).content.decode()
    assert "Nothing can be imported" in page
    assert "Line 3: application_name: " in page and " is the name of the application ops-tool (line 2)." in page
    assert Application.objects.count() == EscalationLevel.objects.count() == 0


def test_each_row_asks_the_permission_table() -> None:
    _world()
    paths = _export(_lead(), "paths")
    owner = Client()
    owner.force_login(factories.business_owner())
    assert owner.get(reverse("readiness:people_import")).status_code == 403
    assert owner.get(reverse("readiness:paths_import")).status_code == 403
    outsider = factories.delivery_lead()  # a member of no application
    errors = {str(error) for error in paths_plan(paths, by=outsider).errors}
    refusal = "Payroll: Only a member of this application who manages escalation paths can change it."
    # One for each level, each its line: Payroll's first level's responsibility spans two lines.
    assert f"line 4: {refusal}" in errors and f"line 6: {refusal}" in errors and len(errors) == 4


def test_the_commands_print_the_plan_and_import_it(tmp_path: Any) -> None:
    _world()
    client = _lead()
    people, paths = tmp_path / "people.csv", tmp_path / "paths.csv"
    people.write_text(_export(client, "people"))
    paths.write_text(_export(client, "paths"))
    _empty_database()
    out = StringIO()
    call_command("import_people", str(people), "--dry-run", stdout=out)
    assert "line 2: Person" in out.getvalue() and "dry run, nothing written" in out.getvalue()
    assert Person.objects.count() == 0
    call_command("import_people", str(people), stdout=out)
    call_command("import_paths", str(paths), stdout=out)
    assert "Imported: 6 created, 0 changed, 0 left alone." in out.getvalue()
    assert EscalationLevel.objects.count() == 4
