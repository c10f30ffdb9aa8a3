"""Department feed import (issue 6 §2): read a CSV/Excel file or JSON rows, validate every row against the
feed's registered columns (``rules.FEEDS``), then load all rows or none.

* Idempotent: a file whose content (SHA-256) was already loaded for the feed changes nothing; a record
  delivered again in another file (same natural key: keyed hash of the key columns) is not stored twice.
* Matching to registry persons by the ID number's blind index: one join in PostgreSQL, on a connection of
  its own while the rows are hashed (``feed_match``, ADR 0043); rows without a registered person are stored
  unmatched, reported, and matched again by ``feed_records_match`` before every monitoring run.
* A rejected file is recorded with its row-level report (row, column, value, message) and no records.
"""
# ruff: noqa: S608, E501 - SQL statements are kept whole for reading; SQL from model table names; values are bound parameters

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.benefits.columnar import duck
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.pgcopy import copy_in_arrow, copy_in_arrow_binary
from minzheng.monitoring.feed_match import PersonLookup, pairs_fetch
from minzheng.monitoring.feed_stage import (
    STAGE_SCHEMA,
    ParsedFeed,
    raw_from_rows,
    stage_batches,
    stage_build,
    stage_complete,
    stage_slices,
)
from minzheng.monitoring.models import FeedBatch, FeedRecord
from minzheng.monitoring.rules import FeedSpec, feed_get, header_map
from minzheng.registry.models import Person

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class FeedInvalid(ValidationFailed):
    code = "feed_invalid"


@dataclass(frozen=True)
class ImportOutcome:
    batch: FeedBatch
    duplicate_file: bool  # the same content was already loaded: nothing changed

    @property
    def rejected(self) -> bool:
        return self.batch.status == FeedBatch.Status.REJECTED


# --- reading ------------------------------------------------------------------------------------------


def table_read(content: bytes, file_name: str) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """Header and data rows of a CSV (UTF-8, with or without BOM) or the first sheet of an Excel file.
    Raises ``FeedInvalid`` for an unreadable file or a wrong encoding, naming the likely encoding. CSV rows
    are decoded as they are read (a file of millions of rows is not held twice in memory)."""
    if file_name.lower().endswith(EXCEL_SUFFIXES):
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        except (CalamineError, ValueError, OSError) as error:
            raise FeedInvalid(f"无法读取 Excel 文件：{error}", field="file") from None
        rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
        if not rows:
            raise FeedInvalid("文件为空，没有表头行", field="file")
        return [str(h) for h in rows[0]], iter(rows[1:])
    _utf8_check(content)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline=""))
    header = next(reader, None)
    if not header:
        raise FeedInvalid("文件为空，没有表头行", field="file")
    return header, reader


def _utf8_check(content: bytes, chunk: int = 1 << 20) -> None:
    """Refuse a file that is not UTF-8, naming the first bad byte (decoded piecewise, nothing kept)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(content), chunk):
        try:
            decoder.decode(content[start : start + chunk], final=start + chunk >= len(content))
        except UnicodeDecodeError as error:
            guess = _encoding_guess(content)
            raise FeedInvalid(
                f"文件不是 UTF-8 编码（第 {start + error.start + 1} 个字节无法按 UTF-8 解读{guess}），"
                "请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”或直接上传 Excel 文件",
                field="file",
            ) from None


def _encoding_guess(content: bytes) -> str:
    try:
        content.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "，看起来是 GBK/GB18030 编码"


# --- loading ------------------------------------------------------------------------------------------


def _require(actor: User | None) -> None:
    if actor is not None and not actor.can(Capability.IMPORT_FEEDS):
        raise PermissionDenied("您的角色不能导入部门数据")


def _spec(feed: str) -> FeedSpec:
    spec = feed_get(feed)
    if spec is None:
        raise FeedInvalid(f"未知的部门数据类别“{feed}”", field="feed")
    return spec


def feed_import(
    *, actor: User | None, feed: str, content: bytes, file_name: str, channel: str = "upload"
) -> ImportOutcome:
    """Import one delivery of ``feed``: all rows or none (see the module docstring). ``actor`` None is
    the command line. A rejected delivery returns a ``REJECTED`` batch carrying the row-level report."""
    _require(actor)
    spec = _spec(feed)
    digest = hashlib.sha256(content).hexdigest()
    existing = FeedBatch.objects.filter(feed=feed, sha256=digest, status=FeedBatch.Status.LOADED).first()
    if existing is not None:
        return ImportOutcome(existing, duplicate_file=True)
    try:
        header, rows = table_read(content, file_name)
    except FeedInvalid as error:
        parsed = ParsedFeed()
        parsed.error(0, "文件", file_name, error.message)
        return _rejected(actor, spec, digest, file_name, channel, parsed)

    def raw(positions: dict[str, int]) -> pa.Table:
        if file_name.lower().endswith(EXCEL_SUFFIXES):
            return raw_from_rows(spec, positions, rows)
        table = _csv_columns(content, len(header))
        return raw_from_rows(spec, positions, rows) if table is None else _named(table, positions)

    return _load(
        actor, spec, digest, file_name, channel, header, raw, empty=("文件", file_name, "文件没有数据行")
    )


def _csv_columns(content: bytes, width: int) -> pa.Table | None:
    """The data rows of a regular CSV as string columns ``c0``, ``c1``…, read by Arrow's reader (no Python
    object per row). None for a file with blank lines or rows of another width: row numbers must stay
    the spreadsheet's, so such a file is read row by row (``csv``) instead."""
    body = content.rstrip(b"\r\n")
    if b"\n\n" in body or b"\n\r\n" in body:
        return None
    names = [f"c{n}" for n in range(width)]
    try:
        return pacsv.read_csv(
            io.BytesIO(content),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def _named(table: pa.Table, positions: dict[str, int]) -> pa.Table:
    """``row_number`` (the spreadsheet row: the header is row 1) and the columns by feed key."""
    numbers = pc.add(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), table.num_rows)), 1)
    keys = sorted(positions, key=positions.__getitem__)
    return pa.table([numbers, *(table.column(positions[k]) for k in keys)], names=["row_number", *keys])


