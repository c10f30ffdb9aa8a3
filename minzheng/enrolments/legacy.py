"""Switching over from a legacy system (issue 5 §2): import existing recipients from the old system's
Excel (.xlsx) or CSV export — households, members, ID numbers, programme, tier, amount, start month, bank
account — validated row by row, all-or-nothing per file.

Reading and checking (``legacy_checks``) work on whole columns with a constant number of queries. Only a file
without any error is written, in one transaction: ids are taken from the tables' sequences first, then
households, persons, memberships, enrolments and their periods each go in with one ``COPY``
(``common.bulk``; the household names its head directly, the foreign keys being checked at commit), run
on a worker thread on the same connection (``copy_pipeline``) while the next table is encrypted and assembled.
A kill mid-way rolls everything back; a rerun of a written file is rejected row by row as already registered,
so nothing is imported twice. Any error → nothing written, and the ``LegacyImport`` row keeps the errors for
the downloadable report. Personal identifiers are encrypted, blind-indexed and masked exactly as
``registry.services`` does (``crypto.encrypt_all``/``blind_indexes``, ``masking``). Like the demo seeding,
imported rows have no django-simple-history rows; one audit event records the import.

File format: docs/enrolments.md §原系统数据导入.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.bulk import CopyColumns, batch_transaction, copy_pipeline, ids_allocate
from minzheng.common.errors import PermissionDenied
from minzheng.common.masking import mask_bank_account, mask_id_number
from minzheng.common.spreadsheets import xlsx_append
from minzheng.enrolments.legacy_checks import (
    ADDRESS,
    BANK,
    COLUMNS,
    HOUSEHOLD_PROGRAMMES,
    LEVEL,
    NAME,
    Checked,
    Problem,
    Sheet,
    legacy_validate,
)
from minzheng.enrolments.models import Enrolment, EnrolmentSource, EntitlementPeriod, LegacyImport
from minzheng.registry.models import Household, Membership, Person
from minzheng.registry.services import BANK_INDEX

__all__ = ["COLUMNS", "Problem", "legacy_error_report", "legacy_import", "legacy_validate"]

Progress = Callable[[int, int, str], None]
STEPS = 5  # read and check, households, persons and memberships, enrolments, done
MAX_STORED_ERRORS = 5000


# --- writing ------------------------------------------------------------------------------------------


def _employments(sheet: Sheet, positions: list[int], today: dt.date) -> list[str]:
    """Not in most legacy exports: presumed from the age (a caseworker corrects it later); cached per
    birth date."""
    presumed: dict[dt.date, str] = {}

    def by_age(birth: dt.date) -> str:
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        return (
            "preschool"
            if age < 6
            else "student"
            if age < 16
            else "unable_to_work"
            if age >= 60
            else "unemployed"
        )

    out = []
    for j in positions:
        birth = sheet.birth_dates[j]
        assert birth is not None
        if sheet.employments[j]:
            out.append(sheet.employments[j])
        else:
            out.append(presumed[birth] if birth in presumed else presumed.setdefault(birth, by_age(birth)))
    return out


def _scatter(values: list[str], present: list[bool]) -> list[str]:
    """``values`` (one per true flag) spread over ``present``, ``""`` where the flag is false."""
    given = iter(values)
    return [next(given) if flag else "" for flag in present]


def _write(actor: User, checked: Checked, source: LegacyImport, progress: Progress) -> tuple[int, int, int]:
    """Every table as columns (lists in row order) handed to a ``copy_pipeline``: no tuple per row, and the
    server indexes one table while the next is encrypted and assembled. Every id is taken first (the
    connection belongs to the pipeline's COPYs until they end)."""
    sheet, groups = checked.sheet, list(checked.households.values())
    positions = [j for g in groups for j in g.rows]  # persons in household order
    enrolled = [j for j in positions if sheet.programmes[j]]
    person_ids = ids_allocate(Person, len(positions))
    household_ids = ids_allocate(Household, len(groups))
    enrolment_ids = ids_allocate(Enrolment, len(enrolled))
    with copy_pipeline() as copy:
        households = _write_registry(actor, checked, copy, positions, person_ids, household_ids, progress)
        household_of = dict(zip(positions, households, strict=True))
        person_of = dict(zip(positions, person_ids, strict=True))
        enrolments = _enrolments(
            actor, checked, source, copy, enrolled, enrolment_ids, household_of, person_of
        )
    return len(groups), len(positions), enrolments


def _write_registry(
    actor: User,
    checked: Checked,
    copy: CopyColumns,
    positions: list[int],
    person_ids: list[int],
    household_ids: list[int],
    progress: Progress,
) -> list[int]:
    """Households, persons and memberships; returns the household id of each position."""
    sheet, groups = checked.sheet, list(checked.households.values())
    today = timezone.localdate()
    person_of = dict(zip(positions, person_ids, strict=True))
    households = [h for g, h in zip(groups, household_ids, strict=True) for _ in g.rows]  # per position
    heads: list[int] = []  # position of each household's head row
    divisions: list[int] = []
    for group in groups:  # both set for every household of a file without problems
        assert group.head is not None
        assert group.division is not None
        heads.append(group.head)
        divisions.append(group.division.pk)
    accounts = [g.account for g in groups]
    present = [bool(a) for a in accounts]
    given = [a for a in accounts if a]
    address, bank = sheet.text[ADDRESS], sheet.text[BANK]
    copy(
        Household,
        {
            "id": household_ids,
            "hukou_division_id": divisions,
            "hukou_address": [address[h][:200] for h in heads],
            "urban_rural": [g.urban_rural for g in groups],
            "member_count": [len(g.rows) for g in groups],
            "bank_name": [bank[h][:60] for h in heads],
            "bank_account_encrypted": _scatter(crypto.encrypt_all(given), present),
            "bank_account_index": _scatter(crypto.blind_indexes(given, purpose=BANK_INDEX), present),
            "bank_account_masked": [mask_bank_account(a) if a else "" for a in accounts],
            "created_by_id": [actor.pk] * len(groups),
            "head_id": [person_of[h] for h in heads],
        },
    )
    progress(3, STEPS, f"已写入 {len(groups)} 户")
    numbers = [sheet.id_numbers[j] for j in positions]
    name, indexes, births, sexes = sheet.text[NAME], sheet.id_indexes, sheet.birth_dates, sheet.sexes
    copy(
        Person,
        {
            "id": person_ids,
            "household_id": households,
            "name": [name[j] for j in positions],
            "id_number_encrypted": crypto.encrypt_all(numbers),
            "id_number_index": [indexes[j] for j in positions],
            "id_number_masked": [mask_id_number(n) for n in numbers],
            "birth_date": [births[j] for j in positions],
            "sex": [sexes[j] for j in positions],
            "employment_status": _employments(sheet, positions, today),
        },
    )
    copy(
        Membership,
        {
            "household_id": households,
            "person_id": person_ids,
            "relation_to_head": [sheet.relations[j] for j in positions],
            "joined_on": [today] * len(positions),
        },
    )
    progress(4, STEPS, f"已写入 {len(positions)} 人")
    return households


def _enrolments(
    actor: User,
    checked: Checked,
    source: LegacyImport,
    copy: CopyColumns,
    positions: list[int],
    ids: list[int],
    household_of: dict[int, int],
    person_of: dict[int, int],
) -> int:
    """The enrolments of the rows at ``positions`` (those naming a programme) and their first periods."""
    sheet = checked.sheet
    township_by_row = {}
    for group in checked.households.values():
        assert group.division is not None
        township_by_row.update(dict.fromkeys(group.rows, group.division.township_id))
    refs = [f"原系统导入 #{source.pk} 第 {sheet.numbers[j]} 行" for j in positions]
    programmes = [sheet.programmes[j] for j in positions]
    starts = [sheet.starts[j] for j in positions]
    amount_text: dict[Any, str] = {}  # a file repeats a few hundred amounts
    amounts = [
        amount_text.get(a) or amount_text.setdefault(a, str(a)) for a in (sheet.amounts[j] for j in positions)
    ]
    count, level = len(positions), sheet.text[LEVEL]
    copy(
        Enrolment,
        {
            "id": ids,
            "programme": programmes,
            "household_id": [household_of[j] for j in positions],
            "division_id": [township_by_row[j] for j in positions],
            "source": [EnrolmentSource.LEGACY.value] * count,
            "person_id": [
                None if p in HOUSEHOLD_PROGRAMMES else person_of[j]
                for j, p in zip(positions, programmes, strict=True)
            ],
            "decision_ref": refs,
            "starts_month": starts,
            "monthly_amount": amounts,
            "level": [level[j][:40] for j in positions],
            "created_by_id": [actor.pk] * count,
        },
    )
    copy(
        EntitlementPeriod,
        {
            "enrolment_id": ids,
            "from_month": starts,
            "monthly_amount": amounts,
            "reason": ["原系统导入"] * count,
            "basis": refs,
            "recorded_by_id": [actor.pk] * count,
        },
    )
    return count


def _no_progress(done: int, total: int, message: str) -> None:
    return None


def legacy_import(
    *, actor: User, filename: str, content: bytes, progress: Progress | None = None
) -> LegacyImport:
    """Validate the whole file and, only if there is no error at all, write every household, person,
    membership, enrolment and period in one transaction. Returns the ``LegacyImport`` record (status
    ``rejected`` with its errors, nothing else written; or ``succeeded`` with the counts).
    ``progress(done, total, message)`` is called after each of the five steps (read and check, then the
    writes: households, persons, enrolments) — ``tasks.legacy_import_task`` shows it as a progress bar."""
    if not actor.can(Capability.MANAGE_ENROLMENTS) or not actor.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied("您的角色不能导入原系统数据")
    assert actor.division is not None
    report = progress or _no_progress
    report(1, STEPS, "正在读取和校验文件")
    checked = legacy_validate(actor=actor, filename=filename, content=content)
    problems, rows = checked.problems, sum(len(g.rows) for g in checked.households.values())
    report(2, STEPS, f"已校验 {rows} 行，发现 {len(problems)} 个错误")
    if problems:
        return LegacyImport.objects.create(
            division=actor.division,
            filename=filename[:200],
            status=LegacyImport.Status.REJECTED,
            rows=rows,
            errors=[[p.row, p.column, p.message] for p in problems[:MAX_STORED_ERRORS]],
            error_count=len(problems),
            created_by=actor,
        )
    with batch_transaction():
        record = LegacyImport.objects.create(
            division=actor.division,
            filename=filename[:200],
            status=LegacyImport.Status.SUCCEEDED,
            rows=rows,
            created_by=actor,
        )
        record.households, record.persons, record.enrolments = _write(actor, checked, record, report)
        record.save(update_fields=["households", "persons", "enrolments"])
        event_record(
            actor=actor,
            verb="enrolment.legacy_imported",
            object_type="legacy_import",
            object_id=record.pk,
            division_code=actor.division.code,
            summary=f"原系统数据导入 {filename}：{record.households} 户、{record.persons} 人、"
            f"{record.enrolments} 条在保",
        )
    report(STEPS, STEPS, f"已写入 {record.enrolments} 条在保")
    return record


def legacy_error_report(record: LegacyImport) -> bytes:
    """The error report as an Excel workbook: 行号 / 列 / 错误说明."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "错误报告"
    xlsx_append(sheet, ["行号", "列", "错误说明"])
    for row, column, message in record.errors:
        xlsx_append(sheet, [row, column, message])
    if record.error_count > len(record.errors):
        xlsx_append(
            sheet, ["", "", f"另有 {record.error_count - len(record.errors)} 个错误未列出，请先修正以上错误"]
        )
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 70
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
