# Which exercises a drill owns: those its form recorded (drill_save), which it moves, rewrites
# and removes with each edit; one recorded by hand and linked to the drill is never touched.
# Existing rows carry no mark, so a drill-linked exercise is the drill's when it reads exactly as
# drill_save writes it (nobody picked as leading it, the drill's findings or its "Followed in the
# drill" line as what happened); any other is kept as recorded by hand.

from django.db import migrations, models


def mark_drill_recorded(apps, schema_editor):
    RunbookExercise = apps.get_model("readiness", "RunbookExercise")
    rows = RunbookExercise.objects.filter(drill__isnull=False, exercised_by__isnull=True).select_related("drill")
    for exercise in rows.iterator():
        drill = exercise.drill
        if exercise.what_happened in (drill.findings.strip(), f"Followed in the drill “{drill.title}”."):
            RunbookExercise.objects.filter(pk=exercise.pk).update(recorded_by_drill=True)


class Migration(migrations.Migration):

    dependencies = [
        ("readiness", "0032_alert_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalrunbookexercise",
            name="recorded_by_drill",
            field=models.BooleanField(default=False, editable=False, verbose_name="Recorded from the drill's form"),
        ),
        migrations.AddField(
            model_name="runbookexercise",
            name="recorded_by_drill",
            field=models.BooleanField(default=False, editable=False, verbose_name="Recorded from the drill's form"),
        ),
        migrations.AddConstraint(
            model_name="runbookexercise",
            constraint=models.CheckConstraint(
                condition=models.Q(("recorded_by_drill", False), ("drill__isnull", False), _connector="OR"),
                name="readiness_runbookexercise_drill_recorded_names_drill",
            ),
        ),
        # Last: rows updated before an ALTER TABLE in one transaction can block it on PostgreSQL.
        migrations.RunPython(mark_drill_recorded, migrations.RunPython.noop),
    ]
