"""Writes of the gate board: waivers."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from readiness.models import Application, GateWaiver


@transaction.atomic
def gate_waive(
    *, application: Application, gate: str, reason: str, expires_on: date, waived_by: AbstractBaseUser
) -> GateWaiver:
    waiver = GateWaiver(application=application, gate=gate, reason=reason, expires_on=expires_on, waived_by=waived_by)
    waiver.full_clean()
    waiver.save()
    return waiver
