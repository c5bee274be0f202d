"""Messages to a Slack or Microsoft Teams channel through its incoming webhook.

A person may prefer their reminders in chat: they give the channel's incoming-webhook address
(Slack: https://hooks.slack.com/services/…; Teams: a Workflows or connector address). The
address is a secret (whoever holds it can post) and a way out of our network, so only hosts
listed in CHAT_WEBHOOK_HOSTS are accepted (validate_chat_webhook), over HTTPS; a loopback host
may be listed for a local listener, and is then the one host allowed over plain HTTP.

Posting follows the platforms' documented formats: Slack takes {"text": …} (Mattermost and
Rocket.Chat accept the same); Teams' Workflows take a message with an Adaptive Card. A post the
platform refuses (4xx: the webhook was deleted, the payload is wrong) will never go and raises
ChatRefused; anything else (no answer, 5xx) is an OSError, for the caller's task to retry.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

TIMEOUT_SECONDS = 10
# Slack cuts a message at 40,000 characters and Teams' cards at about 28 KB: a reminder is far
# shorter; anything longer is cut here rather than refused there.
MAX_TEXT = 20_000


class ChatRefused(Exception):
    """The chat platform answered that this message can never be posted (HTTP 4xx)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # The host was checked when the address was saved: a redirect would post (or GET) anywhere.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _host_allowed(host: str) -> bool:
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in settings.CHAT_WEBHOOK_HOSTS)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def validate_chat_webhook(value: str) -> None:
    """An incoming-webhook address of an allowed chat host (settings.CHAT_WEBHOOK_HOSTS)."""
    if not value:
        return
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError("Paste the whole webhook address, starting with https://.", code="invalid")
    if not _host_allowed(host):
        allowed = ", ".join(settings.CHAT_WEBHOOK_HOSTS) or "none (CHAT_WEBHOOK_HOSTS is empty)"
        raise ValidationError(
            "Handoff posts only to these chat hosts: %(allowed)s.", params={"allowed": allowed}, code="host"
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValidationError("A chat webhook address must start with https://.", code="scheme")
    try:
        parts.port  # noqa: B018 (reading it is the check: out of range raises)
    except ValueError:
        raise ValidationError("The webhook address has a port that cannot be.", code="port") from None
    if parts.username or parts.password:
        raise ValidationError("A webhook address carries no user name or password.", code="credentials")


def chat_kind(url: str) -> str:
    """'teams' for Microsoft's webhook hosts, else 'slack' (the format most chat tools accept)."""
    host = (urlsplit(url).hostname or "").lower()
    teams = ("*.webhook.office.com", "*.logic.azure.com", "*.powerplatform.com", "*.environment.api.powerplatform.com")
    return "teams" if any(fnmatch.fnmatchcase(host, pattern) for pattern in teams) else "slack"


def chat_target_label(url: str) -> str:
    """What may be shown or logged of a webhook address: its host, never the secret path."""
    return f"chat: {urlsplit(url).hostname or '?'}"


def chat_payload(url: str, text: str) -> dict[str, object]:
    text = text[:MAX_TEXT]
    if chat_kind(url) == "teams":
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": text, "wrap": True}],
        }
        return {"type": "message",
                "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
    # Slack reads <!channel>, <@U…> and links in angle brackets: a person named "<!channel>" would
    # ping everyone. Its documented escaping of &, < and > keeps every name plain text.
    return {"text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}


@dataclass(frozen=True)
class ChatMessage:
    """One message to one webhook; `send()` posts it (the same call as an email's)."""

    url: str
    text: str

    def send(self) -> int:
        body = json.dumps(chat_payload(self.url, self.text)).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Handoff"},
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
                response.read(1024)
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 500 and exc.code not in (408, 429):  # a redirect is refused too
                raise ChatRefused(f"{chat_target_label(self.url)} refused the message: HTTP {exc.code}") from exc
            raise OSError(f"{chat_target_label(self.url)} answered HTTP {exc.code}") from exc
        except ValueError as exc:  # http.client.InvalidURL: an address saved before a check existed
            raise ChatRefused(f"{chat_target_label(self.url)}: the address cannot be used ({exc})") from exc
        return 1
