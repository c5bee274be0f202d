from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("readiness", "0018_coverage_promises")]

    operations = [
        migrations.AddField(
            model_name="readinesssnapshot",
            name="misses_go_live",
            field=models.BooleanField(blank=True, null=True),
        ),
    ]
