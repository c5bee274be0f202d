"""factory_boy factories, one per model; tests build exactly the rows they need."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from readiness import models
from readiness.models.api import hash_key
from readiness.models.closures import ClosureDay
from readiness.models.people import Weekday
from readiness.roles import Role

T = TypeVar("T")


class ModelFactory(factory.django.DjangoModelFactory[T]):
    """A Django model factory whose call mypy reads as the model: factory_boy types `Factory()`
    as the factory itself (only `create()` and `build()` return the model)."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        def __new__(cls, *args: Any, **kwargs: Any) -> T: ...  # type: ignore[misc]


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        user = cast(User, self)  # a post-generation hook is called with the object built
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))
        if create:
            user.save()


def delivery_lead(**kwargs: object) -> User:
    return UserFactory(role=Role.DELIVERY_LEAD, **kwargs)


def support_analyst(**kwargs: object) -> User:
    return UserFactory(role=Role.SUPPORT_ANALYST, **kwargs)


def business_owner(**kwargs: object) -> User:
    return UserFactory(role=Role.BUSINESS_OWNER, **kwargs)


class ApplicationFactory(ModelFactory[models.Application]):
    class Meta:
        model = models.Application
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Application {n}")
    slug = factory.Sequence(lambda n: f"application-{n}")
    description = "A system going live."
    current_release = "1.0.0"
    go_live_date = factory.Faker("date_between", start_date="+1d", end_date="+60d")
    stage = models.Stage.HARDENING
    delivery_lead = factory.SubFactory(UserFactory, role=Role.DELIVERY_LEAD)
    business_owner = factory.SubFactory(UserFactory, role=Role.BUSINESS_OWNER)
    support_lead = factory.SubFactory(UserFactory, role=Role.SUPPORT_ANALYST)


class TeamFactory(ModelFactory[models.Team]):
    class Meta:
        model = models.Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class PersonFactory(ModelFactory[models.Person]):
    """A Melbourne office worker, 09:00–17:00 Monday to Friday, unless told otherwise."""

    class Meta:
        model = models.Person
        skip_postgeneration_save = True

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    phone = "+61 3 9000 0000"
    team = factory.SubFactory(TeamFactory)
    timezone = "Australia/Melbourne"

    @factory.post_generation
    def hours(self, create: bool, extracted: tuple[time, time, range] | None, **kwargs: object) -> None:
        if not create:
            return
        start, end, days = extracted or (time(9, 0), time(17, 0), range(0, 5))
        person = cast(models.Person, self)  # a post-generation hook is called with the object built
        models.WorkingHours.objects.bulk_create(
            models.WorkingHours(person=person, weekday=day, starts_at=start, ends_at=end) for day in days
        )


class LeaveFactory(ModelFactory[models.Leave]):
    class Meta:
        model = models.Leave

    person = factory.SubFactory(PersonFactory)
    starts_on = factory.Faker("date_between", start_date="today", end_date="+10d")
    ends_on = factory.LazyAttribute(lambda leave: leave.starts_on)


