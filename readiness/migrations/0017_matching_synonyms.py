from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("readiness", "0016_lookup_directory")]

    operations: list[migrations.operations.base.Operation] = []
