"""Writing the demo population (``demo.registry.demo_population_seed``) into the registry tables.

PostgreSQL (issue 21, profile in bench/speed-seed-list.md): the rows of a chunk are rendered as COPY text
in Python (f-strings: about 2.5 times faster than psycopg's row adapter) by a second process and streamed
by one background thread while the main thread drafts the next chunk, so drafting, rendering and the
server's inserts run at the same time. Ids come from the tables' own sequences in runs of consecutive ids,
fetched a chunk ahead. The foreign
keys of the five tables are dropped for the load and added back at the end, where PostgreSQL checks each
with one set-based query instead of one deferred trigger per row and key (a quarter of the seeding time
before). Into an empty table (a freshly migrated database: the demo and the benchmarks) the rows go
without the indexes on values in random order (blind indexes, names, divisions), which are built afterwards
from the sorted rows instead of being updated one random insert at a time. SQLite gets ``executemany``
batches.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, Protocol, cast

from django.db import connection, models, transaction
from django.db.utils import DatabaseError, OperationalError

from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person

SEEDED_MODELS: tuple[type[models.Model], ...] = (Household, Person, Membership, IncomeRecord, AssetRecord)
# Ids fetched beyond a chunk's need (in chunks), so the next chunk rarely waits for a sequence fetch.
POOL_MARGIN = 1.25
# Sort memory of the index builds after a load into empty tables (this transaction only): the largest
# sort, one million 64-character blind indexes, then stays in memory instead of spilling to disk.
INDEX_BUILD_MEMORY = "1GB"
# (model, its columns in row order, the rows)
Table = tuple[type[models.Model], Sequence[str], list[tuple[Any, ...]]]


# a chunk's ids per table (``db_table``) as runs of consecutive ids, allocated in the drafting process
Ids = dict[str, list[range]]
# a chunk of drafts and its ids -> its rows, table by table (``demo.registry._RowBuilder.tables``): it draws
# nothing from the population's random stream, so it may run in the render process
TablesOf = Callable[[list[Any], Ids], list[Table]]
# (COPY statement, its data) per table of a chunk
Payload = list[tuple[str, bytes]]


class Writer(Protocol):
    def begin(self) -> None: ...

    def write(self, drafts: list[Any], need: dict[str, int]) -> None:
        """Write a chunk of drafts; ``need`` = its rows per table (the ids to allocate)."""

    def finish(self) -> None: ...

    def abort(self) -> None: ...


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """The drafts are millions of short-lived objects without reference cycles; the cyclic collector's
    passes over them cost about a fifth of the drafting time (issue 21). Reference counting still frees
    every chunk; the collector resumes (as it was) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _text_line(model: type[models.Model], columns: Sequence[str]) -> Callable[[tuple[Any, ...]], str]:
    """A function rendering one row as a line of COPY text, compiled once per table from the model.

    One f-string per table: NULL as ``\\N``, booleans as ``t``/``f``, everything else by ``format``
    (dates and datetimes give ISO text, Decimals their digits). Text values are not escaped: the drafts
    never contain tab, newline or backslash, which ``_check_text`` verifies per chunk.
    """
    parts = []
    for i, name in enumerate(columns):
        field = model._meta.get_field(name)  # a column name (attname) finds its field too
        value = f"r[{i}]"
        if field.get_internal_type() == "BooleanField":
            value = f"(TRUE if {value} else FALSE)"
        if field.null:
            value = f"(NULL if r[{i}] is None else {value})"
        parts.append("{" + value + "}")
    source = "lambda r: f'" + "\\t".join(parts) + "\\n'"
    # Python 3.11 allows neither a backslash nor the outer quote inside an f-string's braces: names instead
    return eval(source, {"NULL": "\\N", "TRUE": "t", "FALSE": "f"})  # noqa: S307 - the source is built above from field types only


def _check_text(text: str, rows: int, columns: int) -> None:
    """Exactly one tab between columns and one newline per row: no text value carried a control character."""
    if text.count("\n") != rows or text.count("\t") != rows * (columns - 1):
        raise ValueError("演示数据含有制表符或换行符，无法以 COPY 文本格式写入")


