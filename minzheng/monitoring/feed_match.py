"""Matching a delivery's rows to registry persons by the ID number's blind index (issue 21): the distinct
blind indexes are sent to PostgreSQL, joined with the persons' unique index there, and the (id_index,
person_id) pairs read back as Arrow — no Python object per row.

The lookup is a read of committed persons, so it runs on a connection of its own, in a thread, while DuckDB
hashes the rows' natural keys (``feed_stage``): the two overlap instead of following each other, and the
loading transaction's backend only writes the rows (bench/speed-monitoring.md, session 13). A person
registered between that read and the delivery's commit stays unmatched until ``feed_records_match``, which
runs before every monitoring run — as with a lookup inside the loading transaction (READ COMMITTED), which
sees no person committed after its own statement either.
"""
# ruff: noqa: S608 - SQL from the model's table name; the values are COPY data

from __future__ import annotations

import io
import threading
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection

from minzheng.common.pgcopy import copy_out, csv_table
from minzheng.registry.models import Person

PAIRS_SCHEMA = pa.schema([("id_index", pa.string()), ("person_id", pa.int64())])
# the hash join of a region's persons stays in memory (docs/deployment.md §5a)
LOOKUP_WORK_MEM = "SET work_mem = '256MB'"


def pairs_fetch(raw: Any, ids: pa.Table) -> pa.Table:
    """The (id_index, person_id) pairs of the registered persons among ``ids`` (a column ``id_index``), on
    the psycopg connection ``raw`` (a temporary table: the caller's transaction, or autocommit)."""
    with raw.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS feed_ids")
        cursor.execute("CREATE TEMP TABLE feed_ids (id_index varchar(64))")
        buffer = io.BytesIO()
        pacsv.write_csv(ids.select(["id_index"]), buffer, pacsv.WriteOptions(include_header=False))
        with cursor.copy("COPY feed_ids (id_index) FROM STDIN (FORMAT CSV)") as copy:
            copy.write(buffer.getbuffer())
        cursor.execute("ANALYZE feed_ids")  # the planner's row count for the join
    data = copy_out(
        raw,
        f"COPY (SELECT i.id_index, p.id FROM feed_ids i JOIN {Person._meta.db_table} p "
        f"ON p.id_number_index = i.id_index) TO STDOUT (FORMAT CSV)",
    )
    raw.execute("DROP TABLE feed_ids")
    return csv_table(data, PAIRS_SCHEMA) if data.getbuffer().nbytes else PAIRS_SCHEMA.empty_table()


class PersonLookup:
    """``pairs_fetch`` on a new connection in a thread for each ``start`` (``stage_build``'s ``ids_ready``:
    the canonical ID numbers first, those typed cell by cell after), the pairs collected by ``pairs``. Inside
    a transaction (whose uncommitted persons another connection would not see) and on SQLite it does
    nothing: ``pairs`` is None and the caller looks the persons up on its own connection."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._pairs: list[pa.Table] = []
        self._errors: list[BaseException] = []

    def start(self, ids: pa.Table) -> None:
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        params = connection.get_connection_params()
        thread = threading.Thread(target=self._run, args=(params, ids), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self, params: dict[str, Any], ids: pa.Table) -> None:
        import psycopg

        try:
            with psycopg.connect(**params, autocommit=True) as raw:
                raw.execute(LOOKUP_WORK_MEM)  # this connection's own: it closes after the one join
                self._pairs.append(pairs_fetch(raw, ids))
        except BaseException as error:  # noqa: BLE001 - raised again by ``pairs`` in the caller's thread
            self._errors.append(error)

    @property
    def started(self) -> bool:
        return bool(self._threads)

    def pairs(self) -> pa.Table | None:
        """The pairs (waiting for the lookups), or None when none was started; a lookup's error raised."""
        if not self._threads:
            return None
        self.close()
        if self._errors:
            raise self._errors[0]
        return pa.concat_tables(self._pairs) if self._pairs else PAIRS_SCHEMA.empty_table()

    def close(self) -> None:
        """Wait for the lookups (their pairs may not be wanted: a rejected delivery, an error)."""
        for thread in self._threads:
            thread.join()