class EscalationLevelFactory(ModelFactory[models.EscalationLevel]):
    class Meta:
        model = models.EscalationLevel

    application = factory.SubFactory(ApplicationFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Level {n}")
    responsibility = "Responds."
    primary = factory.SubFactory(PersonFactory)
    backup = factory.SubFactory(PersonFactory)
    duties = factory.LazyFunction(lambda: [models.Duty.FIRST_RESPONSE.value])
    coverage = models.Coverage.BUSINESS_HOURS


class StandInFactory(ModelFactory[models.StandIn]):
    """Someone covering the level's primary for the coming week."""

    class Meta:
        model = models.StandIn

    level = factory.SubFactory(EscalationLevelFactory)
    role = models.StandInRole.PRIMARY
    person = factory.SubFactory(PersonFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda standin: standin.starts_at + timedelta(days=7))
    reason = "Covering the primary's leave week."


class OwnershipRuleFactory(ModelFactory[models.OwnershipRule]):
    class Meta:
        model = models.OwnershipRule

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Sequence(lambda n: f"Problem class {n}")
    example_symptoms = "something breaks"
    owner_role = models.OwnerRole.SUPPORT


class EscalationFactory(ModelFactory[models.Escalation]):
    """A hypercare escalation-log entry; its problem class and level belong to its application."""

    class Meta:
        model = models.Escalation

    application = factory.SubFactory(ApplicationFactory)
    problem_class = factory.SubFactory(OwnershipRuleFactory, application=factory.SelfAttribute("..application"))
    from_level = factory.SubFactory(EscalationLevelFactory, application=factory.SelfAttribute("..application"))
    occurred_at = factory.LazyFunction(timezone.now)
    severity = 3
    summary = "Customer saw the wrong price."
    logged_by = factory.SubFactory(UserFactory, role=Role.SUPPORT_ANALYST)


def hypercare_application(*, owner: User | None = None, days_live: int = 10) -> models.Application:
    """In hypercare for `days_live` days: two levels, one rule, an agreed plan, the template criteria."""
    from readiness.services.hypercare import hypercare_agree, hypercare_plan_save

    owner = owner or business_owner()
    go_live = timezone.localdate() - timedelta(days=days_live)
    application = ApplicationFactory(stage=models.Stage.HYPERCARE, go_live_date=go_live, business_owner=owner)
    EscalationLevelFactory(application=application, position=1, name="Service desk")
    EscalationLevelFactory(application=application, position=2, name="Engineering")
    OwnershipRuleFactory(application=application, name="Wrong or missing data")
    end = go_live + timedelta(days=21)
    hypercare = hypercare_plan_save(
        application=application, starts_on=go_live, planned_end_on=end, rules_in_force="Support answers first."
    )
    hypercare_agree(hypercare=hypercare, by=owner, now=timezone.now() - timedelta(days=days_live + 3))
    return application


def signed_off_application(*, owner: User | None = None, statement: str = "") -> models.Application:
    """A hypercare application whose business owner signed off: the attestation recorded, the
    'full cycle alone' criterion at 0 (a quiet application meets every other metric)."""
    from readiness.services.hypercare import (
        exit_criterion_attest,
        exit_criterion_save,
        hypercare_agree,
        hypercare_sign_off,
    )

    application = hypercare_application(owner=owner)
    for criterion in application.exit_criteria.all():
        if criterion.kind == models.CriterionKind.ATTESTATION:
            exit_criterion_attest(criterion=criterion, by=application.business_owner,
                                  evidence="Month-end orders reconciled with the ERP, ticket FIN-221.")
        if criterion.metric == models.MetricCode.SUPPORT_FULL_CYCLE_ALONE:
            criterion.threshold = Decimal(0)
            exit_criterion_save(criterion=criterion)
    # The plan is agreed again as it now stands (the threshold above changed it).
    hypercare_agree(hypercare=application.hypercare, by=application.business_owner)
    hypercare_sign_off(application=application, by=application.business_owner, statement=statement)
    application.refresh_from_db()
    return application


# --- readiness artefacts (gate board) ------------------------------------------------------------


class RunbookFactory(ModelFactory[models.Runbook]):
    class Meta:
        model = models.Runbook
        skip_postgeneration_save = True  # the hook writes the exercise, not the runbook

    application = factory.SubFactory(ApplicationFactory)
    title = factory.Sequence(lambda n: f"Scenario {n}")
    symptom = "Users see an error."
    normal_looks_like = "No errors."
    problem_signs = "More than 5 errors a minute."
    steps = "1. Look.\n2. Fix."
    is_critical = True

    @factory.post_generation
    def last_exercised_on(self, create: bool, extracted: date | None, **kwargs: object) -> None:
        """`last_exercised_on=day`: the runbook was exercised that day (a walk-through with its evidence)."""
        if create and extracted is not None:
            RunbookExerciseFactory(runbook=cast(models.Runbook, self), exercised_on=extracted)


class RunbookExerciseFactory(ModelFactory[models.RunbookExercise]):
    class Meta:
        model = models.RunbookExercise

    runbook = factory.SubFactory(RunbookFactory)
    exercised_on = factory.LazyFunction(timezone.localdate)
    exercised_by = factory.SubFactory(PersonFactory)
    how = models.ExerciseHow.WALK_THROUGH
    outcome = models.ExerciseOutcome.WORKED
    what_happened = "Walked through every step with the service desk; each matched the screens."


class AlertCheckFactory(ModelFactory[models.AlertCheck]):
    class Meta:
        model = models.AlertCheck

    application = factory.SubFactory(ApplicationFactory)
    signal = factory.Sequence(lambda n: f"Signal {n}")
    threshold = "More than 5 in 10 minutes"
    user_impact = "Customers cannot order."
    owner = factory.SubFactory(PersonFactory)


class AccessCheckFactory(ModelFactory[models.AccessCheck]):
    class Meta:
        model = models.AccessCheck

    application = factory.SubFactory(ApplicationFactory)
    kind = models.AccessKind.LOGS
    description = factory.Sequence(lambda n: f"Access {n}")


class KnownIssueFactory(ModelFactory[models.KnownIssue]):
    class Meta:
        model = models.KnownIssue

    application = factory.SubFactory(ApplicationFactory)
    release = "1.0.0"
    title = factory.Sequence(lambda n: f"Known issue {n}")
    symptom = "Something odd."
    workaround = "Do it twice."


class DrillFactory(ModelFactory[models.Drill]):
    class Meta:
        model = models.Drill

    application = factory.SubFactory(ApplicationFactory)
    scenario = models.DrillScenario.LOGIN_FAILURE
    title = factory.Sequence(lambda n: f"Drill {n}")
    held_on = factory.LazyFunction(timezone.localdate)
    support_attended = True
    engineering_attended = True
    business_owner_attended = True


class DecisionRecordFactory(ModelFactory[models.DecisionRecord]):
    class Meta:
        model = models.DecisionRecord

    application = factory.SubFactory(ApplicationFactory)
    title = factory.Sequence(lambda n: f"Decision {n}")
    context = "Context."
    decision = "Decision."
    status = models.DecisionStatus.ACCEPTED
    is_key = True


class AlertVerificationFactory(ModelFactory[models.AlertVerification]):
    class Meta:
        model = models.AlertVerification

    alert = factory.SubFactory(AlertCheckFactory)
    verified_at = factory.LazyFunction(timezone.now)
    verified_by = factory.SubFactory(PersonFactory)
    evidence = "Paged the on-call phone; the page arrived within a minute."


class DrillActionFactory(ModelFactory[models.DrillAction]):
    class Meta:
        model = models.DrillAction

    drill = factory.SubFactory(DrillFactory)
    description = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(PersonFactory)
    status = models.ActionStatus.OPEN


class DrillCallFactory(ModelFactory[models.DrillCall]):
    """A level called in a drill, answered in 10 minutes; the level belongs to the drill's application."""

    class Meta:
        model = models.DrillCall

    drill = factory.SubFactory(DrillFactory)
    level = factory.SubFactory(EscalationLevelFactory, application=factory.SelfAttribute("..drill.application"))
    answered = True
    answer_minutes = 10


class GateWaiverFactory(ModelFactory[models.GateWaiver]):
    class Meta:
        model = models.GateWaiver

    application = factory.SubFactory(ApplicationFactory)
    gate = models.GateCode.KNOWLEDGE
    reason = "The vendor's handover session is booked for next week."
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    waived_by = factory.SubFactory(UserFactory, role=Role.DELIVERY_LEAD)
    # In force: approved by a second person (approved_at=None for one waiting for approval).
    approved_by = factory.SubFactory(UserFactory, role=Role.BUSINESS_OWNER)
    approved_at = factory.LazyFunction(timezone.now)


class ReadinessSnapshotFactory(ModelFactory[models.ReadinessSnapshot]):
    """A stored verdict of today under today's rules, without its checklist (`verdict`)."""

    class Meta:
        model = models.ReadinessSnapshot

    application = factory.SubFactory(ApplicationFactory)
    day = factory.LazyFunction(timezone.localdate)
    gates_met = 5
    gates_total = 9
    blockers = 4
    stale_items = 0
    ready = False
    computed_at = factory.LazyFunction(timezone.now)
    rules = factory.LazyFunction(lambda: _rules_version())


class LookupDirectoryFactory(ModelFactory[models.LookupDirectory]):
    """A current stored directory of an application with nothing on it yet (readiness.directory)."""

    class Meta:
        model = models.LookupDirectory

    application = factory.SubFactory(ApplicationFactory)
    evidence_version = factory.LazyAttribute(lambda row: row.application.evidence_version)
    rules = factory.LazyFunction(lambda: _directory_version())
    built_at = factory.LazyFunction(timezone.now)
    data = factory.LazyFunction(lambda: {"rules": [], "levels": [], "people": [], "runbooks": [], "known_issues": []})


def _directory_version() -> str:
    from readiness.directory import directory_version

    return directory_version()


def _rules_version() -> str:
    from readiness.gates.version import rules_version

    return rules_version()


# --- hypercare -----------------------------------------------------------------------------------


class HypercareFactory(ModelFactory[models.Hypercare]):
    """A three-week window from today, not yet agreed (hypercare_agree agrees it)."""

    class Meta:
        model = models.Hypercare

    application = factory.SubFactory(ApplicationFactory, stage=models.Stage.HYPERCARE)
    starts_on = factory.LazyFunction(timezone.localdate)
    planned_end_on = factory.LazyAttribute(lambda h: h.starts_on + timedelta(days=21))


class HypercareExtensionFactory(ModelFactory[models.HypercareExtension]):
    class Meta:
        model = models.HypercareExtension

    hypercare = factory.SubFactory(HypercareFactory)
    reason = "Two severity-1 incidents last week."
    new_end_on = factory.LazyAttribute(lambda e: e.hypercare.planned_end_on + timedelta(days=7))
    decided_by = factory.SubFactory(UserFactory, role=Role.BUSINESS_OWNER)
    decided_at = factory.LazyFunction(timezone.now)


class ExitCriterionFactory(ModelFactory[models.ExitCriterion]):
    class Meta:
        model = models.ExitCriterion

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    position = factory.Sequence(lambda n: n + 1)
    kind = models.CriterionKind.METRIC
    metric = models.MetricCode.NO_SEV1_LAST_7_DAYS
    threshold = Decimal("0")


class SignOffFactory(ModelFactory[models.SignOff]):
    """The first sign-off of an application, its chain hash computed as signing computes it.
    It leaves the hypercare row's chain head alone: tests of the chain sign through
    services.hypercare (hypercare_sign_off)."""

    class Meta:
        model = models.SignOff

    application = factory.SubFactory(ApplicationFactory, stage=models.Stage.HYPERCARE)
    signed_by = factory.SubFactory(UserFactory, role=Role.BUSINESS_OWNER)
    signed_at = factory.LazyFunction(timezone.now)
    statement = "Support ran the last two weeks alone."
    snapshot = factory.LazyFunction(lambda: {"criteria": []})
    fingerprint = "0" * 64
    sequence = 1
    previous_hash = ""

    @classmethod
    def _create(cls, model_class: type[models.SignOff], *args: Any, **kwargs: Any) -> models.SignOff:
        from readiness.signoffs import signoff_chain_hash

        sign_off = model_class(**kwargs)
        sign_off.chain_hash = signoff_chain_hash(sign_off.previous_hash, sign_off)
        sign_off.save()
        return sign_off


# --- reminders, tokens and bookkeeping -----------------------------------------------------------


class WorkingHoursFactory(ModelFactory[models.WorkingHours]):
    """Saturday hours: PersonFactory already gives everyone Monday to Friday (one row per day)."""

    class Meta:
        model = models.WorkingHours

    person = factory.SubFactory(PersonFactory)
    weekday = Weekday.SATURDAY
    starts_at = time(10, 0)
    ends_at = time(14, 0)


class ReminderLogFactory(ModelFactory[models.ReminderLog]):
    class Meta:
        model = models.ReminderLog

    person = factory.SubFactory(PersonFactory)
    cycle = 1
    step = models.ReminderStep.DUE
    sent_at = factory.LazyFunction(timezone.now)
    recipients = factory.LazyAttribute(lambda log: log.person.email)
    subject = "Please confirm your contact details"


class ContactConfirmationFactory(ModelFactory[models.ContactConfirmation]):
    class Meta:
        model = models.ContactConfirmation

    person = factory.SubFactory(PersonFactory)
    at = factory.LazyFunction(timezone.now)
    kind = models.ConfirmationKind.CONFIRMED
    cycle = 1


class ReachabilityTestFactory(ModelFactory[models.ReachabilityTest]):
    class Meta:
        model = models.ReachabilityTest

    person = factory.SubFactory(PersonFactory)
    channel = models.Channel.EMAIL
    sent_by = factory.SubFactory(UserFactory, role=Role.DELIVERY_LEAD)
    sent_at = factory.LazyFunction(timezone.now)


class ApiTokenFactory(ModelFactory[models.ApiToken]):
    """A token whose key is `key` (services.api.api_token_create stores only its hash and prefix)."""

    class Meta:
        model = models.ApiToken
        exclude = ["key"]

    key = factory.LazyFunction(models.ApiToken.new_key)
    user = factory.SubFactory(UserFactory, role=Role.SUPPORT_ANALYST)
    name = factory.Sequence(lambda n: f"Chat bot {n}")
    key_hash = factory.LazyAttribute(lambda token: hash_key(token.key))
    key_prefix = factory.LazyAttribute(lambda token: token.key[:8])


class UserSessionFactory(ModelFactory[models.UserSession]):
    class Meta:
        model = models.UserSession

    session_key = factory.Sequence(lambda n: f"session{n:032d}")
    session_data = factory.LazyFunction(lambda: models.UserSession.get_session_store_class()().encode({}))
    expire_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    user_pk = None


class HeartbeatFactory(ModelFactory[models.Heartbeat]):
    class Meta:
        model = models.Heartbeat
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"worker-{n}")
    beat_at = factory.LazyFunction(timezone.now)


