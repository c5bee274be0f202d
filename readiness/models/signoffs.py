"""The business owner's sign-off of hypercare exit: an audit record, written once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .applications import Application


class SignOffImmutable(Exception):
    """Raised when code tries to change or delete a sign-off: it is an audit record."""


class SignOffQuerySet(models.QuerySet["SignOff"]):
    def latest_for(self, application: Application) -> SignOff | None:
        return self.filter(application=application).order_by("-signed_at", "-pk").first()


class SignOff(models.Model):
    """The business owner's sign-off of hypercare exit. Written once, never changed.

    The model refuses updates and deletes; on PostgreSQL a trigger (migration
    `hypercare_signoff_immutable`) refuses them for any client, raw SQL included, and the
    runtime database role holds no UPDATE, DELETE or TRUNCATE on the table
    (`manage.py grant_runtime_role`). Each row is numbered per application and chained by
    hash to the one before, so a row altered or removed by the owner role shows in
    `manage.py verify_signoffs` (readiness/signoffs.py says what it can and cannot detect).
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="sign_offs")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    statement = models.TextField(blank=True, help_text="Anything the business owner adds.")
    # Every criterion's definition and value at the moment of signing, and the digest of the definitions.
    snapshot = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    # 1, 2, 3… per application: a removed first or middle row leaves a gap.
    sequence = models.PositiveIntegerField()
    # The previous sign-off's chain_hash ("" for the first); chain_hash = sha256(previous_hash + canonical row).
    previous_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64)

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "sequence"], name="readiness_signoff_one_per_sequence"),
            models.CheckConstraint(
                condition=(
                    models.Q(sequence=1, previous_hash="")
                    | (models.Q(sequence__gt=1) & ~models.Q(previous_hash=""))
                ),
                name="readiness_signoff_first_has_no_previous",
            ),
        ]

    def __str__(self) -> str:
        return f"Sign-off of {self.application_id} by {self.signed_by_id} at {self.signed_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise SignOffImmutable("A sign-off is never changed; sign off again instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise SignOffImmutable("A sign-off is never deleted.")

    def is_invalidated(self, current_fingerprint: str) -> bool:
        return self.fingerprint != current_fingerprint
