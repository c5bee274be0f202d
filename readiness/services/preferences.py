"""Writes of a user's own preferences, and the timezone their pages use."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from readiness.models import Person, UserPreference

SESSION_TIMEZONE = "viewer_timezone"


def viewer_timezone(user: User) -> str:
    """The timezone a user's pages use: their own choice, else the directory's entry for them
    (where they work), else the site's."""
    chosen = UserPreference.objects.filter(user=user).values_list("timezone", flat=True).first()
    if chosen:
        return chosen
    listed = Person.objects.filter(user=user).values_list("timezone", flat=True).first()
    return listed or settings.TIME_ZONE


@transaction.atomic
def user_preference_save(*, user: User, timezone: str) -> UserPreference:
    """Keep the user's timezone (one row a user; saving the same twice, or at once, keeps one)."""
    # update_or_create re-reads after losing the race to insert the user's first row.
    UserPreference(user=user, timezone=timezone).full_clean(validate_unique=False)
    preference, _ = UserPreference.objects.update_or_create(user=user, defaults={"timezone": timezone})
    return preference
