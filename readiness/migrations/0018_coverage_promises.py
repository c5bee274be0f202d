# Coverage as the team promises it: promised hours on levels (and extended-hours coverage),
# several working windows a day and windows past midnight, a public-holiday region per person,
# a team's region as its people's default, organisation closure days (a Leave row per person
# marks each).
# Existing windows stay as they are (one a day, ending after they start); existing people get
# the region their Australian timezone names (Melbourne keeps Victoria's holidays), others none.

import datetime
import django.db.models.deletion
import readiness.public_holidays
import readiness.validators
from django.db import migrations, models


# An Australian city's timezone names its state; other zones span several regions.
REGION_OF_TIMEZONE = {
    "Australia/Melbourne": "AU-VIC",
    "Australia/Sydney": "AU-NSW",
    "Australia/Brisbane": "AU-QLD",
    "Australia/Adelaide": "AU-SA",
    "Australia/Perth": "AU-WA",
    "Australia/Hobart": "AU-TAS",
    "Australia/Darwin": "AU-NT",
    "Australia/Canberra": "AU-ACT",
}


def regions_from_timezones(apps, schema_editor):
    Person = apps.get_model("readiness", "Person")
    for zone, region in REGION_OF_TIMEZONE.items():
        Person.objects.filter(timezone=zone, region="").update(region=region)


class Migration(migrations.Migration):

    dependencies = [
        ('readiness', '0017_matching_synonyms'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='workinghours',
            options={'ordering': ['person_id', 'weekday', 'starts_at'], 'verbose_name_plural': 'working hours'},
        ),
        migrations.RemoveConstraint(
            model_name='workinghours',
            name='readiness_workinghours_one_per_day',
        ),
        migrations.RemoveConstraint(
            model_name='workinghours',
            name='readiness_workinghours_ends_after_start',
        ),
        migrations.AddField(
            model_name='escalationlevel',
            name='promised_from',
            field=models.TimeField(default=datetime.time(9, 0), verbose_name='Promised from'),
        ),
        migrations.AddField(
            model_name='escalationlevel',
            name='promised_until',
            field=models.TimeField(default=datetime.time(17, 0), help_text='23:59 for midnight.', verbose_name='Promised until'),
        ),
        migrations.AddField(
            model_name='historicalescalationlevel',
            name='promised_from',
            field=models.TimeField(default=datetime.time(9, 0), verbose_name='Promised from'),
        ),
        migrations.AddField(
            model_name='historicalescalationlevel',
            name='promised_until',
            field=models.TimeField(default=datetime.time(17, 0), help_text='23:59 for midnight.', verbose_name='Promised until'),
        ),
        migrations.AddField(
            model_name='historicalperson',
            name='region',
            field=models.CharField(blank=True, help_text='Country and state whose public holidays they keep, e.g. AU-VIC, AU-NSW, IN-KA; empty for none.', max_length=20, validators=[readiness.public_holidays.validate_region], verbose_name='public holidays'),
        ),
        migrations.AddField(
            model_name='person',
            name='region',
            field=models.CharField(blank=True, help_text='Country and state whose public holidays they keep, e.g. AU-VIC, AU-NSW, IN-KA; empty for none.', max_length=20, validators=[readiness.public_holidays.validate_region, readiness.validators.validate_single_line], verbose_name='public holidays'),
        ),
        migrations.AlterField(
            model_name='escalationlevel',
            name='coverage',
            field=models.CharField(choices=[('business_hours', 'Business hours only (Monday to Friday)'), ('extended', 'Extended hours (every day)'), ('after_hours', 'Business hours, plus after-hours cover'), ('24x7', '24×7')], default='business_hours', max_length=20, validators=[readiness.validators.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='historicalescalationlevel',
            name='coverage',
            field=models.CharField(choices=[('business_hours', 'Business hours only (Monday to Friday)'), ('extended', 'Extended hours (every day)'), ('after_hours', 'Business hours, plus after-hours cover'), ('24x7', '24×7')], default='business_hours', max_length=20),
        ),
        migrations.AddConstraint(
            model_name='escalationlevel',
            constraint=models.CheckConstraint(condition=models.Q(('promised_until__gt', models.F('promised_from'))), name='readiness_level_promised_hours_order'),
        ),
        migrations.AddConstraint(
            model_name='workinghours',
            constraint=models.CheckConstraint(condition=models.Q(('ends_at', models.F('starts_at')), _negated=True), name='readiness_workinghours_not_empty'),
        ),
        migrations.CreateModel(
            name='ClosureDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True, validators=[readiness.validators.validate_date_in_range])),
                ('name', models.CharField(help_text='e.g. Christmas shutdown', max_length=100, validators=[readiness.validators.validate_single_line])),
            ],
            options={
                'ordering': ['day'],
            },
        ),
        migrations.AddField(
            model_name='leave',
            name='closure',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='leaves', to='readiness.closureday'),
        ),
        migrations.AddField(
            model_name='historicalteam',
            name='region',
            field=models.CharField(blank=True, help_text='Whose public holidays its people keep unless their own says otherwise, e.g. AU-NSW, IN-KA.', max_length=20, validators=[readiness.public_holidays.validate_region], verbose_name='public holidays'),
        ),
        migrations.AddField(
            model_name='team',
            name='region',
            field=models.CharField(blank=True, help_text='Whose public holidays its people keep unless their own says otherwise, e.g. AU-NSW, IN-KA.', max_length=20, validators=[readiness.public_holidays.validate_region, readiness.validators.validate_single_line], verbose_name='public holidays'),
        ),
        migrations.RunPython(regions_from_timezones, migrations.RunPython.noop),
    ]
