"""Department feed import (issue 6 §2): read a CSV/Excel file or JSON rows, validate every row against the
feed's registered columns (``rules.FEEDS``), then load all rows or none.

* Idempotent: a file whose content (SHA-256) was already loaded for the feed changes nothing; a record
  delivered again in another file (same natural key: keyed hash of the key columns) is not stored twice.
* Matching to registry persons by the ID number's blind index is part of the same ``INSERT … SELECT``
  (one join); rows without a registered person are stored unmatched, reported, and matched again by
  ``feed_records_match`` before every monitoring run.
* A rejected file is recorded with its row-level report (row, column, value, message) and no records.
"""
# ruff: noqa: S608, E501 - SQL statements are kept whole for reading; SQL from model table names; values are bound parameters

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number
from minzheng.monitoring.models import FeedBatch, FeedRecord
from minzheng.monitoring.rules import ColumnType, FeedColumn, FeedSpec, feed_get, header_map
from minzheng.registry.models import Person
from minzheng.registry.services import ID_INDEX

MAX_REPORTED_ERRORS = 1000  # the report lists this many; the total is always counted
NATURAL_KEY_PURPOSE = "feed_record"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class FeedInvalid(ValidationFailed):
    code = "feed_invalid"


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row (1 = header); 0 = the whole file
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ParsedFeed:
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows_total: int = 0
    rows_staged: int = 0  # valid rows written to the staging table

    def error(self, row: int, column: str, value: Any, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, "" if value is None else str(value)[:100], message))


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


# --- validating ---------------------------------------------------------------------------------------


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if len(text) == 7:  # a month, e.g. 2026-03
        text += "-01"
    return dt.date.fromisoformat(text)


def _money(value: Any) -> Decimal:
    if isinstance(value, float):  # Excel numbers: keep the cents the sheet shows
        value = repr(value)
    amount = Decimal(str(value).strip().replace(",", ""))
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidOperation
    if amount >= Decimal("1e12"):
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


_ID_WEIGHTS = tuple(pow(2, 17 - n, 11) for n in range(17))
_ID_CHECK = "10X98765432"
_ID_DIGITS = frozenset("0123456789")


def _id_number_fast(text: str, today: dt.date) -> str | None:
    """The common case of a department file, checked fast: 18 characters, digits with a final digit or
    X, the GB 11643 check digit and a possible birth date — the same acceptance as
    ``parse_resident_id`` for such input. ``None``: let ``parse_resident_id`` decide and explain."""
    if len(text) != 18 or not _ID_DIGITS.issuperset(text[:17]):
        return None
    check = _ID_CHECK[sum(int(c) * w for c, w in zip(text[:17], _ID_WEIGHTS, strict=True)) % 11]
    if text[17].upper() != check:
        return None
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    if birth > today or birth.year < 1890:
        return None
    return text[:17] + check


def _cell(column: FeedColumn, raw: Any, today: dt.date) -> tuple[Any, str]:
    """The typed value, or an error message (Chinese)."""
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty:
        return None, "必填项为空" if column.required else ""
    if column.kind == ColumnType.ID_NUMBER:
        fast = _id_number_fast(raw.strip(), today) if isinstance(raw, str) else None
        if fast is not None:
            return fast, ""
        try:
            return parse_resident_id(str(raw)).number, ""
        except ValidationFailed as error:
            return None, error.message
    if column.kind == ColumnType.DATE:
        try:
            day = _date(raw)
        except ValueError:
            return None, "不是有效日期（格式 YYYY-MM-DD）"
        if day > today:
            return None, f"日期 {day} 晚于今天"
        if day.year < 1900:
            return None, f"日期 {day} 早于 1900 年"
        return day, ""
    if column.kind == ColumnType.MONEY:
        try:
            return _money(raw), ""
        except (InvalidOperation, ValueError):
            return None, "金额应为不小于 0、最多两位小数的数字（元）"
    if column.kind == ColumnType.CHOICE:
        text = str(raw).strip()
        if text.endswith(".0"):  # Excel numbers such as grade 1.0
            text = text[:-2]
        by_label = {label: code for code, label in column.choices.items()}
        if text in column.choices:
            return text, ""
        if text in by_label:
            return by_label[text], ""
        allowed = "、".join(f"{label}（{code}）" for code, label in column.choices.items())
        return None, f"取值无效，可选：{allowed}"
    text = str(raw).strip()
    if len(text) > 100:
        return None, "不能超过 100 个字符"
    return text, ""


