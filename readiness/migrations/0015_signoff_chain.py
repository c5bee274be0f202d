"""Sign-offs numbered per application and chained by hash; the chain head kept on the hypercare row.

Sign-offs already stored get their number and hashes here, oldest first. On PostgreSQL the
`readiness_signoff_immutable` trigger refuses every UPDATE, so this migration, running as the
table's owner, disables that one trigger for the few statements that fill the new columns and
enables it again in the same transaction: the table is locked meanwhile, so no other client
ever sees the trigger off. Letting the trigger accept "NULL to a value, once" instead would
leave a permanent hole for any client to fill in a chain of its own choosing.
"""

from django.db import migrations, models

import readiness.validators
from readiness.signoffs import signoff_chain_hash


def chain_existing(apps, schema_editor):
    SignOff = apps.get_model("readiness", "SignOff")
    Hypercare = apps.get_model("readiness", "Hypercare")
    rows = list(SignOff.objects.order_by("application_id", "signed_at", "pk"))
    if not rows:
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE readiness_signoff DISABLE TRIGGER readiness_signoff_immutable")
    heads: dict[int, tuple[int, str]] = {}
    for row in rows:
        sequence, previous_hash = heads.get(row.application_id, (0, ""))
        row.sequence = sequence + 1
        row.previous_hash = previous_hash
        row.chain_hash = signoff_chain_hash(previous_hash, row)
        SignOff.objects.filter(pk=row.pk).update(
            sequence=row.sequence, previous_hash=row.previous_hash, chain_hash=row.chain_hash
        )
        heads[row.application_id] = (row.sequence, row.chain_hash)
    for application_id, (count, head) in heads.items():
        Hypercare.objects.filter(application_id=application_id).update(signoff_count=count, signoff_head=head)
    if postgres:
        # Deferred foreign-key checks still pending would make the ALTER TABLEs below refuse to run.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE readiness_signoff ENABLE TRIGGER readiness_signoff_immutable")


class Migration(migrations.Migration):
    # Renumbered by the coordinator from 0013 to 0015 (after 0014_input_bounds) to keep one leaf.
    dependencies = [("readiness", "0014_input_bounds")]

    operations = [
        migrations.AddField(
            model_name="historicalhypercare",
            name="signoff_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historicalhypercare",
            name="signoff_head",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="hypercare",
            name="signoff_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="hypercare",
            name="signoff_head",
            field=models.CharField(blank=True, max_length=64, validators=[readiness.validators.validate_single_line]),
        ),
        migrations.AddField(
            model_name="signoff",
            name="sequence",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="signoff",
            name="previous_hash",
            field=models.CharField(blank=True, max_length=64, validators=[readiness.validators.validate_single_line]),
        ),
        migrations.AddField(
            model_name="signoff",
            name="chain_hash",
            field=models.CharField(default="", max_length=64, validators=[readiness.validators.validate_single_line]),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="signoff",
            name="sequence",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="signoff",
            constraint=models.UniqueConstraint(
                fields=("application", "sequence"), name="readiness_signoff_one_per_sequence"
            ),
        ),
        migrations.AddConstraint(
            model_name="signoff",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("previous_hash", ""), ("sequence", 1)),
                    models.Q(("sequence__gt", 1), models.Q(("previous_hash", ""), _negated=True)),
                    _connector="OR",
                ),
                name="readiness_signoff_first_has_no_previous",
            ),
        ),
    ]
