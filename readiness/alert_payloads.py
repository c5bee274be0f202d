"""Reading the notifications Alertmanager and Grafana send to a webhook, as they send them.

Alertmanager's webhook notifier (payload "version": "4") and Grafana's unified alerting webhook
contact point ("version": "1", with "orgId", "state", "title" and "message" besides) share one
shape: a group of alerts, each with a status (firing or resolved), labels (alertname among
them), annotations, startsAt and a fingerprint. Anything else is refused with the reason, in
words a person configuring the sender can act on; nothing here touches the database.

Every text is made safe to store and show again: control characters (NUL among them, which
PostgreSQL refuses) become U+FFFD, and long values are cut.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from readiness.validators import MOMENT_MAX, MOMENT_MIN, TEXT_MAX_LENGTH

ALERTMANAGER, GRAFANA = "Alertmanager", "Grafana"
NAME_MAX_LENGTH = 200  # AlertCheck.alert_name and UnmatchedAlert.alert_name
VALUE_MAX_LENGTH = 500  # one label or annotation, as quoted in the evidence


class PayloadError(ValueError):
    """The body is not a notification Handoff can read; the message says why."""


@dataclass(frozen=True)
class Alert:
    name: str
    firing: bool
    starts_at: datetime
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    generator_url: str = ""


@dataclass(frozen=True)
class Notification:
    system: str
    # The name of the sender's configuration that routed the notification here (in Alertmanager,
    # the route's target; in Grafana, the contact point), quoted in the evidence.
    route_name: str
    external_url: str
    alerts: list[Alert]

    def summary(self, alert: Alert) -> str:
        """The evidence a verification keeps: who said what, when, about which alert."""
        via = ", ".join(
            part for part in (f"route “{self.route_name}”" if self.route_name else "", self.external_url) if part
        )
        lines = [
            f"{self.system} notified that {alert.name} was firing since {alert.starts_at:%Y-%m-%d %H:%M} UTC"
            + (f" ({via})." if via else "."),
            "Labels: " + ", ".join(f"{key}={value}" for key, value in sorted(alert.labels.items())),
        ]
        for key in ("summary", "description", "message"):
            if alert.annotations.get(key):
                lines.append(f"{key.capitalize()}: {alert.annotations[key]}")
        lines.append(f"Fingerprint: {alert.fingerprint}")
        return "\n".join(lines)[:TEXT_MAX_LENGTH]

    def evidence_url(self, alert: Alert) -> str:
        """The alert's source link (the rule in Prometheus or Grafana), when it is a link we can keep.

        A link that is not one line of storable text (a lone surrogate, a NUL, a line break in
        its path) is dropped like any other link we cannot keep: it is optional evidence, and
        refusing the notification for it would lose the firing itself."""
        url = alert.generator_url
        if len(url) > 200 or safe_text(url, 200) != url:
            return ""
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            return ""
        return url


def safe_text(value: str, limit: int) -> str:
    """One line of text, storable and showable: control characters replaced, cut to `limit`."""
    return "".join(
        "\ufffd" if unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") else char for char in value[:limit]
    )


def _texts(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise PayloadError(f"{where} must be an object of texts (label or annotation names to values).")
    return {safe_text(key, NAME_MAX_LENGTH): safe_text(text, VALUE_MAX_LENGTH) for key, text in value.items()}


def _moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be a time in RFC 3339, e.g. 2026-12-06T19:52:00Z.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where} is not a time in RFC 3339: {safe_text(value, 40)!r}.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not MOMENT_MIN <= moment <= MOMENT_MAX:
        raise PayloadError(f"{where} is not between the years 2000 and 2100.")
    return moment.astimezone(UTC)


def _alert(raw: Any, where: str) -> Alert:
    if not isinstance(raw, dict):
        raise PayloadError(f"{where} must be an object.")
    status = raw.get("status")
    if status not in ("firing", "resolved"):
        raise PayloadError(f"{where}.status must be “firing” or “resolved”.")
    labels = _texts(raw.get("labels"), f"{where}.labels")
    name = labels.get("alertname", "")[:NAME_MAX_LENGTH]
    if not name.strip():
        raise PayloadError(f"{where} has no alertname label.")
    fingerprint = raw.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint.strip():
        # Both systems send one; without it, the labels identify the alert just as well.
        fingerprint = hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
    generator = raw.get("generatorURL")
    return Alert(
        name=name,
        firing=status == "firing",
        starts_at=_moment(raw.get("startsAt"), f"{where}.startsAt"),
        fingerprint=safe_text(fingerprint, 64),
        labels=labels,
        annotations=_texts(raw.get("annotations"), f"{where}.annotations"),
        generator_url=generator if isinstance(generator, str) else "",
    )


def parse_notification(body: bytes) -> Notification:
    """The notification in a webhook's body, or PayloadError saying what is wrong with it."""
    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise PayloadError("The body is not UTF-8 text.") from None
    except RecursionError:  # "[[[[…" a hundred thousand deep: no notification nests like that
        raise PayloadError("The body nests too deeply to be a notification.") from None
    except json.JSONDecodeError as error:
        raise PayloadError(f"The body is not JSON: {error.msg} (line {error.lineno}, column {error.colno}).") from None
    if not isinstance(payload, dict):
        raise PayloadError("The body must be a JSON object, as Alertmanager and Grafana send.")
    version = payload.get("version")
    if "orgId" in payload or version == "1":
        system = GRAFANA
    elif version == "4":
        system = ALERTMANAGER
    else:
        raise PayloadError(
            "Unknown payload version: Handoff reads Alertmanager's webhook (version 4) and Grafana's "
            "alerting webhook (version 1)."
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("The payload has no list of alerts.")
    # The key is Alertmanager's field name (Grafana's payload reuses it).
    route_name, external = payload.get("receiver"), payload.get("externalURL")
    return Notification(
        system=system,
        route_name=safe_text(route_name, NAME_MAX_LENGTH) if isinstance(route_name, str) else "",
        external_url=safe_text(external, VALUE_MAX_LENGTH) if isinstance(external, str) else "",
        alerts=[_alert(raw, f"alerts[{index}]") for index, raw in enumerate(alerts)],
    )
