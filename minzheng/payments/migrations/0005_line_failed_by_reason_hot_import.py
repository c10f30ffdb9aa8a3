"""Issue 21: the bank result import's bulk UPDATE (every pending line of a payroll → paid) becomes a HOT
update — a new version of the line on its own page and no index entry — instead of a new version elsewhere
plus an entry in each of the lines' 5 full indexes: 393,000 lines 6.4–7.4 s → 1.29 s of backend CPU and
WAL 653–770 MB → 167 MB (bench/speed-payments.md, sessions 10 and 11). HOT needs both:

1. **No index naming a column that UPDATE changes** (``payment_status``, ``settled_on``; PostgreSQL counts
   key, expression and predicate columns). ``line_failed`` (on ``payment_status`` WHERE it is 'failed')
   gives way to ``line_bank_reason`` (on ``payroll`` WHERE ``bank_reason <> ''``): the retry statement
   still reads only the failed lines, now through a column set only for the few lines the bank failed or
   noted. A failed line always has a reason (CHECK ``payroll_line_failed_has_reason``; the import writes
   ``rules.FAILED_WITHOUT_REASON`` when the bank gave none, and the existing failed lines without one get it
   here), so none is missed. Chosen over an insert-only table of failed lines: one index and one constraint,
   "failed" stays the column every reader and writer already uses, and nothing to keep in step.
2. **Room on the page for the second version**: fillfactor 50 (PostgreSQL only). It applies to pages
   written from now on; pages already full stay full (no rewrite here: ``VACUUM FULL`` would lock the table).
   That only matters for a payroll generated before this migration and imported after it — its import is
   the old speed, once; the lines of past months are never bulk-updated again. docs/deployment.md.
"""

from django.db import migrations, models

FAILED_WITHOUT_REASON = "银行未注明原因"  # rules.FAILED_WITHOUT_REASON when written


def reasons_fill(apps, schema_editor):
    line = apps.get_model("payments", "PayrollLine")
    line.objects.filter(payment_status="failed", bank_reason="").update(bank_reason=FAILED_WITHOUT_REASON)


def fillfactor_set(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE payments_payrollline SET (fillfactor = 50)")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE payments_payrollline RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0004_line_keys_without_triggers'),
    ]

    operations = [
        migrations.RunPython(reasons_fill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='payrollline',
            name='line_failed',
        ),
        migrations.AddIndex(
            model_name='payrollline',
            index=models.Index(condition=models.Q(('bank_reason', ''), _negated=True), fields=['payroll'], name='line_bank_reason'),
        ),
        migrations.AddConstraint(
            model_name='payrollline',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('payment_status', 'failed'), _negated=True), models.Q(('bank_reason', ''), _negated=True), _connector='OR'), name='payroll_line_failed_has_reason'),
        ),
        migrations.RunPython(fillfactor_set, fillfactor_reset),
    ]
