"""A form sent twice does its work once, and a lost race never answers 500.

Every form that creates or edits something carries a hidden one-time key
(readiness.forms.mixins.SubmissionKeyMixin, a fresh UUID each time the form is drawn). Its view
is wrapped in `once_per_submission`, which:

- runs the POST in one transaction that first claims the key (a FormSubmission row) and, when the
  view redirects (the form was valid and the work is done), records where it sent the user;
- sends a POST whose key was already used to that same place, without running the view again
  (a double-click, a refresh, the back button and send again);
- when two POSTs race and the loser's insert breaks a unique constraint (IntegrityError: the
  same key, or a different key with a name just taken; or the service's full_clean() finding
  the name taken after the form did not), rolls the loser back and answers it
  like the winner (same key) or runs the view once more, so its form now sees the winner's row
  and shows the uniqueness message beside the field.

An invalid form's POST is rolled back too, key included, so the corrected form can be sent with
the same key. A POST without a key (an edit form of an older page, a test) is only protected
against the lost race.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect

from readiness.access import AuthenticatedHttpRequest
from readiness.models import FormSubmission

KEY_FIELD = "submission_key"

View = Callable[..., HttpResponse]


def submission_key(request: HttpRequest) -> uuid.UUID | None:
    """The one-time key the POST carries, or None when it carries none (or not a UUID)."""
    try:
        return uuid.UUID(request.POST.get(KEY_FIELD, ""))
    except ValueError:
        return None


def _replay(request: HttpRequest, key: uuid.UUID) -> HttpResponse | None:
    """The answer to a key already used, or None when it is unused."""
    done = FormSubmission.objects.filter(key=key).values_list("user_id", "result_url").first()
    if done is None:
        return None
    user_id, result_url = done
    if user_id != request.user.pk:
        return HttpResponseBadRequest("This form was sent by someone else. Reload the page and send it again.")
    return redirect(result_url)


def _run_claimed(view: View, request: AuthenticatedHttpRequest, key: uuid.UUID | None, *args: object, **kwargs: object
                 ) -> HttpResponse:
    with transaction.atomic():
        claim = FormSubmission.objects.create(key=key, user=request.user, result_url="") if key else None
        response = view(request, *args, **kwargs)
        if response.status_code in (301, 302, 303):
            if claim is not None:
                claim.result_url = response["Location"]
                claim.save(update_fields=["result_url"])
        else:
            # Nothing was done (the form has errors): keep no claim, so the corrected form can
            # be sent with the same key.
            transaction.set_rollback(True)
        return response


def once_per_submission(view: View) -> View:
    """Wrap a form view so a repeated or racing POST does the work once and never answers 500."""

    @wraps(view)
    # Sits under @login_required: the user is signed in.
    def wrapper(request: AuthenticatedHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        key = submission_key(request)
        if key is not None and (replayed := _replay(request, key)) is not None:
            return replayed
        try:
            return _run_claimed(view, request, key, *args, **kwargs)
        except (IntegrityError, ValidationError):
            # Lost a race: the winner has committed by now (our insert waited on its row), or
            # committed between the form's check and the service's full_clean().
            if key is not None and (replayed := _replay(request, key)) is not None:
                return replayed
        # A different submission took the name meanwhile: the form sees it now and says so
        # beside the field. Once only: failing again is a real fault, and is raised.
        return _run_claimed(view, request, None, *args, **kwargs)

    return wrapper