class _IdPool:
    """Ids drawn from a table's sequence in blocks (``nextval`` over ``generate_series``), held as ranges.

    The server returns each block as its runs of consecutive ids (one run unless another session drew
    from the sequence meanwhile): a million ids are then a few ranges instead of a million rows to parse
    and a million integers to hand to the render process.
    """

    def __init__(self, table: str) -> None:
        self.table = table
        self.sequence = ""
        self.runs: deque[range] = deque()
        self.size = 0

    def fetch(self, count: int) -> None:
        if count <= 0:
            return
        with connection.cursor() as cursor:
            if not self.sequence:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                self.sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT min(id), max(id) FROM ("
                "  SELECT id, id - row_number() OVER (ORDER BY id) AS run"
                "  FROM (SELECT nextval(%s) AS id FROM generate_series(1, %s)) AS drawn"
                ") AS numbered GROUP BY run ORDER BY 1",
                [self.sequence, count],
            )
            for first, last in cursor.fetchall():
                self.runs.append(range(first, last + 1))
        self.size += count

    def take(self, count: int) -> list[range]:
        self.fetch(count - self.size)
        taken = []
        self.size -= count
        while count:
            run = self.runs.popleft()
            if len(run) > count:
                run, rest = run[:count], run[count:]
                self.runs.appendleft(rest)
            taken.append(run)
            count -= len(run)
        return taken


class _CopyText:
    """Drafts and ids -> the COPY statements and text of a chunk's five tables."""

    def __init__(self, tables_of: TablesOf) -> None:
        self.tables_of = tables_of
        self.lines: dict[str, Callable[[tuple[Any, ...]], str]] = {}

    def __call__(self, drafts: list[Any], ids: Ids) -> Payload:
        payload = []
        for model, columns, rows in self.tables_of(drafts, ids):
            if not rows:
                continue
            table = model._meta.db_table
            line = self.lines.get(table) or self.lines.setdefault(table, _text_line(model, columns))
            text = "".join([line(row) for row in rows])
            _check_text(text, len(rows), len(columns))
            payload.append((f"COPY {table} ({', '.join(columns)}) FROM STDIN", text.encode()))
        return payload


def _render_loop(pipe: Connection, writer_end: Connection, render: _CopyText) -> None:
    """The render process: chunks in, COPY text out, in order, until ``None``; an error goes back as the
    chunk's outcome, to be raised by the writer."""
    # the writer's end, inherited by the fork: closed, so that the pipe ends (EOFError here) when the
    # seeding process dies, instead of leaving this process waiting for a chunk forever
    writer_end.close()
    gc.disable()  # as in the drafting process: no reference cycles among the drafts
    while (chunk := pickle.loads(pipe.recv_bytes())) is not None:  # noqa: S301 - our own process
        try:
            outcome: tuple[str, Any] = ("ok", render(*chunk))
        except Exception as error:  # noqa: BLE001 - reported to the writer, which raises it
            outcome = ("error", error)
        pipe.send_bytes(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))


EXITED = "演示数据生成进程意外退出"


class _RenderProcess:
    """A second process turning the drafted chunks into COPY text (issue 21): rows, AES-GCM, blind indexes
    and the text are about 40 % of the client's work and draw nothing from the random stream, so the
    drafting process keeps the one stream (and the seed its population) and hands them over.

    Forked, so it has the drafting process's settings, keys and models without starting Django again; it
    never touches the inherited database connection and ends with ``os._exit`` (multiprocessing), which
    leaves that connection alone. The pipe bounds the work in flight: a chunk is sent only when the
    process has read the previous one.
    """

    def __init__(self, render: _CopyText) -> None:
        context = multiprocessing.get_context("fork")
        self.pipe, child = context.Pipe()
        self.process = context.Process(
            target=_render_loop, args=(child, self.pipe, render), name="demo-render", daemon=True
        )
        self.process.start()
        child.close()

    def send(self, drafts: list[Any], ids: Ids) -> None:
        # pickle's C pickler directly: multiprocessing's own (a Python subclass) is a fifth slower here
        self.pipe.send_bytes(pickle.dumps((drafts, ids), pickle.HIGHEST_PROTOCOL))

    def receive(self) -> Payload:
        try:
            outcome, value = pickle.loads(self.pipe.recv_bytes())  # noqa: S301 - our own process
        except (EOFError, OSError):
            # EOF when it died with its socket drained; a reset (ECONNRESET) when it died holding a chunk
            # it had not read yet — both mean the render process is gone
            raise RuntimeError(EXITED) from None
        if outcome == "error":
            raise value
        return cast(Payload, value)

    def close(self) -> None:
        """No more chunks: the process ends once the chunks sent are rendered (and read)."""
        self.pipe.send_bytes(pickle.dumps(None))

    def join(self) -> None:
        self.process.join()
        self.pipe.close()

    def stop(self) -> None:
        """After an error: the process may be blocked handing over a chunk nobody will read."""
        self.process.kill()
        self.process.join()