def feed_import_rows(
    *, actor: User | None, feed: str, rows: list[dict[str, Any]], label: str = ""
) -> ImportOutcome:
    """The JSON API: ``rows`` are objects keyed by the feed's column keys; the content hash is taken over
    the canonical JSON, so posting the same rows twice changes nothing."""
    _require(actor)
    spec = _spec(feed)
    keys = [c.key for c in spec.columns]
    canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    existing = FeedBatch.objects.filter(feed=feed, sha256=digest, status=FeedBatch.Status.LOADED).first()
    if existing is not None:
        return ImportOutcome(existing, duplicate_file=True)
    present = [k for k in keys if any(k in row for row in rows)] or keys
    extra = sorted({k for row in rows for k in row} - set(keys))
    table = ([row.get(k) for k in present] + [row.get(k) for k in extra] for row in rows)
    name = label or f"api-{timezone.localtime():%Y%m%d-%H%M%S}"

    def raw(positions: dict[str, int]) -> pa.Table:
        return raw_from_rows(spec, positions, table)

    return _load(actor, spec, digest, name, "api", present + extra, raw, empty=("rows", "", "没有数据行"))


_STAGE_COLUMNS = ", ".join(STAGE_SCHEMA.names)
# the loading transaction's own setting (docs/deployment.md "Batch connections"): the hash join of the staged
# rows with the persons' blind indexes runs in memory instead of spilling in batches to disk
_BATCH_SETTINGS = ("SET LOCAL work_mem = '256MB'",)


def _load(
    actor: User | None,
    spec: FeedSpec,
    digest: str,
    file_name: str,
    channel: str,
    header: Sequence[str],
    raw: Callable[[dict[str, int]], pa.Table],
    *,
    empty: tuple[str, str, str],
) -> ImportOutcome:
    """Check the header, then every row in DuckDB (``feed_stage``); a delivery with any problem is
    recorded as rejected without touching the records. Otherwise, in one transaction: on PostgreSQL the rows
    ``COPY``'d straight into the records table (``_records_copy``); when a natural key is already stored
    (or on SQLite), staged in a temporary table and inserted by one ``INSERT … SELECT`` that matches
    persons by the blind index and skips the stored keys. A kill anywhere rolls the whole delivery back, so
    the next import of the same file loads it exactly once."""
    positions, problems = header_map(spec, header)
    if problems:
        parsed = ParsedFeed()
        for problem in problems:
            parsed.error(1, "表头", "", problem)
        return _rejected(actor, spec, digest, file_name, channel, parsed)
    postgres = connection.vendor == "postgresql"
    con = duck()
    lookup = PersonLookup()  # the persons looked up meanwhile, on a connection of its own (feed_match)
    try:
        today = timezone.localdate()
        parsed = stage_build(con, spec, raw(positions), today, ids_ready=lookup.start, defer_keys=postgres)
        if parsed.error_count == 0 and not parsed.rows_staged:
            parsed.error(0, *empty)
        if parsed.error_count:
            return _rejected(actor, spec, digest, file_name, channel, parsed)
        with transaction.atomic(), connection.cursor() as cursor:
            batch = FeedBatch.objects.create(
                feed=spec.code,
                file_name=file_name[:200],
                sha256=digest,
                channel=channel,
                status=FeedBatch.Status.LOADED,
                rows_total=parsed.rows_total,
                imported_by=actor,
            )
            written = _records_copy(cursor, con, spec, batch, lookup) if postgres else None
            if written is None:  # a natural key already stored or repeated in the file (or SQLite)
                if postgres:  # the keys were deferred (``stage_build``): the repetitions are reported now
                    stage_complete(con, spec, parsed)
                    if parsed.error_count:
                        raise _Repeated
                _stage_copy(cursor, con)
                written = _records_insert(cursor, batch)
            new, matched = written
            batch.rows_new, batch.rows_existing = new, parsed.rows_total - new
            batch.rows_matched, batch.rows_unmatched = matched, new - matched
            batch.save(update_fields=["rows_new", "rows_existing", "rows_matched", "rows_unmatched"])
            event_record(
                actor=actor,
                verb="monitoring.feed_imported",
                object_type="monitoring.feed_batch",
                object_id=batch.pk,
                summary=f"导入{spec.department}“{spec.label}”数据 {file_name}：{parsed.rows_total} 行，新增 {new}，"
                f"匹配 {matched}，未匹配 {new - matched}",
            )
    except _Repeated:  # the transaction rolled back: the delivery is rejected like any other bad file
        return _rejected(actor, spec, digest, file_name, channel, parsed)
    except IntegrityError:  # the same content loaded concurrently: that load wins, this one is a no-op
        loaded = FeedBatch.objects.get(feed=spec.code, sha256=digest, status=FeedBatch.Status.LOADED)
        return ImportOutcome(loaded, duplicate_file=True)
    finally:
        lookup.close()  # a rejected delivery's lookup is waited for (its connection closed) before returning
        con.close()
    return ImportOutcome(batch, duplicate_file=False)


