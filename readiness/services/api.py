"""Per-user tokens of the lookup API and the REST API."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from readiness.models import ApiToken
from readiness.models.api import hash_key
from readiness.queue import enqueue_on_commit


@transaction.atomic
def api_token_create(*, user: User, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new token and its key. The key is shown once; only its hash is kept."""
    key = ApiToken.new_key()
    token = ApiToken(user=user, name=name, key_hash=hash_key(key), key_prefix=key[:8], read_only=read_only)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token for `key`, stamped as used; None when unknown or revoked."""
    token = ApiToken.objects.active().select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # A read never writes: the stamp is left to a task, at most once a minute, so a chat bot
    # asking every second doesn't turn each read into a write. The row's stamp alone would ask
    # again on every request until a worker has applied the last one (or for ever, with the
    # worker down): the cache remembers that this minute's stamp was asked for.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        if cache.add(f"readiness:api-token-stamped:{token.pk}", True, LAST_USED_RESOLUTION.total_seconds()):
            enqueue_on_commit("api_token_touch", token.pk, now.isoformat())
        token.last_used_at = now
    return token


def api_token_mark_used(*, token_pk: int, at: datetime) -> bool:
    """One UPDATE, no history row: the stamp is bookkeeping, not an edit. Never moves it back."""
    return bool(ApiToken.objects.filter(pk=token_pk).exclude(last_used_at__gte=at).update(last_used_at=at))
