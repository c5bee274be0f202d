"""The gate rules: evidence turns a gate met, and ageing evidence turns it back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from readiness.gates import Status, evaluate, load_evidence, verdict_for
from readiness.models import (
    AccessKind,
    AlertVerification,
    Coverage,
    Drill,
    DrillScenario,
    GateCode,
    GateWaiver,
    KnownIssueStatus,
)
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_default_timezone())


def _status(application, code: GateCode, on=None) -> Status:
    verdict = verdict_for(application, on)
    return next(r for r in verdict.results if r.gate.code == code).status


def _missing(application, code: GateCode) -> list[str]:
    verdict = verdict_for(application)
    return [m.text for r in verdict.results if r.gate.code == code for m in r.missing]


@pytest.fixture
def app(lead):
    with time_machine.travel(START, tick=False):
        application = factories.ApplicationFactory(
            delivery_lead=lead, go_live_date=START.date() + timedelta(days=120), current_release="2.0.0"
        )
    return application


def test_monitoring_met_by_a_recorded_firing_and_lapses_after_31_days(client, lead, app) -> None:
    with time_machine.travel(START, tick=False):
        alert = factories.AlertCheckFactory(application=app)
        assert _status(app, GateCode.MONITORING) == Status.NOT_MET
        assert _missing(app, GateCode.MONITORING) == [f"“{alert.signal}” has never been seen firing."]
        client.force_login(lead)
        response = client.post(reverse("readiness:alert_verify", args=[app.slug, alert.pk]), {
            "verified_at": "2026-03-02T09:30", "verified_by": alert.owner.pk,
            "evidence": "Paged the on-call phone from the canary.", "evidence_url": "https://tickets.example/INC-1",
        })
        assert response.status_code == 302
        assert AlertVerification.objects.filter(alert=alert).count() == 1
        assert _status(app, GateCode.MONITORING) == Status.MET
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert _status(app, GateCode.MONITORING) == Status.MET
    with time_machine.travel(START + timedelta(days=31), tick=False):
        assert _status(app, GateCode.MONITORING) == Status.NOT_MET
        missing = verdict_for(app).results[1].missing
        assert missing[0].stale and "31 days ago" in missing[0].text
        assert missing[0].url == reverse("readiness:alert_verify", args=[app.slug, alert.pk])


def test_monitoring_needs_an_owner_who_is_still_here(app) -> None:
    with time_machine.travel(START, tick=False):
        alert = factories.AlertCheckFactory(application=app)
        AlertVerification.objects.create(alert=alert, verified_at=timezone.now(), verified_by=alert.owner, evidence="x")
        assert _status(app, GateCode.MONITORING) == Status.MET
        alert.owner.left_on = START.date()
        alert.owner.save()
        assert _status(app, GateCode.MONITORING) == Status.NOT_MET


def test_runbook_review_turns_the_gate_met_and_lapses_after_the_review_window(client, lead, app, settings) -> None:
    with time_machine.travel(START, tick=False):
        level = factories.EscalationLevelFactory(application=app, position=1)
        runbook = factories.RunbookFactory(
            application=app, escalation_level=level, last_exercised_on=START.date() - timedelta(days=3)
        )
        assert _missing(app, GateCode.RUNBOOKS) == [f"“{runbook.title}” has never been reviewed."]
        client.force_login(lead)
        response = client.post(reverse("readiness:runbook_mark", args=[app.slug, runbook.pk, "reviewed"]))
        assert response.status_code == 302
        runbook.refresh_from_db()
        assert runbook.last_reviewed_on == START.date()
        assert _status(app, GateCode.RUNBOOKS) == Status.MET
    with time_machine.travel(START + timedelta(days=settings.RUNBOOK_REVIEW_DAYS), tick=False):
        assert _status(app, GateCode.RUNBOOKS) == Status.MET
    with time_machine.travel(START + timedelta(days=settings.RUNBOOK_REVIEW_DAYS + 1), tick=False):
        assert _status(app, GateCode.RUNBOOKS) == Status.NOT_MET
        assert "was last reviewed 91 days ago" in _missing(app, GateCode.RUNBOOKS)[0]


def test_runbook_gate_needs_a_level_not_a_typed_name(app) -> None:
    with time_machine.travel(START, tick=False):
        factories.RunbookFactory(application=app, last_reviewed_on=START.date(), last_exercised_on=START.date())
        assert _missing(app, GateCode.RUNBOOKS)[0].endswith("names no escalation level to call.")


def _drill_post(scenario: DrillScenario, held_on: str, **extra: str) -> dict[str, str]:
    return {
        "scenario": scenario.value, "title": f"{scenario.label} drill", "held_on": held_on,
        "support_attended": "on", "engineering_attended": "on", "business_owner_attended": "on", **extra,
    }


def test_three_drills_turn_rehearsal_met_and_lapse_after_31_days(client, lead, app) -> None:
    client.force_login(lead)
    with time_machine.travel(START, tick=False):
        for scenario in (DrillScenario.LOGIN_FAILURE, DrillScenario.DATA_MISMATCH):
            client.post(reverse("readiness:drill_create", args=[app.slug]), _drill_post(scenario, "2026-03-02"))
        assert _status(app, GateCode.REHEARSAL) == Status.NOT_MET
        assert _missing(app, GateCode.REHEARSAL) == [
            "No downstream integration outage drill in the 30 days before today."
        ]
        response = client.post(
            reverse("readiness:drill_create", args=[app.slug]),
            _drill_post(DrillScenario.INTEGRATION_OUTAGE, "2026-03-02"),
        )
        assert response.status_code == 302
        assert Drill.objects.filter(application=app).count() == 3
        assert _status(app, GateCode.REHEARSAL) == Status.MET
    with time_machine.travel(START + timedelta(days=31), tick=False):
        assert _status(app, GateCode.REHEARSAL) == Status.NOT_MET
        assert all("in the 30 days before today" in text for text in _missing(app, GateCode.REHEARSAL))


def test_open_drill_follow_up_blocks_rehearsal_until_closed(client, lead, app) -> None:
    with time_machine.travel(START, tick=False):
        drills = [factories.DrillFactory(application=app, scenario=s, held_on=START.date())
                  for s in (DrillScenario.LOGIN_FAILURE, DrillScenario.DATA_MISMATCH, DrillScenario.INTEGRATION_OUTAGE)]
        client.force_login(lead)
        client.post(reverse("readiness:drillaction_create", args=[app.slug, drills[0].pk]),
                    {"description": "Add the IdP status page to the runbook"})
        action = drills[0].actions.get()
        assert _missing(app, GateCode.REHEARSAL) == [
            f"Follow-up “{action.description}” from “{drills[0].title}” is still open."
        ]
        client.post(reverse("readiness:drillaction_close", args=[app.slug, drills[0].pk, action.pk]))
        assert _status(app, GateCode.REHEARSAL) == Status.MET


def test_drills_count_in_the_window_before_go_live_once_live(app) -> None:
    with time_machine.travel(START, tick=False):
        for scenario in (DrillScenario.LOGIN_FAILURE, DrillScenario.DATA_MISMATCH, DrillScenario.INTEGRATION_OUTAGE):
            factories.DrillFactory(application=app, scenario=scenario, held_on=START.date())
        app.go_live_date = START.date() + timedelta(days=10)
        app.save()
    # Long after go-live, the drills held in the 30 days before it still count.
    with time_machine.travel(START + timedelta(days=100), tick=False):
        assert _status(app, GateCode.REHEARSAL) == Status.MET


def test_escalation_path_gate_lists_each_gap_of_a_level(app) -> None:
    with time_machine.travel(START, tick=False):
        gone = factories.PersonFactory(name="Sam Fletcher", left_on=START.date() - timedelta(days=5))
        factories.EscalationLevelFactory(application=app, position=1, name="Pricing", primary=gone, backup=None,
                                         duties=[], coverage=Coverage.BUSINESS_HOURS)
        assert _missing(app, GateCode.ESCALATION_PATH) == [
            f"Sam Fletcher left on {(START.date() - timedelta(days=5)).day} {START.date() - timedelta(days=5):%b %Y}: "
            "replace them as L1 primary (Pricing).",
            "L1 Pricing has no backup.",
            "L1 Pricing has no decision rights.",
            # A business-hours level's gaps are its promised weekday hours with nobody to call;
            # its nights are no gap, but somebody on the path must cover after hours.
            "L1 Pricing: 11 coverage gaps in the next 14 days, first Mon 02 Mar 10:00–Mon 02 Mar 17:00 "
            "(Australia/Melbourne): primary Sam Fletcher has left.",
            "Nobody covers after hours: every level promises business or extended hours only.",
            "The path has not been tested after hours, with the contacts answering, in the 30 days before today.",
        ]


def test_escalation_path_met_with_cover_and_an_after_hours_test(app) -> None:
    with time_machine.travel(START, tick=False):
        factories.EscalationLevelFactory(application=app, position=1, coverage=Coverage.ALWAYS)
        factories.DrillFactory(application=app, held_on=START.date(), after_hours=True, contacts_answered=True,
                               answer_minutes=6)
        assert _status(app, GateCode.ESCALATION_PATH) == Status.MET


def test_support_model_needs_every_duty(app) -> None:
    with time_machine.travel(START, tick=False):
        level = factories.EscalationLevelFactory(application=app, position=1)
        factories.OwnershipRuleFactory(application=app, name="Login", level=level, first_response_role="support")
        missing = _missing(app, GateCode.SUPPORT_MODEL)
        assert missing == ["“Login”: nobody is assigned decision to escalate, workaround, business-impact call, "
                           "communication to users."]


def test_access_gate_needs_all_four_kinds_verified_recently(app, settings) -> None:
    with time_machine.travel(START, tick=False):
        person = factories.PersonFactory()
        for kind in AccessKind:
            factories.AccessCheckFactory(application=app, kind=kind, verified_by=person, verified_on=START.date())
        assert _status(app, GateCode.ACCESS) == Status.MET
    with time_machine.travel(START + timedelta(days=settings.ACCESS_VERIFY_DAYS + 1), tick=False):
        assert len(_missing(app, GateCode.ACCESS)) == 4


def test_known_issues_tied_to_the_current_release_with_a_workaround_or_owner(app) -> None:
    with time_machine.travel(START, tick=False):
        issue = factories.KnownIssueFactory(application=app, release="1.9.0", workaround="")
        assert len(_missing(app, GateCode.KNOWN_ISSUES)) == 2
        issue.release, issue.owner = "2.0.0", factories.PersonFactory()
        issue.save()
        assert _status(app, GateCode.KNOWN_ISSUES) == Status.MET
        factories.KnownIssueFactory(application=app, release="0.1.0", status=KnownIssueStatus.RESOLVED)
        assert _status(app, GateCode.KNOWN_ISSUES) == Status.MET


def test_knowledge_needs_an_accepted_key_decision(app) -> None:
    with time_machine.travel(START, tick=False):
        factories.DecisionRecordFactory(application=app, is_key=False)
        assert _status(app, GateCode.KNOWLEDGE) == Status.NOT_MET
        factories.DecisionRecordFactory(application=app, is_key=True)
        assert _status(app, GateCode.KNOWLEDGE) == Status.MET


def test_waiver_holds_until_its_expiry_then_lapses(app, lead) -> None:
    with time_machine.travel(START, tick=False):
        GateWaiver.objects.create(application=app, gate=GateCode.KNOWLEDGE, reason="Written next sprint.",
                                  expires_on=START.date() + timedelta(days=7), waived_by=lead,
                                  approved_by=factories.business_owner(), approved_at=START)
        assert _status(app, GateCode.KNOWLEDGE) == Status.WAIVED
    with time_machine.travel(START + timedelta(days=6), tick=False):
        assert _status(app, GateCode.KNOWLEDGE) == Status.WAIVED
    with time_machine.travel(START + timedelta(days=7), tick=False):
        assert _status(app, GateCode.KNOWLEDGE) == Status.NOT_MET


def test_a_past_day_counts_only_evidence_dated_on_or_before_it(app) -> None:
    """What backfilling a past day's snapshot relies on: the decision recorded on START counts from
    START on, not the day before."""
    with time_machine.travel(START, tick=False):
        factories.DecisionRecordFactory(application=app)
    with time_machine.travel(START + timedelta(days=5), tick=False):
        ev = load_evidence([app])[app.pk]
        before, after = (evaluate(ev, START.date() + timedelta(days=n)) for n in (-1, 0))
        assert after.met_count == before.met_count + 1
        knowledge = [next(r for r in v.results if r.gate.code == GateCode.KNOWLEDGE) for v in (before, after)]
        assert [k.status for k in knowledge] == [Status.NOT_MET, Status.MET]


def test_gaps_cut_from_one_span_equal_gaps_worked_out_day_by_day() -> None:
    """Gate 4 on past days cuts each day's gaps out of one precomputed span: it must give what
    working each day out afresh gives, across clocks, after-hours cover, weekend hours and leave."""
    from datetime import datetime, time

    from django.utils import timezone

    from readiness.coverage import GAP_DAYS, coverage_gaps
    from readiness.gates.escalation import _coverage_gaps
    from readiness.models import Coverage

    today = timezone.localdate()
    manila = factories.PersonFactory(timezone="Asia/Manila", hours=(time(7, 0), time(16, 0), range(0, 5)))
    weekend = factories.PersonFactory(timezone="Australia/Sydney", hours=(time(10, 0), time(18, 0), range(0, 7)))
    away = factories.PersonFactory()
    factories.LeaveFactory(person=away, starts_on=today - timedelta(days=12), ends_on=today - timedelta(days=8))
    factories.LeaveFactory(person=manila, starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=19))
    application = factories.ApplicationFactory()
    for position, (primary, backup, cover, coverage) in enumerate([
        (away, manila, None, Coverage.BUSINESS_HOURS),
        (manila, weekend, away, Coverage.AFTER_HOURS),
        (weekend, away, manila, Coverage.AFTER_HOURS),
    ], start=1):
        factories.EscalationLevelFactory(application=application, position=position, primary=primary, backup=backup,
                                         after_hours_cover=cover, coverage=coverage)

    compared = gaps = 0
    for level in load_evidence([application])[application.pk].levels:
        for back in range(30, 0, -1):
            on = today - timedelta(days=back)
            direct = coverage_gaps(level, timezone.make_aware(datetime.combine(on, time(0))), days=GAP_DAYS)
            assert [(g.start, g.end) for g in _coverage_gaps(level, on)] == [(g.start, g.end) for g in direct]
            compared += 1
            gaps += len(direct)
    assert compared == 3 * 30 and gaps > 0  # some days had gaps to compare, not only empty lists
