"""No two current versions of one (key, division, urban_rural) with overlapping validity (PostgreSQL).

An exclusion constraint over ``daterange(valid_from, valid_to, '[)')``; equality on the other columns
needs ``btree_gist`` (a trusted extension since PostgreSQL 13: the database owner may create it).
SQLite has no such constraint; there the service (rules.plan_chain) is the only guard.
"""

from django.db import migrations

CONSTRAINT = "policy_parameter_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE policy_parameter ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "key WITH =, division_id WITH =, urban_rural WITH =, "
        "daterange(valid_from, valid_to, '[)') WITH &&) WHERE (superseded_at IS NULL)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE policy_parameter DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_programmes")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
