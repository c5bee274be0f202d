
import datetime
import django.core.validators
import django.db.models.deletion
import readiness.validators
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('readiness', '0026_person_reminders_by_chat'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalRunbookExercise',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('exercised_on', models.DateField(verbose_name='Exercised on')),
                ('participants', models.CharField(blank=True, help_text='Names or roles, e.g. Support and the ERP team. Needed when nobody above is picked.', max_length=200, verbose_name='Who took part')),
                ('how', models.CharField(choices=[('drill', 'In a drill'), ('incident', 'In a real incident'), ('walk_through', 'Walk-through')], max_length=20, verbose_name='How')),
                ('outcome', models.CharField(choices=[('worked', 'Worked as written'), ('changed', 'Worked with changes'), ('failed', 'Failed')], max_length=20)),
                ('what_happened', models.TextField(help_text='What was done and what was seen.', verbose_name='What happened')),
                ('changes_made', models.TextField(blank=True, help_text='Needed when it worked with changes.', verbose_name='What changed in the runbook')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical runbook exercise',
                'verbose_name_plural': 'historical runbook exercises',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='RunbookExercise',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('exercised_on', models.DateField(validators=[readiness.validators.validate_date_in_range], verbose_name='Exercised on')),
                ('participants', models.CharField(blank=True, help_text='Names or roles, e.g. Support and the ERP team. Needed when nobody above is picked.', max_length=200, validators=[readiness.validators.validate_single_line], verbose_name='Who took part')),
                ('how', models.CharField(choices=[('drill', 'In a drill'), ('incident', 'In a real incident'), ('walk_through', 'Walk-through')], max_length=20, validators=[readiness.validators.validate_single_line], verbose_name='How')),
                ('outcome', models.CharField(choices=[('worked', 'Worked as written'), ('changed', 'Worked with changes'), ('failed', 'Failed')], max_length=20, validators=[readiness.validators.validate_single_line])),
                ('what_happened', models.TextField(help_text='What was done and what was seen.', validators=[django.core.validators.ProhibitNullCharactersValidator(), django.core.validators.MaxLengthValidator(10000)], verbose_name='What happened')),
                ('changes_made', models.TextField(blank=True, help_text='Needed when it worked with changes.', validators=[django.core.validators.ProhibitNullCharactersValidator(), django.core.validators.MaxLengthValidator(10000)], verbose_name='What changed in the runbook')),
                ('created_at', models.DateTimeField(auto_now_add=True, validators=[readiness.validators.validate_moment_in_range])),
            ],
            options={
                'ordering': ['-exercised_on', '-pk'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='runbook',
            name='readiness_runbook_last_exercised_on_in_range',
        ),
        # The bare dates typed in before exercises were recorded are not evidence (nobody said who,
        # how or what happened), so they are not turned into exercises: the column is renamed and
        # kept, so each runbook still shows the date as "marked exercised (no evidence)", and the
        # runbook gate, which now counts RunbookExercise rows only, ignores it. A critical runbook
        # with only such a date asks for an exercise to be recorded.
        migrations.RenameField(
            model_name='runbook', old_name='last_exercised_on', new_name='exercised_without_evidence_on',
        ),
        migrations.RenameField(
            model_name='historicalrunbook', old_name='last_exercised_on', new_name='exercised_without_evidence_on',
        ),
        migrations.AlterField(
            model_name='historicalrunbook',
            name='exercised_without_evidence_on',
            field=models.DateField(blank=True, editable=False, help_text='A date recorded without who, how or what happened; the runbook gate does not count it.', null=True, verbose_name='Marked exercised (no evidence)'),
        ),
        migrations.AlterField(
            model_name='runbook',
            name='exercised_without_evidence_on',
            field=models.DateField(blank=True, editable=False, help_text='A date recorded without who, how or what happened; the runbook gate does not count it.', null=True, validators=[readiness.validators.validate_date_in_range], verbose_name='Marked exercised (no evidence)'),
        ),
        migrations.AddConstraint(
            model_name='runbook',
            constraint=models.CheckConstraint(condition=models.Q(('exercised_without_evidence_on__isnull', True), ('exercised_without_evidence_on__range', (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='readiness_runbook_exercised_without_evidence_on_in_range', violation_error_message='Enter a date between 1 Jan 2000 and 31 Dec 2100.'),
        ),
        migrations.AddField(
            model_name='historicalrunbookexercise',
            name='drill',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The drill it was used in, when it was a drill.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='readiness.drill'),
        ),
        migrations.AddField(
            model_name='historicalrunbookexercise',
            name='escalation',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The incident it was used in, when it was logged.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='readiness.escalation', verbose_name='Escalation-log entry'),
        ),
        migrations.AddField(
            model_name='historicalrunbookexercise',
            name='exercised_by',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The person who followed the runbook.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='readiness.person', verbose_name='Led by'),
        ),
        migrations.AddField(
            model_name='historicalrunbookexercise',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalrunbookexercise',
            name='runbook',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='readiness.runbook'),
        ),
        migrations.AddField(
            model_name='runbookexercise',
            name='drill',
            field=models.ForeignKey(blank=True, help_text='The drill it was used in, when it was a drill.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='exercises', to='readiness.drill'),
        ),
        migrations.AddField(
            model_name='runbookexercise',
            name='escalation',
            field=models.ForeignKey(blank=True, help_text='The incident it was used in, when it was logged.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='runbook_exercises', to='readiness.escalation', verbose_name='Escalation-log entry'),
        ),
        migrations.AddField(
            model_name='runbookexercise',
            name='exercised_by',
            field=models.ForeignKey(blank=True, help_text='The person who followed the runbook.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='runbook_exercises', to='readiness.person', verbose_name='Led by'),
        ),
        migrations.AddField(
            model_name='runbookexercise',
            name='runbook',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exercises', to='readiness.runbook'),
        ),
        migrations.AddIndex(
            model_name='runbookexercise',
            index=models.Index(fields=['runbook', '-exercised_on'], name='readiness_runbookex_latest'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('exercised_on__isnull', True), ('exercised_on__range', (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='readiness_runbookexercise_exercised_on_in_range', violation_error_message='Enter a date between 1 Jan 2000 and 31 Dec 2100.'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('exercised_by__isnull', False), models.Q(('participants', ''), _negated=True), _connector='OR'), name='readiness_runbookexercise_who_named'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('how__in', ['drill', 'incident', 'walk_through'])), name='readiness_runbookexercise_how_valid'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('outcome__in', ['worked', 'changed', 'failed'])), name='readiness_runbookexercise_outcome_valid'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('what_happened', ''), _negated=True), name='readiness_runbookexercise_what_happened_given'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'changed'), _negated=True), models.Q(('changes_made', ''), _negated=True), _connector='OR'), name='readiness_runbookexercise_changes_when_changed'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('drill__isnull', True), ('how', 'drill'), _connector='OR'), name='readiness_runbookexercise_drill_only_for_drills'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.CheckConstraint(condition=models.Q(('escalation__isnull', True), ('how', 'incident'), _connector='OR'), name='readiness_runbookexercise_escalation_only_for_incidents'),
        ),
        migrations.AddConstraint(
            model_name='runbookexercise',
            constraint=models.UniqueConstraint(fields=('runbook', 'drill'), name='readiness_runbookexercise_one_per_drill'),
        ),
    ]
