"""Import of historical registers (补录, issue 18 §5): an Excel or CSV file of old records becomes
``MarriageRecord`` rows of one office.

* Every row is checked (kind, date, both names and ID numbers by GB 11643, a man and a woman); a wrong row is
  reported in Chinese with its row number and column, and a file with any wrong row is rejected whole — the
  batch is kept with its report and nothing else is written.
* Duplicates — the same kind, couple (ID blind indexes) and date — already held, or twice in the file, are
  skipped and counted; the unique constraint ``marriage_record_once`` backs the check.
* The checks run column by column (``import_checks``); the new rows are written with one ``COPY`` on
  PostgreSQL (``bulk_create`` on the embedded database); afterwards one set-based UPDATE closes
  (``dissolved_on``) the marriage records that an imported divorce of the same couple ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Subquery

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.bulk import copy_rows
from minzheng.common.errors import DomainError
from minzheng.common.masking import mask_id_number
from minzheng.common.tabular import read_table
from minzheng.marriage.models import ImportBatch, MarriageRecord, Office
from minzheng.marriage.rules import RecordKind
from minzheng.marriage.services.import_checks import COLUMNS as COLUMNS
from minzheng.marriage.services.import_checks import Report, Row, header_where, rows_check
from minzheng.marriage.services.registrations import office_for
from minzheng.registry.services import ID_INDEX

CHUNK = 5000
RECORD_FIELDS = (
    "kind",
    "certificate_number",
    "registered_on",
    "office_id",
    "division_id",
    "source",
    "batch_id",
    *MarriageRecord.personal_field_names(),  # the order of the values ``_write`` gives
)
_Key = tuple[str, str, str, dt.date]


def _fresh(rows: list[Row], man_index: list[str], woman_index: list[str]) -> list[int]:
    """Positions of the rows neither already held (one query per ``CHUNK`` rows) nor met earlier in the
    file: same kind, couple and day (the constraint ``marriage_record_once``)."""
    seen: set[_Key] = set()
    fresh: list[int] = []
    for start in range(0, len(rows), CHUNK):
        stop = min(start + CHUNK, len(rows))
        held = set(
            MarriageRecord.objects.filter(man_id_index__in=set(man_index[start:stop])).values_list(
                "kind", "man_id_index", "woman_id_index", "registered_on"
            )
        )
        for i in range(start, stop):
            key = (rows[i].kind, man_index[i], woman_index[i], rows[i].registered_on)
            if key not in held and key not in seen:
                seen.add(key)
                fresh.append(i)
    return fresh


def _write(rows: list[Row], office: Office, batch: ImportBatch) -> int:
    """Encrypt, index and mask both ID numbers column-wise, drop the duplicates and write the new records:
    one COPY on PostgreSQL, ``bulk_create`` on the embedded database. Returns the number written."""
    man_index = crypto.blind_indexes([r.man_id for r in rows], purpose=ID_INDEX)
    woman_index = crypto.blind_indexes([r.woman_id for r in rows], purpose=ID_INDEX)
    fresh = _fresh(rows, man_index, woman_index)
    seal = crypto.sealer()
    values = (
        (
            r.kind,
            r.certificate,
            r.registered_on,
            office.pk,
            office.division_id,
            MarriageRecord.Source.IMPORT.value,
            batch.pk,
            r.man_name,
            seal(r.man_id),
            man_index[i],
            mask_id_number(r.man_id),
            r.man_birth,
            r.woman_name,
            seal(r.woman_id),
            woman_index[i],
            mask_id_number(r.woman_id),
            r.woman_birth,
        )
        for i, r in ((i, rows[i]) for i in fresh)
    )
    if connection.vendor == "postgresql":
        return copy_rows(MarriageRecord, RECORD_FIELDS, values)
    records = [MarriageRecord(**dict(zip(RECORD_FIELDS, v, strict=True))) for v in values]
    MarriageRecord.objects.bulk_create(records, batch_size=2000)
    return len(records)


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
    table = read_table(file_name, content)
    report = Report()
    rows = rows_check(table, header_where(table.header), report)
    digest = hashlib.sha256(content).hexdigest()
    if report.count:  # a file with any wrong row is rejected whole: only the report is kept
        rejected = ImportBatch.objects.create(
            office=office,
            file_name=file_name[:200],
            sha256=digest,
            imported_by=actor,
            status=ImportBatch.Status.REJECTED,
            rows_total=len(rows) + report.bad_rows,
            rows_rejected=report.bad_rows,
            errors=report.errors,
        )
        raise ImportRejected(rejected)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            office=office, file_name=file_name[:200], sha256=digest, imported_by=actor
        )
        created = _write(rows, office, batch)
        dissolved = _dissolve_by_imported_divorces(batch)
        total = len(rows)
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
    batch.refresh_from_db()
    return batch
