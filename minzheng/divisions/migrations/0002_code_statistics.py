"""Full statistics on the division code (PostgreSQL).

Scoped lists filter on ``code LIKE '<prefix>%'``. With the default statistics target the planner
estimated 2 divisions for a county prefix that has 104, and at 1M people chose to walk and sort
all 38,202 households of the county (230 ms) instead of scanning the newest first (bench/README.md).
The table is small (~16,000 rows per province), so sampling all of it costs nothing.
"""

from django.db import migrations


def set_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE divisions_division ALTER COLUMN code SET STATISTICS 10000")


def reset_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE divisions_division ALTER COLUMN code SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("divisions", "0001_initial")]

    operations = [migrations.RunPython(set_statistics, reset_statistics)]