ID_CACHE_LIMIT = 1_000_000  # distinct ID numbers remembered per file (deliveries repeat the same people)


def rows_validate(
    spec: FeedSpec,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sink: Callable[[tuple[Any, ...]], None],
) -> ParsedFeed:
    """Validate every row; pass each valid row's staging tuple (natural key, row, id index, masked id,
    event date, amount, code, payload JSON) to ``sink`` and collect the errors. Rows are not kept: a file
    of millions of rows needs memory for the ID-number cache only. Duplicated natural keys inside the
    file are found afterwards in the staging table (``_duplicates_report``)."""
    parsed = ParsedFeed()
    positions, problems = header_map(spec, header)
    for problem in problems:
        parsed.error(1, "表头", "", problem)
    if problems:
        return parsed
    today = timezone.localdate()
    hasher = crypto.index_hasher(NATURAL_KEY_PURPOSE)
    id_hasher = crypto.index_hasher(ID_INDEX)
    # raw ID cell → (blind index, masked number) or the error message
    id_cells: dict[Any, tuple[str, str, str] | str] = {}
    roles = {c.role: c.key for c in spec.columns if c.role}
    plain = [c.key for c in spec.columns if not c.role]
    columns = [(c, positions.get(c.key)) for c in spec.columns if c.kind != ColumnType.ID_NUMBER]
    id_column = spec.column("id_number")
    id_position = positions.get("id_number")
    date_key, amount_key, code_key = roles["event_date"], roles.get("amount", ""), roles.get("code", "")
    key_columns = spec.natural_key
    prefix = spec.code
    for offset, row in enumerate(rows):
        number = offset + 2
        if not any(cell not in (None, "") for cell in row):
            continue
        parsed.rows_total += 1
        width = len(row)
        ok = True
        # the ID number: checked and hashed once per distinct cell
        raw_id = row[id_position] if id_position is not None and id_position < width else None
        known: tuple[str, str, str] | str | None = id_cells.get(raw_id) if isinstance(raw_id, str) else None
        if known is None:
            value, message = _cell(id_column, raw_id, today)
            if message:
                known = message
            else:
                id_mac = id_hasher.copy()
                id_mac.update(value.encode())
                known = (id_mac.hexdigest(), mask_id_number(value), value)
            if isinstance(raw_id, str):
                if len(id_cells) >= ID_CACHE_LIMIT:
                    id_cells.clear()
                id_cells[raw_id] = known
        if isinstance(known, str):
            parsed.error(number, id_column.label, raw_id, known)
            ok = False
        values: dict[str, Any] = {}
        for column, position in columns:
            value, message = _cell(
                column, row[position] if position is not None and position < width else None, today
            )
            if message:
                parsed.error(
                    number,
                    column.label,
                    row[position] if position is not None and position < width else None,
                    message,
                )
                ok = False
            values[column.key] = value
        if not ok or isinstance(known, str):
            continue
        id_index, id_masked, id_number = known
        values["id_number"] = id_number
        key_mac = hasher.copy()
        key_mac.update("\x1f".join([prefix, *(str(values[k]) for k in key_columns)]).encode())
        # the columns without a typed place (event date, amount, code have theirs; never the ID number)
        payload = {k: str(values[k]) for k in plain if values[k] is not None}
        sink(
            (
                key_mac.hexdigest(),
                number,
                id_index,
                id_masked,
                values[date_key],
                values.get(amount_key),
                values.get(code_key) or "",
                json.dumps(payload, ensure_ascii=False) if payload else "{}",
            )
        )
        parsed.rows_staged += 1
    return parsed


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
    return _load(
        actor, spec, digest, file_name, channel, header, rows, empty=("文件", file_name, "文件没有数据行")
    )


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
    return _load(actor, spec, digest, name, "api", present + extra, table, empty=("rows", "", "没有数据行"))


class _Rejected(Exception):
    """Raised inside the loading transaction to roll the staging back."""


_STAGE_COLUMNS = "natural_key, row_number, id_index, id_masked, event_date, amount, code, payload"
SQLITE_STAGE_CHUNK = 5000


