"""`manage.py grant_runtime_role <role>`: the privileges of the role the web and worker connect as.

Run by the owner role (the one that runs migrations) after every `migrate`, so tables added by
a migration are granted too; running it again changes nothing. The runtime role reads and
writes every table except that it may only read and add hypercare sign-offs: no UPDATE,
DELETE or TRUNCATE there, and since it owns nothing it cannot ALTER the table or disable its
immutability trigger. readiness/signoffs.py explains what that leaves to `verify_signoffs`.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg2 import sql

from readiness.models import SignOff

# The migration record: the runtime role reads it (Django checks for unapplied migrations) but never writes it.
READ_ONLY_TABLES = ("django_migrations",)


class Command(BaseCommand):
    help = "Grant the runtime database role its privileges: everything but changing or removing a sign-off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The role web, worker and beat connect as, e.g. handoff_app.")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="Create the role (LOGIN) if it does not exist, with the password in this environment variable, "
            "or set that password if it does.",
        )

    def handle(self, *args: Any, role: str, password_env: str | None = None, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only; SQLite has no runtime role to grant.")
        with transaction.atomic(), connection.cursor() as cursor:
            if password_env:
                self._create_or_set_password(cursor, role, password_env)
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"Role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD '…' first, "
                                   "or pass --password-env.")
            if found[0]:
                raise CommandError(f"Role {role!r} is a superuser: no privilege can be taken from it.")
            signoff_table = SignOff._meta.db_table
            # A member of the owner role acts as the owner: it could drop the trigger.
            cursor.execute("SELECT pg_has_role(%s, tableowner, 'MEMBER') FROM pg_tables WHERE tablename = %s",
                           [role, signoff_table])
            if cursor.fetchone()[0]:
                raise CommandError(f"Role {role!r} owns the tables (or is a member of their owner): "
                                   "run migrations as the owner and the web as a role of its own.")
            for statement in self._statements(cursor, role, signoff_table):
                cursor.execute(statement)
        self.stdout.write(f"{role}: reads and writes every table; only SELECT and INSERT on {signoff_table}.")

    def _create_or_set_password(self, cursor: Any, role: str, variable: str) -> None:
        password = os.environ.get(variable, "")
        if not password:
            raise CommandError(f"The environment variable {variable} is empty: set it to the runtime role's password.")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        cursor.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))

    def _statements(self, cursor: Any, role: str, signoff_table: str) -> list[sql.Composed]:
        cursor.execute("SELECT current_database(), current_schema(), pg_get_serial_sequence(%s, 'id')", [signoff_table])
        database, schema, signoff_sequence = cursor.fetchone()
        who, where = sql.Identifier(role), sql.Identifier(schema)
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), who),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(where, who),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(where, who),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(where, who),
            # Whatever was granted by hand before, the sign-off table keeps only reading and adding.
            sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(sql.Identifier(signoff_table), who),
            sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(sql.Identifier(signoff_table), who),
        ]
        if signoff_sequence:
            # USAGE is what an INSERT's nextval needs; without UPDATE the sequence cannot be wound back.
            statements += [
                sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(sql.SQL(signoff_sequence), who),
                sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.SQL(signoff_sequence), who),
            ]
        for table in READ_ONLY_TABLES:
            statements += [
                sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(sql.Identifier(table), who),
                sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(sql.Identifier(table), who),
            ]
        return statements
