"""On PostgreSQL the database itself refuses UPDATE and DELETE of a hypercare sign-off.

SQLite keeps only the model-level refusal: Django's test flush empties tables with DELETE
there, which a trigger would block. PostgreSQL flushes with TRUNCATE, which row triggers
do not see.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION readiness_signoff_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'readiness_signoff_immutable: a hypercare sign-off is never updated or deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER readiness_signoff_immutable
BEFORE UPDATE OR DELETE ON readiness_signoff
FOR EACH ROW EXECUTE FUNCTION readiness_signoff_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS readiness_signoff_immutable ON readiness_signoff;
DROP FUNCTION IF EXISTS readiness_signoff_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("readiness", "0004_hypercare_models")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