class _Repeated(Exception):  # noqa: N818 - control flow, never leaves this module
    """A natural key repeated inside the delivery, found after its ``COPY`` began (``parsed`` says where)."""


_SLICE_COLUMNS = "batch_id, feed, natural_key, row_number, id_index, id_masked, event_date, amount, code, payload, person_id"


def _records_copy(
    cursor: Any, con: Any, spec: FeedSpec, batch: FeedBatch, lookup: PersonLookup
) -> tuple[int, int] | None:
    """The common case, a delivery of records not stored yet: persons matched for the file's distinct blind
    indexes (by ``lookup``, waited for once the first slice is hashed; inside a transaction, one join on
    this connection now), then every row ``COPY``'d straight into the records table in slices
    (``feed_stage.stage_slices``: DuckDB hashes and sorts the next slice while PostgreSQL inserts this one;
    each slice in natural-key order, so the unique index is filled left to right), in PostgreSQL's binary
    form (``pgcopy.copy_in_arrow_binary``: no text to parse). ``COPY`` writes rows in bulk where ``INSERT …
    SELECT … ON CONFLICT`` inserts them one at a time, speculatively, after a second write into a staging
    table: 2.5–3.5 instead of 6 PostgreSQL CPU-seconds per 228,000 rows (bench/speed-monitoring.md, session
    11). Returns (new rows, of which matched), or None — and nothing written, the savepoint rolled back —
    when a natural key is already stored or repeated in the file: the caller reports a repetition, or takes
    the ``ON CONFLICT`` way, which skips stored rows (exactly once either way: the unique index decides)."""
    import psycopg

    if not lookup.started:  # looked up on this connection before its COPY begins
        _persons_match(con, None)
    feed = batch.feed.replace("'", "''")  # a code of the feed registry
    select = (
        f"SELECT CAST({int(batch.pk)} AS BIGINT) AS batch_id, '{feed}' AS feed, s.natural_key, "
        "CAST(s.row_number AS INTEGER) AS row_number, s.id_index, s.id_masked, s.event_date, s.amount, s.code, "
        "s.payload, m.person_id FROM ({staged}) s LEFT JOIN matched m USING (id_index)"
    )
    try:
        statement = f"COPY {FeedRecord._meta.db_table} ({_SLICE_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        with transaction.atomic():
            first_ready = (lambda: _persons_match(con, lookup.pairs())) if lookup.started else None
            copy_in_arrow_binary(
                cursor, statement, stage_slices(con, spec, select, first_ready), jsonb=["payload"]
            )
        new, matched = con.sql(
            "SELECT count(*), count(m.person_id) FROM typed t JOIN indexed i USING (id_number) "
            "LEFT JOIN matched m USING (id_index)"
        ).fetchall()[0]
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != NATURAL_KEY_UNIQUE:
            raise
        return None
    finally:
        con.execute("DROP TABLE IF EXISTS matched")
    return int(new), int(matched)


NATURAL_KEY_UNIQUE = "feed_record_natural_key_unique"  # models.FeedRecord's constraint


