"""What "Who do I call?" reads of one application, stored as plain data."""

from __future__ import annotations

from django.db import models

from .applications import Application


class LookupDirectory(models.Model):
    """One application's directory for "Who do I call?": its classes of problem, its escalation
    path with the people on it and their working hours and leave, its runbooks (title, symptom,
    level) and its open known issues, as JSON (readiness.directory writes and reads it).

    Written beside today's readiness snapshot, by the same refresh (services.gates): after every
    write to the application's evidence, hourly by beat. It stands in for asking the database
    only while it was built from the application's current `evidence_version` and by the same
    code (`rules`, see directory.directory_version); otherwise the lookup reads the rows themselves.
    Derived data, never edited by people: no history table.
    """

    application = models.OneToOneField(Application, on_delete=models.CASCADE, primary_key=True,
                                       related_name="lookup_directory")
    evidence_version = models.PositiveBigIntegerField()
    rules = models.CharField(max_length=16)
    built_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        verbose_name_plural = "lookup directories"

    def __str__(self) -> str:
        return f"{self.application_id} at version {self.evidence_version}"
