"""Payroll lines carry the payee snapshot (issue 16 §2, ADR 0022): the household head's name and the bank
account as the household stores it. Existing lines are back-filled from their household in one set-based
``UPDATE … FROM`` (PostgreSQL, and SQLite ≥ 3.33): the best record there is of where they were paid, since
their bank files were rendered from the household at the time."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    line = apps.get_model("payments", "PayrollLine")._meta.db_table
    household = apps.get_model("registry", "Household")._meta.db_table
    person = apps.get_model("registry", "Person")._meta.db_table
    schema_editor.execute(
        f"""UPDATE {line}
            SET payee_name = COALESCE(src.head_name, ''), bank_name = src.bank_name,
                bank_account_encrypted = src.bank_account_encrypted,
                bank_account_index = src.bank_account_index, bank_account_masked = src.bank_account_masked
            FROM (SELECT h.id, hp.name AS head_name, h.bank_name, h.bank_account_encrypted,
                         h.bank_account_index, h.bank_account_masked
                  FROM {household} h LEFT JOIN {person} hp ON hp.id = h.head_id) AS src
            WHERE src.id = {line}.household_id"""  # noqa: S608 - table names from the models
    )


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0001_initial'),
        ('registry', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='payrollline',
            name='bank_account_encrypted',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AddField(
            model_name='payrollline',
            name='bank_account_index',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='payrollline',
            name='bank_account_masked',
            field=models.CharField(blank=True, default='', max_length=40, verbose_name='银行账号'),
        ),
        migrations.AddField(
            model_name='payrollline',
            name='bank_name',
            field=models.CharField(blank=True, default='', max_length=60, verbose_name='开户银行'),
        ),
        migrations.AddField(
            model_name='payrollline',
            name='payee_name',
            field=models.CharField(blank=True, default='', max_length=50, verbose_name='收款户名'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
