# Synonym groups per application for symptom matching (readiness.matching, readiness.synonyms).

import django.core.validators
from django.db import migrations, models

HELP_TEXT = (
    "Phrases that mean the same when someone describes a problem, one group per line, separated by "
    "commas or “=”, e.g. “not showing up = not syncing = missing”. Empty: a default list is used."
)


class Migration(migrations.Migration):
    dependencies = [("readiness", "0016_lookup_directory")]

    operations = [
        migrations.AddField(
            model_name="application",
            name="synonyms",
            field=models.TextField(
                blank=True,
                help_text=HELP_TEXT,
                validators=[
                    django.core.validators.ProhibitNullCharactersValidator(),
                    django.core.validators.MaxLengthValidator(10000),
                ],
            ),
        ),
        migrations.AddField(
            model_name="historicalapplication",
            name="synonyms",
            field=models.TextField(blank=True, help_text=HELP_TEXT),
        ),
    ]
