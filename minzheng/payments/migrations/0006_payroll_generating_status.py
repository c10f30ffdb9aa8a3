"""Issue 21: a payroll is "generating" while a first generation writes its regular lines in two parts on
two connections at once (``services.payroll_generate``, ADR 0007): each part commits on its own, so the
payroll is visible before it is complete. In that state no one sees its lines, it cannot be submitted, and
the next generation regenerates it (a stopped run leaves no duplicate and no gap). A choice only: no
change to the table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_line_failed_by_reason_hot_import")]

    operations = [
        migrations.AlterField(
            model_name="payroll",
            name="status",
            field=models.CharField(
                choices=[
                    ("generating", "生成中"),
                    ("draft", "草稿"),
                    ("submitted", "已提交待审核"),
                    ("approved", "已审核（锁定）"),
                ],
                default="draft",
                max_length=10,
                verbose_name="状态",
            ),
        ),
    ]