def _persons_match(con: Any, pairs: pa.Table | None) -> None:
    """The DuckDB table ``matched`` (id_index, person_id) of the registered persons among the staged rows'
    distinct blind indexes: ``pairs`` when the lookup ran already, else looked up now on the loading
    transaction's connection (``feed_match.pairs_fetch``)."""
    if pairs is None:
        pairs = pairs_fetch(connection.connection, con.sql("SELECT id_index FROM indexed").to_arrow_table())
    con.register("pairs", pairs)
    con.execute("CREATE OR REPLACE TEMP TABLE matched AS SELECT * FROM pairs")
    con.unregister("pairs")


def _stage_copy(cursor: Any, con: Any) -> None:
    """The staged rows into the temporary table ``feed_stage``: Arrow batches written as CSV by Arrow and
    streamed through ``COPY`` (PostgreSQL), or inserted in batches (SQLite)."""
    cursor.execute("DROP TABLE IF EXISTS feed_stage")
    cursor.execute(
        "CREATE TEMP TABLE feed_stage (natural_key varchar(64), row_number integer, id_index varchar(64), "
        "id_masked varchar(18), event_date date, amount numeric(14,2), code varchar(40), payload text)"
    )
    postgres = connection.vendor == "postgresql"
    if postgres:
        for setting in _BATCH_SETTINGS:
            cursor.execute(setting)
        copy_in_arrow(
            cursor, f"COPY feed_stage ({_STAGE_COLUMNS}) FROM STDIN (FORMAT CSV)", stage_batches(con)
        )
        cursor.execute("ANALYZE feed_stage")  # the planner's row count for the person join
        return
    for batch in stage_batches(con, SQLITE_STAGE_CHUNK):
        cursor.executemany(
            f"INSERT INTO feed_stage ({_STAGE_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            [tuple(row.values()) for row in batch.to_pylist()],
        )


SQLITE_STAGE_CHUNK = 5000


def _rejected(
    actor: User | None, spec: FeedSpec, digest: str, file_name: str, channel: str, parsed: ParsedFeed
) -> ImportOutcome:
    more = parsed.error_count - len(parsed.errors)
    batch = FeedBatch.objects.create(
        feed=spec.code,
        file_name=file_name[:200],
        sha256=digest,
        channel=channel,
        status=FeedBatch.Status.REJECTED,
        rows_total=parsed.rows_total,
        imported_by=actor,
        errors=[e.as_dict() for e in parsed.errors]
        + ([{"row": 0, "column": "", "value": "", "message": f"另有 {more} 处错误未列出"}] if more else []),
    )
    event_record(
        actor=actor,
        verb="monitoring.feed_rejected",
        object_type="monitoring.feed_batch",
        object_id=batch.pk,
        summary=f"拒收{spec.department}“{spec.label}”数据 {file_name}：{parsed.error_count} 处错误",
    )
    return ImportOutcome(batch, duplicate_file=False)


def _records_insert(cursor: Any, batch: FeedBatch) -> tuple[int, int]:
    """One ``INSERT … SELECT`` from the staging table that matches persons by blind index and skips
    natural keys already stored. Returns (new rows, of which matched), counted from what it inserted."""
    table, person = FeedRecord._meta.db_table, Person._meta.db_table
    postgresql = connection.vendor == "postgresql"
    insert = (
        f"INSERT INTO {table} (batch_id, feed, natural_key, row_number, id_index, id_masked, person_id, "
        f"event_date, amount, code, payload) "
        f"SELECT %s, %s, s.natural_key, s.row_number, s.id_index, s.id_masked, p.id, s.event_date, "
        f"s.amount, s.code, {'s.payload::jsonb' if postgresql else 's.payload'} "
        f"FROM feed_stage s LEFT JOIN {person} p ON p.id_number_index = s.id_index "
        f"ON CONFLICT (feed, natural_key) DO NOTHING"
    )
    if postgresql:  # counted from what the statement inserted: no second pass over the batch's rows
        cursor.execute(
            f"WITH inserted AS ({insert} RETURNING person_id) SELECT count(*), count(person_id) FROM inserted",
            [batch.pk, batch.feed],
        )
    else:  # SQLite has no data-modifying WITH; the embedded database's deliveries are small
        cursor.execute(insert, [batch.pk, batch.feed])
        cursor.execute(f"SELECT count(*), count(person_id) FROM {table} WHERE batch_id = %s", [batch.pk])
    new, matched = cursor.fetchone()
    cursor.execute("DROP TABLE IF EXISTS feed_stage")
    return int(new), int(matched)


def feed_records_match() -> int:
    """Match the stored unmatched rows to persons registered since (one ``UPDATE … FROM``)."""
    table, person = FeedRecord._meta.db_table, Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET person_id = p.id FROM {person} p "
            f"WHERE {table}.person_id IS NULL AND p.id_number_index = {table}.id_index"
        )
        return int(cursor.rowcount)
