# Renames the alert "receiver" to the alert webhook, keeping its rows and their history: in a Django
# codebase "receiver" reads as a signal receiver. Written by hand, because the autodetector, seeing
# the constraints and related_name change too, would delete the model and create a new, empty one.

import datetime
import re

import django.db.models.deletion
from django.db import migrations, models

MOMENT_RANGE = (
    datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc),
    datetime.datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc),
)


def in_range(model, field):
    return models.CheckConstraint(
        condition=models.Q((f"{field}__isnull", True), (f"{field}__range", MOMENT_RANGE), _connector="OR"),
        name=f"readiness_{model}_{field}_in_range",
        violation_error_message="Enter a date between 1 Jan 2000 and 31 Dec 2100.",
    )


TABLES = ("readiness_alertwebhook", "readiness_historicalalertwebhook")


def _rename_names(schema_editor, rename):
    """A renamed table keeps the names of its keys, indexes and sequences: rename those that
    still say alertreceiver (or its cut form in a foreign key's name) as well."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "sqlite":  # no RENAME for an index: made again
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (%s, %s)",
                TABLES,
            )
            for name, sql in cursor.fetchall():
                if rename(name) != name:
                    cursor.execute(f"DROP INDEX {quote(name)}")
                    cursor.execute(sql.replace(quote(name), quote(rename(name)), 1))
            return
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [table])
            for (name,) in cursor.fetchall():
                if rename(name) != name:
                    cursor.execute(f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {quote(rename(name))}")
            # Indexes of their own (those of keys were renamed with their constraint), then sequences.
            cursor.execute(
                "SELECT c.relname, 'INDEX' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = %s::regclass"
                " UNION SELECT s.relname, 'SEQUENCE' FROM pg_depend d JOIN pg_class s ON s.oid = d.objid"
                " WHERE d.refobjid = %s::regclass AND s.relkind = 'S'",
                [table, table],
            )
            for name, kind in cursor.fetchall():
                if rename(name) != name:
                    cursor.execute(f"ALTER {kind} {quote(name)} RENAME TO {quote(rename(name))}")


def forwards(apps, schema_editor):
    _rename_names(schema_editor, lambda name: name.replace("alertreceiver", "alertwebhook").replace("alertrecei", "alertwebho"))


def backwards(apps, schema_editor):
    _rename_names(schema_editor, lambda name: re.sub("alertwebho(?!ok)", "alertrecei", name.replace("alertwebhook", "alertreceiver")))


class Migration(migrations.Migration):

    dependencies = [
        ('readiness', '0033_exercises_recorded_by_drill'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='alertreceiver', name='readiness_alertreceiver_rotated_at_in_range'),
        migrations.RemoveConstraint(model_name='alertreceiver', name='readiness_alertreceiver_last_received_at_in_range'),
        migrations.RenameModel(old_name='AlertReceiver', new_name='AlertWebhook'),
        migrations.RenameModel(old_name='HistoricalAlertReceiver', new_name='HistoricalAlertWebhook'),
        # Before the new check constraints, so that going back renames only what the database kept.
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AlterModelOptions(
            name='historicalalertwebhook',
            options={'get_latest_by': ('history_date', 'history_id'), 'ordering': ('-history_date', '-history_id'), 'verbose_name': 'historical alert webhook', 'verbose_name_plural': 'historical alert webhooks'},
        ),
        migrations.AlterField(
            model_name='alertwebhook',
            name='application',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='alert_webhook', to='readiness.application'),
        ),
        migrations.AddConstraint(model_name='alertwebhook', constraint=in_range('alertwebhook', 'rotated_at')),
        migrations.AddConstraint(model_name='alertwebhook', constraint=in_range('alertwebhook', 'last_received_at')),
    ]