class FormSubmissionFactory(ModelFactory[models.FormSubmission]):
    class Meta:
        model = models.FormSubmission

    key = factory.LazyFunction(uuid.uuid4)
    user = factory.SubFactory(UserFactory, role=Role.DELIVERY_LEAD)
    result_url = "/apps/"


class ClosureDayFactory(ModelFactory[ClosureDay]):
    """A day the organisation is closed; its Leave rows come from services.people.closure_day_add."""

    class Meta:
        model = ClosureDay
        django_get_or_create = ["day"]

    day = factory.Faker("date_between", start_date="+1d", end_date="+60d")
    name = "Stocktake"


class GateRegressionFactory(ModelFactory[models.GateRegression]):
    """A gate noticed not met any more (the refresh makes these), not yet told to the lead."""

    class Meta:
        model = models.GateRegression

    application = factory.SubFactory(ApplicationFactory)
    gate = models.GateCode.MONITORING
    day = factory.LazyFunction(timezone.localdate)
    reason = "“Portal price differs from ERP contract” has never been seen firing."
    noticed_at = factory.LazyFunction(timezone.now)


class CountdownDigestFactory(ModelFactory[models.CountdownDigest]):
    """A lead's weekly countdown, sent this week (services.countdown writes these)."""

    class Meta:
        model = models.CountdownDigest

    lead = factory.LazyFunction(lambda: delivery_lead())
    week = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=timezone.localdate().weekday()))
    sent_at = factory.LazyFunction(timezone.now)
    applications = 1


