"""Issue 21: the feed records keep only the indexes something reads, in their cheapest form — every imported row
pays each of them (bench/speed-monitoring.md, session 12: a plain binary ``COPY`` of the 600,600 bench rows
into the emptied table 4.0–4.75 → ≈ 3.2 backend CPU-seconds).

* ``batch``'s full index and the partial blind-index one give way to one partial index on (batch,
  row_number) of the unmatched rows: ``feed_batch_unmatched`` reads a batch's unmatched rows in row order,
  and ``feed_records_match`` walks the same few rows into the persons' unique blind index (no reader
  looks up matched records by batch, nor unmatched ones by blind index from the records' side).
* (feed, event_date) — a btree filled at random places by every delivery — becomes a BRIN index on
  ``event_date`` (PostgreSQL only): the monitoring run's windows read months of records, which arrive
  month by month, so block ranges are what those reads need.
* ``feed`` and ``natural_key`` take the "C" collation (PostgreSQL only): they are compared only for
  equality (the unique key, ``feed = …``), and the databases' C.UTF-8 is not C to PostgreSQL 15 — every
  comparison in the unique index went through ``strcoll``. Changing a column's collation rebuilds the
  indexes on it (the unique key): minutes at tens of millions of records, under a table lock.
"""

from django.db import migrations, models

TABLE = "monitoring_feedrecord"


def postgres_only(forward: str, backward: str):
    def run(sql):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)

        return operation

    return migrations.RunPython(run(forward), run(backward))


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0007_alert_references_without_triggers'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='feedrecord',
            name='feed_record_feed_date',
        ),
        migrations.RemoveIndex(
            model_name='feedrecord',
            name='feed_record_unmatched_index',
        ),
        migrations.AlterField(
            model_name='feedrecord',
            name='batch',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=models.deletion.PROTECT, related_name='records', to='monitoring.feedbatch'),
        ),
        migrations.AddIndex(
            model_name='feedrecord',
            index=models.Index(condition=models.Q(('person__isnull', True)), fields=['batch', 'row_number'], name='feed_record_batch_unmatched'),
        ),
        postgres_only(
            f"CREATE INDEX feed_record_event_date_brin ON {TABLE} USING brin (event_date)",
            "DROP INDEX feed_record_event_date_brin",
        ),
        postgres_only(
            f'ALTER TABLE {TABLE} ALTER COLUMN feed TYPE varchar(40) COLLATE "C", '
            'ALTER COLUMN natural_key TYPE varchar(64) COLLATE "C"',
            f'ALTER TABLE {TABLE} ALTER COLUMN feed TYPE varchar(40) COLLATE "default", '
            'ALTER COLUMN natural_key TYPE varchar(64) COLLATE "default"',
        ),
    ]
