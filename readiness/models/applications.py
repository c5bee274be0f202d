from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

from readiness.roles import Role
from readiness.synonyms import parse_synonyms
from readiness.validators import TEXT_MAX_LENGTH, in_range

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


BUSINESS_OWNER_ROLE_NEEDED = "Only a holder of the Business owner role can be an application's business owner."


class Stage(models.TextChoices):
    BUILD = "build", "Build"
    HARDENING = "hardening", "Hardening"
    HYPERCARE = "hypercare", "Hypercare"
    BAU = "bau", "Business as usual"


# The sign-ins an application names, each in a role of its own.
APPLICATION_ROLES = ("delivery_lead", "business_owner", "support_lead")


class ApplicationQuerySet(models.QuerySet["Application"]):
    def with_people(self) -> ApplicationQuerySet:
        return self.select_related("delivery_lead", "business_owner", "support_lead", "owner_team")

    def with_role_holders(self) -> ApplicationQuerySet:
        """With the people behind its delivery lead, business owner and support lead sign-ins,
        and its hypercare, in the same query: what leavers.leavers_to_replace reads."""
        return self.with_people().select_related(*(f"{role}__person" for role in APPLICATION_ROLES), "hypercare")


class Application(models.Model):
    """A system going live, and the people accountable for its handoff."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    current_release = models.CharField(
        max_length=40, blank=True, help_text="The release going live, e.g. 1.4.0. Known issues are tied to it."
    )
    go_live_date = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.BUILD)
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    support_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="applications", blank=True)
    # The team that owns it, as the service catalog says (spec.owner of a Backstage entity).
    owner_team = models.ForeignKey(
        "readiness.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="applications",
        verbose_name="owning team",
    )
    # The Backstage entity it was imported from ("component:default/orders"): a re-import finds
    # it by this, so it updates the application rather than adding a second (readiness.imports).
    catalog_ref = models.CharField(
        max_length=255, blank=True, editable=False, verbose_name="catalog entity",
    )
    # How often contacts on this application's path must confirm their details (reminders).
    contact_verification_days = models.PositiveSmallIntegerField(default=90)
    first_level_verification_days = models.PositiveSmallIntegerField(
        default=30, help_text="Shorter period for first-level and after-hours contacts."
    )
    # "Who do I call?" matches a symptom in the words people use for this application
    # (readiness.matching); empty: the default list (readiness.synonyms.DEFAULT_SYNONYMS).
    synonyms = models.TextField(
        blank=True,
        help_text=(
            "Phrases that mean the same when someone describes a problem, one group per line, separated by "
            "commas or “=”, e.g. “not showing up = not syncing = missing”. Empty: a default list is used."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Moves on with every write to this application's evidence (its gates' rows, its path and
    # the people on it): a verdict judged from an older version is not stored over a newer one
    # (services.gates.readiness_snapshot_refresh). Bumped with update(), in the writer's
    # transaction, by services.gates.application_evidence_changed.
    evidence_version = models.PositiveBigIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["evidence_version"])
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("edit_readiness", "Can edit readiness artefacts of applications they belong to"),
            ("waive_gate", "Can waive a go-live gate"),
            ("manage_escalation", "Can edit people, escalation paths and ownership rules"),
            ("log_escalation", "Can log hypercare escalations"),
            ("sign_off_hypercare", "Can sign off hypercare exit"),
            ("test_reachability", "Can send a reachability test to a contact"),
        ]
        constraints = [
            in_range("application", "go_live_date"),
            models.CheckConstraint(
                condition=models.Q(contact_verification_days__gt=0, first_level_verification_days__gt=0),
                name="readiness_application_verification_days_positive",
            ),
            # "Who do I call?" finds an application by its name typed in any case: two names
            # differing only in case would be one answer for two applications.
            models.UniqueConstraint(
                Upper("name"),
                name="readiness_application_name_ci_unique",
                violation_error_message="There is already an application with this name (in another case).",
                violation_error_code="readiness_application_name_ci_unique",
            ),
            models.UniqueConstraint(
                fields=["catalog_ref"], condition=~models.Q(catalog_ref=""),
                name="readiness_application_catalog_ref_unique",
                violation_error_message="Another application was imported from this catalog entity.",
            ),
        ]
        indexes = [
            # The dashboard's default order (go-live, then name): a page is read off the index
            # instead of sorting every application by name to show 25.
            models.Index(F("go_live_date"), Lower("name"), F("id"), name="readiness_app_golive_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            # evidence_version only ever moves by update() (see the field): saving a copy loaded
            # before a move must not put the old number back.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "evidence_version"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("readiness:application_detail", args=[self.slug])

    def clean(self) -> None:
        # Separation of duties: the person who signs hypercare off is not picked from anyone the
        # team being signed off likes; they hold the Business owner role (readiness/permissions.py).
        if self.business_owner is not None and not self.business_owner.groups.filter(
            name=Role.BUSINESS_OWNER
        ).exists():
            raise ValidationError({"business_owner": BUSINESS_OWNER_ROLE_NEEDED})
        if self.synonyms and len(self.synonyms) <= TEXT_MAX_LENGTH:  # longer: refused by its length already
            try:
                parse_synonyms(self.synonyms)
            except ValidationError as error:
                raise ValidationError({"synonyms": error.messages}) from error

    def is_member(self, user: AbstractBaseUser | AnonymousUser) -> bool:
        if not user.is_authenticated:
            return False
        if user.pk in (self.delivery_lead_id, self.business_owner_id, self.support_lead_id):
            return True
        # Pages ask twice (may they edit? may they waive?): once per user and loaded row.
        known = self.__dict__.setdefault("_is_member", {})
        if user.pk not in known:
            known[user.pk] = self.members.filter(pk=user.pk).exists()
        return known[user.pk]

    @classmethod
    def preload_membership(cls, applications: Iterable[Application], user: AbstractBaseUser | AnonymousUser) -> None:
        """Answer is_member(user) for all these rows with one query, not one each (an import asks
        it of every application its file names)."""
        rows = [application for application in applications if application.pk is not None]
        if not user.is_authenticated or not rows:
            return
        members = set(
            cls.members.through.objects.filter(user_id=user.pk, application__in=rows).values_list(
                "application_id", flat=True
            )
        )
        for application in rows:
            application.__dict__.setdefault("_is_member", {})[user.pk] = application.pk in members
