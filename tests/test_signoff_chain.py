"""Sign-offs chained by hash: computed on signing, verified by command and page, tampering found.

"As the owner" below means what only the migrations' role can do: on PostgreSQL, switch the
immutability trigger off for one statement; SQLite has no trigger, so raw SQL is enough.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import psycopg2
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from psycopg2 import errors

from readiness.models import Hypercare, SignOff
from readiness.services.hypercare import exit_criterion_save, hypercare_sign_off
from readiness.signoffs import signoff_chain_hash, signoff_chain_verify
from tests import factories
from tests.test_hypercare_sign_off import _meet_everything

pytestmark = pytest.mark.django_db

RUNTIME_ROLE = "handoff_app_test"


def _signed(app, times: int = 1) -> list[SignOff]:
    """Sign off `times` times: between two, a criterion is redefined, which invalidates the last."""
    _meet_everything(app)
    sign_offs = []
    for n in range(times):
        if n:
            criterion = app.exit_criteria.first()
            criterion.description = f"Redefined for the {n + 1}. sign-off."
            exit_criterion_save(criterion=criterion)
        now = timezone.now() - timedelta(minutes=10 - n)
        by = app.business_owner
        sign_offs.append(hypercare_sign_off(application=app, by=by, statement=f"Round {n + 1}", now=now))
    return sign_offs


def _as_owner(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Pending deferred foreign-key checks would make ALTER TABLE refuse to run.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE readiness_signoff DISABLE TRIGGER readiness_signoff_immutable")
        cursor.execute(statement, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE readiness_signoff ENABLE TRIGGER readiness_signoff_immutable")


def _verify_output() -> tuple[str, str | None]:
    out = StringIO()
    try:
        call_command("verify_signoffs", stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_two_sign_offs_chain_and_another_application_starts_its_own() -> None:
    app = factories.hypercare_application()
    first, second = _signed(app, times=2)
    other = _signed(factories.hypercare_application())[0]
    assert (first.sequence, first.previous_hash) == (1, "")
    assert first.chain_hash == signoff_chain_hash("", SignOff.objects.get(pk=first.pk))
    assert (second.sequence, second.previous_hash) == (2, first.chain_hash)
    assert second.chain_hash == signoff_chain_hash(first.chain_hash, SignOff.objects.get(pk=second.pk))
    assert (other.sequence, other.previous_hash) == (1, "")
    hypercare = Hypercare.objects.get(application=app)
    assert (hypercare.signoff_count, hypercare.signoff_head) == (2, second.chain_hash)


def test_agreeing_with_a_hypercare_read_before_the_sign_off_keeps_the_chain_head() -> None:
    from readiness.services.hypercare import hypercare_agree

    app = factories.hypercare_application()
    read_earlier = Hypercare.objects.get(application=app)
    _signed(app)
    # Signed off meanwhile: the agreement is refused (under the sign-off's own lock), the head kept.
    with pytest.raises(PermissionDenied):
        hypercare_agree(hypercare=read_earlier, by=app.business_owner)
    assert Hypercare.objects.get(application=app).signoff_count == 1
    assert signoff_chain_verify(app).intact


def test_verify_signoffs_reports_each_chain_intact_with_its_head() -> None:
    app = factories.hypercare_application()
    sign_offs = _signed(app, times=2)
    out, error = _verify_output()
    assert error is None
    assert f"{app.name} ({app.slug}): intact (2 sign-offs, chain verified), head {sign_offs[-1].chain_hash}" in out


def test_verify_signoffs_with_no_sign_offs_says_so() -> None:
    assert _verify_output() == ("No sign-offs recorded yet.\n", None)


def test_a_row_altered_as_the_owner_is_reported_altered() -> None:
    app = factories.hypercare_application()
    first, _second = _signed(app, times=2)
    _as_owner("UPDATE readiness_signoff SET statement = %s WHERE id = %s", ["All fine, honestly.", first.pk])
    out, error = _verify_output()
    assert f"{app.name} ({app.slug}): BROKEN: sign-off 1 altered" in out
    assert error == "1 sign-off chain is broken."
    assert signoff_chain_verify(app).problems == ["sign-off 1 altered"]


def test_a_middle_row_deleted_as_the_owner_is_reported_missing() -> None:
    app = factories.hypercare_application()
    middle = _signed(app, times=3)[1]
    _as_owner("DELETE FROM readiness_signoff WHERE id = %s", [middle.pk])
    report = signoff_chain_verify(app)
    assert report.problems == ["sign-off 2 missing", "sign-off 3 does not follow the one before it"]
    out, error = _verify_output()
    assert "BROKEN: sign-off 2 missing" in out and error


def test_the_last_row_deleted_as_the_owner_is_reported_missing() -> None:
    app = factories.hypercare_application()
    _signed(app, times=2)
    untouched = factories.hypercare_application()
    _signed(untouched)
    _as_owner("DELETE FROM readiness_signoff WHERE application_id = %s AND sequence = 2", [app.pk])
    assert signoff_chain_verify(app).problems == ["sign-off 2 missing"]
    out, error = _verify_output()
    assert f"{app.name} ({app.slug}): BROKEN: sign-off 2 missing" in out
    assert f"{untouched.name} ({untouched.slug}): intact (1 sign-off, chain verified)" in out
    assert error == "1 sign-off chain is broken."


def test_every_row_deleted_as_the_owner_still_shows_from_the_hypercare_head() -> None:
    app = factories.hypercare_application()
    _signed(app)
    _as_owner("DELETE FROM readiness_signoff WHERE application_id = %s", [app.pk])
    out, error = _verify_output()
    assert f"{app.name} ({app.slug}): BROKEN: sign-off 1 missing" in out and error


def test_a_rewritten_last_row_with_a_recomputed_hash_is_a_head_mismatch() -> None:
    app = factories.hypercare_application()
    last = _signed(app, times=2)[1]
    row = SignOff.objects.get(pk=last.pk)
    row.statement = "Rewritten"
    _as_owner(
        "UPDATE readiness_signoff SET statement = %s, chain_hash = %s WHERE id = %s",
        [row.statement, signoff_chain_hash(row.previous_hash, row), row.pk],
    )
    [problem] = signoff_chain_verify(app).problems
    assert problem.startswith("chain head mismatch: the hypercare record holds sign-off 2")


def test_hypercare_page_says_the_record_is_intact(client) -> None:
    app = factories.hypercare_application()
    _signed(app, times=2)
    client.force_login(app.business_owner)
    page = client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()
    assert "Sign-off record intact (2 sign-offs, chain verified)." in page
    assert "Sign-off record damaged" not in page


def test_hypercare_page_warns_when_a_sign_off_was_removed(client) -> None:
    app = factories.hypercare_application()
    _signed(app, times=2)
    _as_owner("DELETE FROM readiness_signoff WHERE application_id = %s AND sequence = 1", [app.pk])
    client.force_login(factories.support_analyst())
    page = client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()
    assert "Sign-off record damaged:</strong> a sign-off was changed or removed outside Handoff." in page
    assert "<li>Sign-off 1 missing</li>" in page
    assert "Sign-off record intact" not in page


def test_hypercare_page_before_any_sign_off_says_nothing_about_the_record(client) -> None:
    app = factories.hypercare_application()
    client.force_login(app.business_owner)
    page = client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()
    sign_off = page.split('id="sign-off-heading"', 1)[1].split("</section>", 1)[0]
    # No record to vouch for yet: the section says what stands in the owner's way, not "intact".
    assert "Sign-off record" not in sign_off and 'id="sign-off-chain"' not in sign_off
    assert "You cannot sign off yet:" in sign_off
    assert "“Support ran a full incident cycle alone” is not met" in sign_off


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_sign_offs_stored_before_it_exactly_as_signing_does() -> None:
    from django.db.migrations.executor import MigrationExecutor

    app, other = factories.hypercare_application(), factories.hypercare_application()
    signed = {s.pk: s.chain_hash for s in [*_signed(app, times=2), *_signed(other)]}
    executor = MigrationExecutor(connection)
    executor.migrate([("readiness", "0014_input_bounds")])  # the chain columns gone, the rows kept
    executor.loader.build_graph()
    # On PostgreSQL the forward run fills the columns past the immutability trigger and switches it back on.
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(SignOff.objects.values_list("pk", "chain_hash")) == signed
    assert signoff_chain_verify(app).intact and signoff_chain_verify(other).intact
    assert Hypercare.objects.get(application=app).signoff_count == 2
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError, match="readiness_signoff_immutable"), transaction.atomic():
            SignOff.objects.filter(application=app).update(statement="rewritten")


def test_grant_runtime_role_on_sqlite_explains_there_are_no_roles() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's answer")
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("grant_runtime_role", RUNTIME_ROLE)


# --- PostgreSQL: the runtime role ----------------------------------------------------------------


def _runtime_connection():
    """A second connection to the test database, as the runtime role (trust auth on 127.0.0.1)."""
    db = connection.settings_dict
    runtime = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, dbname=db["NAME"], user=RUNTIME_ROLE
    )
    with runtime.cursor() as cursor:
        # A refusal must come at once, never after waiting on a lock the test holds.
        cursor.execute("SET lock_timeout = '2s'")
    runtime.commit()
    return runtime


def _refused(runtime, statement: str, params: list | None = None) -> str:
    with pytest.raises((errors.InsufficientPrivilege, psycopg2.ProgrammingError)) as refused:
        with runtime.cursor() as cursor:
            cursor.execute(statement, params or [])
    runtime.rollback()
    return str(refused.value)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_can_add_a_sign_off_but_never_change_or_remove_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') "
            f"THEN CREATE ROLE {RUNTIME_ROLE} LOGIN; END IF; END $$"
        )
    out = StringIO()
    call_command("grant_runtime_role", RUNTIME_ROLE, stdout=out)
    call_command("grant_runtime_role", RUNTIME_ROLE, stdout=out)  # idempotent: a second run changes nothing
    said = f"{RUNTIME_ROLE}: reads and writes every table; only SELECT and INSERT on readiness_signoff."
    assert said in out.getvalue()
    app = factories.hypercare_application()
    first, second = _signed(app, times=2)

    runtime = _runtime_connection()
    try:
        with runtime.cursor() as cursor:
            cursor.execute("SELECT sequence, chain_hash FROM readiness_signoff WHERE application_id = %s "
                           "ORDER BY sequence", [app.pk])
            assert cursor.fetchall() == [(1, first.chain_hash), (2, second.chain_hash)]
        assert "permission denied" in _refused(runtime, "UPDATE readiness_signoff SET statement = 'x'")
        assert "permission denied" in _refused(runtime, "DELETE FROM readiness_signoff")
        assert "permission denied" in _refused(runtime, "TRUNCATE readiness_signoff CASCADE")
        assert "must be owner" in _refused(runtime, "ALTER TABLE readiness_signoff DISABLE TRIGGER ALL")
        assert "must be owner" in _refused(
            runtime, "ALTER TABLE readiness_signoff DISABLE TRIGGER readiness_signoff_immutable")
        assert "must be owner" in _refused(runtime, "ALTER TABLE readiness_signoff ADD COLUMN note text")
        assert "must be owner" in _refused(runtime, "DROP TABLE readiness_signoff CASCADE")
        assert "permission denied" in _refused(runtime, "INSERT INTO django_migrations (app, name, applied) "
                                               "VALUES ('readiness', 'x', now())")
        # What a sign-off writes is allowed: a new row (the sequence's nextval) and the hypercare head.
        with runtime.cursor() as cursor:
            cursor.execute(
                "INSERT INTO readiness_signoff (application_id, signed_by_id, signed_at, statement, snapshot, "
                "fingerprint, sequence, previous_hash, chain_hash) SELECT application_id, signed_by_id, now(), "
                "'', snapshot, fingerprint, 3, chain_hash, 'h' FROM readiness_signoff WHERE id = %s RETURNING id",
                [second.pk],
            )
            assert cursor.fetchone()[0] > second.pk
            cursor.execute("UPDATE readiness_hypercare SET signoff_count = 3 WHERE application_id = %s", [app.pk])
            assert cursor.rowcount == 1
        runtime.rollback()
    finally:
        runtime.close()

    assert signoff_chain_verify(app).intact
    _as_owner("DELETE FROM readiness_signoff WHERE id = %s", [first.pk])
    report, error = _verify_output()
    assert f"{app.name} ({app.slug}): BROKEN: sign-off 1 missing" in report
    assert error == "1 sign-off chain is broken."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_grant_runtime_role_refuses_a_superuser_or_a_missing_role() -> None:
    with pytest.raises(CommandError, match="is a superuser"):
        call_command("grant_runtime_role", connection.settings_dict["USER"])
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_runtime_role", "handoff_no_such_role")


def test_the_admin_shows_the_chain_head_but_offers_no_field_to_edit_it(admin_client) -> None:
    app = factories.hypercare_application()
    _signed(app)
    hypercare = Hypercare.objects.get(application=app)
    page = admin_client.get(reverse("admin:readiness_hypercare_change", args=[hypercare.pk])).content.decode()
    assert hypercare.signoff_head in page
    assert 'name="signoff_count"' not in page and 'name="signoff_head"' not in page