def _load(
    actor: User | None,
    spec: FeedSpec,
    digest: str,
    file_name: str,
    channel: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    empty: tuple[str, str, str],
) -> ImportOutcome:
    """Validate the rows straight into a staging table (COPY on PostgreSQL), look for duplicated natural
    keys there, and either insert everything with one ``INSERT … SELECT`` (matching persons by the blind
    index and skipping natural keys already stored) or roll the staging back and record the rejection."""
    parsed = ParsedFeed()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS feed_stage")
            cursor.execute(
                "CREATE TEMP TABLE feed_stage (natural_key varchar(64), row_number integer, id_index varchar(64), "
                "id_masked varchar(18), event_date date, amount numeric(14,2), code varchar(40), payload text)"
            )
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY feed_stage ({_STAGE_COLUMNS}) FROM STDIN") as copy:
                    parsed = rows_validate(spec, header, rows, copy.write_row)
            else:
                pending: list[tuple[Any, ...]] = []

                def stage(record: tuple[Any, ...]) -> None:
                    pending.append(record)
                    if len(pending) >= SQLITE_STAGE_CHUNK:
                        _stage_flush(cursor, pending)

                parsed = rows_validate(spec, header, rows, stage)
                _stage_flush(cursor, pending)
            _duplicates_report(cursor, spec, parsed)
            if parsed.error_count == 0 and not parsed.rows_staged:
                parsed.error(0, *empty)
            if parsed.error_count:
                raise _Rejected
            batch = FeedBatch.objects.create(
                feed=spec.code,
                file_name=file_name[:200],
                sha256=digest,
                channel=channel,
                status=FeedBatch.Status.LOADED,
                rows_total=parsed.rows_total,
                imported_by=actor,
            )
            new, matched = _records_insert(cursor, batch)
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
    except _Rejected:
        return _rejected(actor, spec, digest, file_name, channel, parsed)
    except IntegrityError:  # the same content loaded concurrently: that load wins, this one is a no-op
        loaded = FeedBatch.objects.get(feed=spec.code, sha256=digest, status=FeedBatch.Status.LOADED)
        return ImportOutcome(loaded, duplicate_file=True)
    return ImportOutcome(batch, duplicate_file=False)


def _stage_flush(cursor: Any, pending: list[tuple[Any, ...]]) -> None:
    if pending:
        cursor.executemany(
            f"INSERT INTO feed_stage ({_STAGE_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)", pending
        )
        pending.clear()


def _duplicates_report(cursor: Any, spec: FeedSpec, parsed: ParsedFeed) -> None:
    """Rows whose natural key an earlier row of the same file has: one error each, naming that row."""
    cursor.execute("SELECT count(*) - count(DISTINCT natural_key) FROM feed_stage")
    duplicates = int(cursor.fetchone()[0])
    if not duplicates:
        return
    labels = "、".join(spec.column(k).label for k in spec.natural_key)
    room = max(0, MAX_REPORTED_ERRORS - len(parsed.errors))
    cursor.execute(
        "SELECT s.row_number, d.first_row FROM feed_stage s JOIN (SELECT natural_key, min(row_number) AS first_row "
        "FROM feed_stage GROUP BY natural_key HAVING count(*) > 1) d ON d.natural_key = s.natural_key "
        "WHERE s.row_number > d.first_row ORDER BY s.row_number LIMIT %s",
        [room],
    )
    for row, first in cursor.fetchall():
        parsed.error(row, labels, "", f"与第 {first} 行重复（{labels}相同）")
    parsed.error_count += duplicates - min(duplicates, room)
    parsed.errors.sort(key=lambda e: e.row)


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
    natural keys already stored. Returns (new rows, of which matched)."""
    table, person = FeedRecord._meta.db_table, Person._meta.db_table
    payload = "s.payload::jsonb" if connection.vendor == "postgresql" else "s.payload"
    cursor.execute(
        f"INSERT INTO {table} (batch_id, feed, natural_key, row_number, id_index, id_masked, person_id, "
        f"event_date, amount, code, payload) "
        f"SELECT %s, %s, s.natural_key, s.row_number, s.id_index, s.id_masked, p.id, s.event_date, "
        f"s.amount, s.code, {payload} FROM feed_stage s LEFT JOIN {person} p ON p.id_number_index = s.id_index "
        f"ON CONFLICT (feed, natural_key) DO NOTHING",
        [batch.pk, batch.feed],
    )
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