class UserPreferenceFactory(ModelFactory[models.UserPreference]):
    """A user's chosen timezone (shown at sign-in on, through their session)."""

    class Meta:
        model = models.UserPreference

    user = factory.SubFactory(UserFactory)
    timezone = "Asia/Manila"


class AlertWebhookFactory(ModelFactory[models.AlertWebhook]):
    """A webhook whose secret is `secret` (the factory's, known to the test)."""

    class Meta:
        model = models.AlertWebhook

    class Params:
        secret = "whk_test-secret"

    application = factory.SubFactory(ApplicationFactory)
    secret_hash = factory.LazyAttribute(lambda o: hash_key(o.secret))
    secret_prefix = factory.LazyAttribute(lambda o: o.secret[:8])


class UnmatchedAlertFactory(ModelFactory[models.UnmatchedAlert]):
    class Meta:
        model = models.UnmatchedAlert

    application = factory.SubFactory(ApplicationFactory)
    alert_name = factory.Sequence(lambda n: f"UnmappedAlert{n}")
    labels = factory.LazyAttribute(lambda o: {"alertname": o.alert_name, "severity": "critical"})
    fingerprint = factory.Sequence(lambda n: f"{n:016x}")
    fired_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    system = "Alertmanager"
    summary = factory.LazyAttribute(lambda o: f"Alertmanager notified that {o.alert_name} was firing.")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class CalendarFeedFactory(ModelFactory[models.CalendarFeed]):
    """A user's calendar address in use (the key itself is not kept: only its hash)."""

    class Meta:
        model = models.CalendarFeed

    user = factory.SubFactory(UserFactory)
    key_hash = factory.Sequence(lambda n: hash_key(f"calendar-feed-{n}"))
