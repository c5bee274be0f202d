"""Signed links in Handoff emails (reminders, reachability tests): reading one, and what to say when it fails."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

LINK_MAX_AGE = timedelta(days=14)


class LinkProblem(Exception):
    """A link from an email that cannot be used, with what to tell the person."""

    def __init__(self, kind: str, title: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind, self.title, self.message, self.status = kind, title, message, status


def link_parse(token: str, *, salt: str, max_age: timedelta = LINK_MAX_AGE) -> tuple[int, int]:
    """The two numbers a link was signed for, or LinkProblem (expired, tampered)."""
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkProblem(
            "expired", "This link has expired",
            f"Links in Handoff emails work for {max_age.days} days. Ask your delivery lead to send a new one, "
            "or wait for the next reminder.", 410,
        ) from None
    except signing.BadSignature:
        raise LinkProblem(
            "tampered", "This link is not valid",
            "The link is incomplete or was changed. Open it again from the email, or copy the whole address.", 400,
        ) from None
    first, _, second = value.partition(".")
    return int(first), int(second)