def _render_processes() -> int:
    """Two processes (drafting, rendering) on two cores or more. On two, the render process shares the second
    core with the server (a third of a core during the load) and the drafting, the critical path, keeps the
    first; on one core the split would only add its pickling (bench/speed-seed-list.md, session 12)."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


class PostgresWriter:
    """COPY text rendered by a second process and streamed by one background thread; ids from the
    sequences; foreign keys checked once.

    Three stages work at the same time: this process drafts chunk n + 2 (and allocates its ids), the
    render process turns chunk n + 1 into COPY text, the thread streams chunk n to the server. The
    connection is shared with the thread through psycopg's own lock (a COPY holds it to the end): an id
    fetch waits for the COPY in progress. A sequence fetch left over at the end (at most a chunk's need)
    is a gap in the ids, as any rolled-back insert leaves one.
    """

    def __init__(self, tables_of: TablesOf, *, processes: int | None = None) -> None:
        self.render = _CopyText(tables_of)
        self.processes = processes or _render_processes()
        self.renderer: _RenderProcess | None = None
        self.pools: dict[str, _IdPool] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-copy")
        self.copies: deque[Future[None]] = deque()
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.indexes: list[_Index] = []

    def begin(self) -> None:
        keys = _foreign_keys_drop()
        if keys is not None:
            self.foreign_keys = keys
            # no foreign key of these tables is left to queue a check per row: CREATE INDEX refuses a
            # table with pending trigger events, so the indexes are dropped only then
            self.indexes = _indexes_drop()
        if self.processes > 1:
            self.renderer = _RenderProcess(self.render)  # forked before this writer starts its thread

    def write(self, drafts: list[Any], need: dict[str, int]) -> None:
        ids = {table: self._allocate(table, count) for table, count in need.items()}
        renderer = self.renderer
        if renderer is None:
            payload = self.render(drafts, ids)
            source: Callable[[], Payload] = lambda: payload  # noqa: E731
        else:
            self._hand_over(lambda: renderer.send(drafts, ids))
            source = renderer.receive
        self.copies.append(self.executor.submit(self._copy, connection.connection, source))
        while len(self.copies) > 2:  # a failed COPY is reported within two chunks
            self.copies.popleft().result()

    def finish(self) -> None:
        if (renderer := self.renderer) is not None:
            self._hand_over(renderer.close)
        while self.copies:
            self.copies.popleft().result()
        if renderer is not None:
            renderer.join()
        self.executor.shutdown()
        _indexes_build(self.indexes)
        _foreign_keys_add(self.foreign_keys)

    def abort(self) -> None:
        """After an error: stop the render process and let a running COPY end (its own error is secondary)
        before the rollback."""
        if self.renderer is not None:
            self.renderer.stop()
        for copy in self.copies:
            copy.exception()  # waits; the error being raised already is the one to report
        self.executor.shutdown()

    def _allocate(self, table: str, count: int) -> list[range]:
        if not count:
            return []
        pool = self.pools.setdefault(table, _IdPool(table))
        if pool.size < count:
            # a fetch waits for the COPY in progress: fetch for this chunk and the next at once
            pool.fetch(count - pool.size + int(count * POOL_MARGIN))
        return pool.take(count)

    def _copy(self, raw: Any, source: Callable[[], Payload]) -> None:
        try:
            _copy_all(raw, source())
        except BaseException:
            if self.renderer is not None:
                self.renderer.stop()  # it may be blocked handing over the next chunk, and the writer with it
            raise

    def _hand_over(self, send: Callable[[], None]) -> None:
        """Send to the render process; if it is gone, report why (the error of the COPY that stopped it)."""
        try:
            send()
        except OSError:
            for copy in self.copies:
                if copy.exception() is not None:  # waits for each: the render process is gone
                    raise cast(BaseException, copy.exception()) from None
            raise RuntimeError(EXITED) from None


def _copy_all(raw: Any, payload: list[tuple[str, bytes]]) -> None:
    for sql, data in payload:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)


def _foreign_keys_drop() -> list[tuple[str, str, str]] | None:
    """Drop the foreign keys of the seeded tables: ``(table, name, definition)`` to add them back, or
    None when they must stay.

    Dropping them locks the five tables (and the referenced users and divisions against writes) until
    the seeding commits: seeding is for demo and benchmark databases only. Rows the transaction already
    changed in these tables leave deferred checks pending, and PostgreSQL then refuses to alter the
    tables: the load keeps the keys (and their per-row checks) in that case (None).
    """
    tables = [model._meta.db_table for model in SEEDED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY conrelid, conname",
            [tables],
        )
        keys = [tuple(row) for row in cursor.fetchall()]
        try:
            with transaction.atomic():
                for table, name, _definition in keys:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        except OperationalError as error:  # 55006: pending trigger events on one of the tables
            if getattr(error.__cause__, "sqlstate", "") != "55006":
                raise
            return None
    return keys


def _foreign_keys_add(keys: list[tuple[str, str, str]]) -> None:
    """Add the keys back as they were; PostgreSQL checks every existing row of each with one query."""
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


class _Index(NamedTuple):
    table: str
    name: str
    # the ``CREATE [UNIQUE] INDEX`` statement (pg_indexes), or a unique constraint's definition
    definition: str
    constraint: bool


def _indexes_drop() -> list[_Index]:
    """Drop the indexes of the seeded tables that are empty, except their primary keys and the indexes led
    by a reference to a row of this load (``_load_ordered_columns``): what to build back.

    Rows appended to an empty table are cheaper to index afterwards in one sorted build per index than
    one by one (the blind indexes are random 64-character strings: every insert lands on another leaf
    page). The definitions come from the catalogue, so they follow the migrations as they are. Primary keys
    stay (the ids grow with the sequences, so their inserts append to the right-most leaf, and other tables'
    foreign keys depend on them), as does any index another constraint depends on. A unique constraint is
    dropped with its index and added back with its exact definition; a unique index checks its rows when
    it is built, so a duplicate still fails the seeding. ``DROP INDEX`` locks the table until the commit.
    """
    tables = [model._meta.db_table for model in SEEDED_MODELS]
    with connection.cursor() as cursor:
        empty = []
        for table in tables:
            cursor.execute(f"SELECT NOT EXISTS (SELECT FROM {table})")  # noqa: S608 - a model's table
            if cursor.fetchone()[0]:
                empty.append(table)
        if not empty:
            return []
        # indexes of constraints: a primary key or a unique constraint (conindid); an index another table's
        # foreign key references (contype 'f' with conindid) must stay
        cursor.execute(
            "SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid), "
            "       con.contype, con.conname, pg_get_constraintdef(con.oid), a.attname "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
            "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
            "  AND NOT EXISTS (SELECT FROM pg_constraint f "
            "                  WHERE f.conindid = i.indexrelid AND f.contype = 'f') "
            "ORDER BY i.indrelid::regclass::text, c.relname",
            [empty],
        )
        appended = _load_ordered_columns()
        indexes = []
        for table, index_name, index_definition, contype, name, definition, first in cursor.fetchall():
            if (table, first) in appended:
                continue
            if contype is None:
                indexes.append(_Index(table, index_name, index_definition, constraint=False))
            elif contype == "u":
                indexes.append(_Index(table, name, definition, constraint=True))
            # any other constraint's index (exclusion) stays
        dropped = []
        for index in indexes:
            try:
                with transaction.atomic():
                    if index.constraint:
                        cursor.execute(f'ALTER TABLE {index.table} DROP CONSTRAINT "{index.name}"')
                    else:
                        cursor.execute(f'DROP INDEX "{index.name}"')
            except DatabaseError:  # something else depends on it: it stays, and is updated row by row
                continue
            dropped.append(index)
    return dropped


def _load_ordered_columns() -> set[tuple[str, str]]:
    """``(table, column)`` of the references to rows of this load (a household's head, a person's household,
    a membership's person…): their ids come from the sequences in the order the rows are written, so an index
    led by one only ever appends to its right-most leaf, about as cheap as the primary key's. Those indexes
    stay during the load, where the server works while the client drafts; rebuilding them afterwards would
    only lengthen the part nothing overlaps."""
    return {
        (model._meta.db_table, str(field.column))
        for model in SEEDED_MODELS
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in SEEDED_MODELS
    }


def _indexes_build(indexes: list[_Index]) -> None:
    """Build the dropped indexes back on the loaded rows, with the sort memory raised for this transaction.

    PostgreSQL may build each with parallel workers (``max_parallel_maintenance_workers``): after the
    load the client is idle, so on the demo's two cores a worker has one of its own.
    """
    if not indexes:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('maintenance_work_mem')")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [INDEX_BUILD_MEMORY])
        for index in indexes:
            if index.constraint:
                cursor.execute(f'ALTER TABLE {index.table} ADD CONSTRAINT "{index.name}" {index.definition}')
            else:
                cursor.execute(index.definition)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [previous])


class SqliteWriter:
    """SQLite serialises writers, so ids simply continue after the current maximum."""

    def __init__(self, tables_of: TablesOf) -> None:
        self.tables_of = tables_of
        self.next_id: dict[str, int] = {}

    def begin(self) -> None:
        pass

    def allocate(self, table: str, count: int) -> list[range]:
        if table not in self.next_id:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - constant
                self.next_id[table] = cursor.fetchone()[0]
        start = self.next_id[table]
        self.next_id[table] = start + count
        return [range(start, start + count)]

    def write(self, drafts: list[Any], need: dict[str, int]) -> None:
        ids = {table: self.allocate(table, count) for table, count in need.items()}
        for model, columns, rows in self.tables_of(drafts, ids):
            if not rows:
                continue
            placeholders = ", ".join(["%s"] * len(columns))
            table = model._meta.db_table
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
            adapted = [tuple(v.isoformat() if type(v) is dt.date else v for v in row) for row in rows]
            with connection.cursor() as cursor:
                cursor.executemany(sql, adapted)

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass
