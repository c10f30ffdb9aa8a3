"""Import of historical registers (补录, issue 18 §5): an Excel or CSV file of old records becomes
``MarriageRecord`` rows of one office.

* Every row is checked (kind, date, both names and ID numbers by GB 11643, a man and a woman); a wrong row is
  reported in Chinese with its row number and column, and a file with any wrong row is rejected whole — the
  batch is kept with its report and nothing else is written.
* Duplicates — the same kind, couple (ID blind indexes) and date — already held, or twice in the file, are
  skipped and counted; the unique constraint ``marriage_record_once`` backs the check.
* Rows are written in chunks with ``bulk_create``; afterwards one set-based UPDATE closes (``dissolved_on``)
  the marriage records that an imported divorce of the same couple ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Subquery
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.errors import DomainError, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number
from minzheng.marriage.models import ImportBatch, MarriageRecord, Office
from minzheng.marriage.rules import RecordKind
from minzheng.marriage.services.registrations import office_for
from minzheng.monitoring.feeds import table_read
from minzheng.registry.rules import normalise_person_name
from minzheng.registry.services import ID_INDEX

COLUMNS = ("登记类别", "登记日期", "证书编号", "男方姓名", "男方身份证号码", "女方姓名", "女方身份证号码")
KIND_WORDS = {
    "结婚": RecordKind.MARRIAGE,
    "结婚登记": RecordKind.MARRIAGE,
    "离婚": RecordKind.DIVORCE,
    "离婚登记": RecordKind.DIVORCE,
}
MAX_REPORTED_ERRORS = 200
CHUNK = 5000
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class Row:
    number: int
    kind: str
    registered_on: dt.date
    certificate: str
    man_name: str
    man_id: str
    man_birth: dt.date
    woman_name: str
    woman_id: str
    woman_birth: dt.date


class _Report:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.count = 0
        self.bad_rows = 0

    def add(self, row: int, column: str, value: Any, message: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(
                {
                    "row": row,
                    "column": column,
                    "value": "" if value is None else str(value)[:60],
                    "message": message,
                }
            )


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_TEXT.match(text)
    if not match:
        raise ValueError(text)
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _row_check(number: int, cells: Sequence[Any], where: dict[str, int], report: _Report) -> Row | None:
    def cell(column: str) -> Any:
        index = where[column]
        return cells[index] if index < len(cells) else None

    errors_before = report.count
    kind = KIND_WORDS.get(_text(cell("登记类别")))
    if kind is None:
        report.add(number, "登记类别", cell("登记类别"), "登记类别应为“结婚”或“离婚”")
    try:
        registered_on = _date(cell("登记日期"))
        if not dt.date(1950, 5, 1) <= registered_on <= timezone.localdate():
            raise ValueError
    except ValueError:
        registered_on = dt.date.min
        report.add(number, "登记日期", cell("登记日期"), "登记日期应为 1950-05-01 至今的日期，如 2015-05-20")
    certificate = _text(cell("证书编号")).upper()
    if not certificate or len(certificate) > 40:
        report.add(number, "证书编号", cell("证书编号"), "请填写证书编号（不超过 40 个字符）")
    parties: dict[str, tuple[str, str, dt.date, str]] = {}
    for side, label in (("man", "男方"), ("woman", "女方")):
        try:
            name = normalise_person_name(_text(cell(f"{label}姓名")))
        except ValidationFailed as error:
            report.add(number, f"{label}姓名", cell(f"{label}姓名"), error.message)
            name = ""
        try:
            resident = parse_resident_id(_text(cell(f"{label}身份证号码")))
        except ValidationFailed as error:
            report.add(number, f"{label}身份证号码", cell(f"{label}身份证号码"), error.message)
            continue
        parties[side] = (name, resident.number, resident.birth_date, resident.sex.value)
    if len(parties) == 2:
        if parties["man"][3] != "male" or parties["woman"][3] != "female":
            report.add(number, "男方身份证号码", "", "男方、女方身份证号码的性别与所在列不符，请核对是否填反")
        elif registered_on != dt.date.min and registered_on < min(parties["man"][2], parties["woman"][2]):
            report.add(number, "登记日期", cell("登记日期"), "登记日期早于当事人出生日期")
    if report.count > errors_before or kind is None:
        return None
    man, woman = parties["man"], parties["woman"]
    return Row(number, kind, registered_on, certificate, man[0], man[1], man[2], woman[0], woman[1], woman[2])


class _Sealer:
    """Batch encryption and blind indexes with prepared keys (the per-row work of a million-row file)."""

    def __init__(self) -> None:
        self.seal = crypto.sealer()
        self.hasher = crypto.index_hasher(ID_INDEX)

    def index(self, value: str) -> str:
        mac = self.hasher.copy()
        mac.update(value.encode())
        return mac.hexdigest()


def _records(rows: list[Row], office: Office, batch: ImportBatch, sealer: _Sealer) -> list[MarriageRecord]:
    return [
        MarriageRecord(
            kind=r.kind,
            certificate_number=r.certificate,
            registered_on=r.registered_on,
            office=office,
            division=office.division,
            source=MarriageRecord.Source.IMPORT,
            batch=batch,
            man_name=r.man_name,
            man_id_encrypted=sealer.seal(r.man_id),
            man_id_index=sealer.index(r.man_id),
            man_id_masked=mask_id_number(r.man_id),
            man_birth_date=r.man_birth,
            woman_name=r.woman_name,
            woman_id_encrypted=sealer.seal(r.woman_id),
            woman_id_index=sealer.index(r.woman_id),
            woman_id_masked=mask_id_number(r.woman_id),
            woman_birth_date=r.woman_birth,
        )
        for r in rows
    ]


def _key(record: MarriageRecord) -> tuple[str, str, str, dt.date]:
    return (record.kind, record.man_id_index, record.woman_id_index, record.registered_on)


def _new_only(
    records: list[MarriageRecord], seen: set[tuple[str, str, str, dt.date]]
) -> list[MarriageRecord]:
    """Drop the records already held (one query per chunk) or already met earlier in the file."""
    held = set(
        MarriageRecord.objects.filter(man_id_index__in={r.man_id_index for r in records}).values_list(
            "kind", "man_id_index", "woman_id_index", "registered_on"
        )
    )
    fresh = []
    for record in records:
        key = _key(record)
        if key in held or key in seen:
            continue
        seen.add(key)
        fresh.append(record)
    return fresh


def _dissolve_by_imported_divorces(batch: ImportBatch) -> int:
    """Close every open marriage record that an imported divorce of the same couple (on or after the
    marriage) ends: one portable UPDATE with correlated subqueries."""
    divorces = MarriageRecord.objects.filter(
        batch=batch,
        kind=RecordKind.DIVORCE,
        man_id_index=OuterRef("man_id_index"),
        woman_id_index=OuterRef("woman_id_index"),
        registered_on__gte=OuterRef("registered_on"),
    )
    first = divorces.order_by().values("man_id_index").annotate(day=Min("registered_on")).values("day")[:1]
    return (
        MarriageRecord.objects.filter(kind=RecordKind.MARRIAGE, dissolved_on__isnull=True)
        .filter(Exists(divorces))
        .update(dissolved_on=Subquery(first))
    )


def _header(header: Sequence[str]) -> dict[str, int]:
    names = [str(h or "").strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValidationFailed(
            f"表头缺少列：{'、'.join(missing)}（应为：{'、'.join(COLUMNS)}）", field="file"
        )
    return {c: names.index(c) for c in COLUMNS}


def _chunks(rows: Iterable[Sequence[Any]], where: dict[str, int], report: _Report) -> Iterable[list[Row]]:
    chunk: list[Row] = []
    for number, cells in enumerate(rows, start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        row = _row_check(number, cells, where, report)
        if row is None:
            report.bad_rows += 1
        else:
            chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class ImportRejected(DomainError):
    code = "import_rejected"
    http_status = 422

    def __init__(self, batch: ImportBatch) -> None:
        super().__init__(
            f"文件有 {batch.rows_rejected} 行错误，未导入任何记录，请按错误报告修改后重新上传", field="file"
        )
        self.batch = batch


def records_import(*, actor: User, office_id: int, file_name: str, content: bytes) -> ImportBatch:
    """Import one file; returns the loaded batch or raises ``ImportRejected`` (its batch holds the report)."""
    office = office_for(actor, office_id)
    header, rows = table_read(content, file_name)
    where = _header(header)
    report, sealer, seen = _Report(), _Sealer(), set[tuple[str, str, str, dt.date]]()
    digest = hashlib.sha256(content).hexdigest()
    total = created = 0
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            office=office, file_name=file_name[:200], sha256=digest, imported_by=actor
        )
        for chunk in _chunks(rows, where, report):
            total += len(chunk)
            if report.count:
                continue  # the file will be rejected: only go on checking
            fresh = _new_only(_records(chunk, office, batch, sealer), seen)
            MarriageRecord.objects.bulk_create(fresh, batch_size=2000)
            created += len(fresh)
        if report.count:
            transaction.set_rollback(True)
        else:
            dissolved = _dissolve_by_imported_divorces(batch)
            ImportBatch.objects.filter(pk=batch.pk).update(
                rows_total=total, rows_created=created, rows_duplicate=total - created
            )
            event_record(
                actor=actor,
                verb="marriage.import",
                object_type="marriage.import",
                object_id=batch.pk,
                division_code=office.division.code,
                summary=f"补录婚姻登记档案 {file_name[:60]}：新增 {created} 条，重复 {total - created} 条，"
                f"据离婚档案解除婚姻 {dissolved} 条",
            )
    if report.count:
        rejected = ImportBatch.objects.create(
            office=office,
            file_name=file_name[:200],
            sha256=digest,
            imported_by=actor,
            status=ImportBatch.Status.REJECTED,
            rows_total=total + report.bad_rows,
            rows_rejected=report.bad_rows,
            errors=report.errors,
        )
        raise ImportRejected(rejected)
    batch.refresh_from_db()
    return batch
