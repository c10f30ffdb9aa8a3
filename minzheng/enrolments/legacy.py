"""Switching over from a legacy system (issue 5 §2): import existing recipients from the old system's
Excel (.xlsx) or CSV export — households, members, ID numbers, programme, tier, amount, start month, bank
account — validated row by row, all-or-nothing per file.

Reading and checking (``legacy_checks``) work on whole columns with a constant number of queries. Only a file
without any error is written, in one transaction: ids are taken from the tables' sequences first, then
households, persons, memberships, enrolments and their periods each go in with one ``COPY``
(``common.bulk``; the household names its head directly, the foreign keys being checked at commit). A kill
mid-way rolls everything back; a rerun of a written file is rejected row by row as already registered, so
nothing is imported twice. Any error → nothing written, and the ``LegacyImport`` row keeps the errors for the
downloadable report. Personal identifiers are encrypted, blind-indexed and masked exactly as
``registry.services`` does (``crypto.encrypt_all``/``blind_indexes``, ``masking``). Like the demo seeding,
imported rows have no django-simple-history rows; one audit event records the import.

File format: docs/enrolments.md §原系统数据导入.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.bulk import batch_transaction, copy_rows, ids_allocate
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
    HouseholdRows,
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


def _household_rows(
    actor: User, sheet: Sheet, groups: list[HouseholdRows], ids: list[int], heads: list[int]
) -> Iterator[tuple[Any, ...]]:
    accounts = [g.account for g in groups if g.account]
    sealed = iter(crypto.encrypt_all(accounts))
    indexes = iter(crypto.blind_indexes(accounts, purpose=BANK_INDEX))
    address, bank = sheet.text[ADDRESS], sheet.text[BANK]
    for group, household_id, head_id in zip(groups, ids, heads, strict=True):
        assert group.division is not None
        assert group.head is not None
        account = group.account
        yield (
            household_id,
            group.division.pk,
            address[group.head][:200],
            group.urban_rural,
            len(group.rows),
            bank[group.head][:60],
            next(sealed) if account else "",
            next(indexes) if account else "",
            mask_bank_account(account) if account else "",
            actor.pk,
            head_id,
        )


HOUSEHOLD_FIELDS = (
    "id",
    "hukou_division_id",
    "hukou_address",
    "urban_rural",
    "member_count",
    "bank_name",
    "bank_account_encrypted",
    "bank_account_index",
    "bank_account_masked",
    "created_by_id",
    "head_id",
)
PERSON_FIELDS = (
    "id",
    "household_id",
    "name",
    "id_number_encrypted",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "sex",
    "employment_status",
)
ENROLMENT_FIELDS = (
    "id",
    "programme",
    "household_id",
    "division_id",
    "source",
    "person_id",
    "decision_ref",
    "starts_month",
    "monthly_amount",
    "level",
    "created_by_id",
)


def _write(actor: User, checked: Checked, source: LegacyImport, progress: Progress) -> tuple[int, int, int]:
    sheet, groups = checked.sheet, list(checked.households.values())
    today = timezone.localdate()
    positions = [j for g in groups for j in g.rows]  # persons in household order
    person_ids = ids_allocate(Person, len(positions))
    person_of = dict(zip(positions, person_ids, strict=True))
    household_ids = ids_allocate(Household, len(groups))
    household_of = {j: h for g, h in zip(groups, household_ids, strict=True) for j in g.rows}
    heads = [person_of[g.head] for g in groups if g.head is not None]
    copy_rows(Household, HOUSEHOLD_FIELDS, _household_rows(actor, sheet, groups, household_ids, heads))
    progress(3, STEPS, f"已写入 {len(groups)} 户")
    numbers = [sheet.id_numbers[j] for j in positions]
    persons = zip(
        person_ids,
        [household_of[j] for j in positions],
        [sheet.text[NAME][j] for j in positions],
        crypto.encrypt_all(numbers),
        [sheet.id_indexes[j] for j in positions],
        [mask_id_number(n) for n in numbers],
        [sheet.birth_dates[j] for j in positions],
        [sheet.sexes[j] for j in positions],
        _employments(sheet, positions, today),
        strict=True,
    )
    copy_rows(Person, PERSON_FIELDS, persons)
    memberships = ((household_of[j], person_of[j], sheet.relations[j], today) for j in positions)
    copy_rows(Membership, ("household_id", "person_id", "relation_to_head", "joined_on"), memberships)
    progress(4, STEPS, f"已写入 {len(positions)} 人")
    enrolments = _enrolments(actor, checked, source, household_of, person_of)
    return len(groups), len(positions), enrolments


def _enrolments(
    actor: User,
    checked: Checked,
    source: LegacyImport,
    household_of: dict[int, int],
    person_of: dict[int, int],
) -> int:
    sheet = checked.sheet
    township_by_row = {}
    for group in checked.households.values():
        assert group.division is not None
        township_by_row.update(dict.fromkeys(group.rows, group.division.township_id))
    positions = [j for g in checked.households.values() for j in g.rows if sheet.programmes[j]]
    ids = ids_allocate(Enrolment, len(positions))
    refs = [f"原系统导入 #{source.pk} 第 {sheet.numbers[j]} 行" for j in positions]
    copy_rows(
        Enrolment,
        ENROLMENT_FIELDS,
        (
            (
                enrolment_id,
                sheet.programmes[j],
                household_of[j],
                township_by_row[j],
                EnrolmentSource.LEGACY.value,
                None if sheet.programmes[j] in HOUSEHOLD_PROGRAMMES else person_of[j],
                ref,
                sheet.starts[j],
                sheet.amounts[j],
                sheet.text[LEVEL][j][:40],
                actor.pk,
            )
            for enrolment_id, j, ref in zip(ids, positions, refs, strict=True)
        ),
    )
    copy_rows(
        EntitlementPeriod,
        ("enrolment_id", "from_month", "monthly_amount", "reason", "basis", "recorded_by_id"),
        (
            (enrolment_id, sheet.starts[j], sheet.amounts[j], "原系统导入", ref, actor.pk)
            for enrolment_id, j, ref in zip(ids, positions, refs, strict=True)
        ),
    )
    return len(positions)


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
