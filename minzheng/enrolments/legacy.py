"""Switching over from a legacy system (issue 5 §2): import existing recipients from the old system's
Excel (.xlsx) or CSV export — households, members, ID numbers, programme, tier, amount, start month, bank
account — validated row by row, all-or-nothing per file.

Reading and validation take a constant number of queries (divisions, existing ID numbers and current
enrolments are fetched once for the whole file); the writes are set-based (``bulk_create`` of households,
persons, memberships, enrolments and periods, ``bulk_update`` of the household heads) in one transaction.
Any error → nothing written, and the ``LegacyImport`` row keeps the errors for the downloadable report.
Personal identifiers are encrypted, blind-indexed and masked exactly as ``registry.services`` does (its
``_validated_person_fields``-equivalent helpers: ``parse_resident_id``, ``crypto``, ``masking``). Like the
demo seeding, imported rows have no django-simple-history rows; one audit event records the import.

File format: docs/enrolments.md §原系统数据导入.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_bank_account, mask_id_number
from minzheng.common.scoping import code_in_scope
from minzheng.common.spreadsheets import xlsx_append
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.enrolments.models import Enrolment, EnrolmentSource, EntitlementPeriod, LegacyImport
from minzheng.enrolments.rules import parse_month
from minzheng.enrolments.services import township_of
from minzheng.policy.rules import PROGRAMMES
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import Household, Membership, Person
from minzheng.registry.rules import normalise_bank_account
from minzheng.registry.services import BANK_INDEX, ID_INDEX

Progress = Callable[[int, int, str], None]
STEPS = 5  # read and check, households, persons and memberships, enrolments, done
MAX_ROWS = 200_000  # one file; larger exports are split by township
MAX_STORED_ERRORS = 5000
HOUSEHOLD_KEY, NAME, ID_NUMBER, RELATION = "原系统家庭编号", "姓名", "身份证号码", "与户主关系"
DIVISION, URBAN_RURAL, ADDRESS = "户籍区划代码", "城乡类别", "户籍地址"
PROGRAMME, LEVEL, AMOUNT, START = "救助项目", "档次", "月发放金额", "起始月份"
BANK, ACCOUNT, EMPLOYMENT = "开户银行", "银行账号", "就业状况"
COLUMNS = (
    HOUSEHOLD_KEY,
    NAME,
    ID_NUMBER,
    RELATION,
    DIVISION,
    URBAN_RURAL,
    ADDRESS,
    PROGRAMME,
    LEVEL,
    AMOUNT,
    START,
    BANK,
    ACCOUNT,
    EMPLOYMENT,
)
REQUIRED = (HOUSEHOLD_KEY, NAME, ID_NUMBER, RELATION)
HOUSEHOLD_PROGRAMMES = frozenset(
    {Programme.DIBAO, Programme.MARGIN_HOUSEHOLD, Programme.RIGID_EXPENSE_HOUSEHOLD}
)
NOT_RUNNING = frozenset(
    {Programme.TEMPORARY_ASSISTANCE, Programme.MARGIN_HOUSEHOLD, Programme.RIGID_EXPENSE_HOUSEHOLD}
)
PROGRAMME_NAMES = (
    {p.name: p.code for p in PROGRAMMES}
    | {p.code: p.code for p in PROGRAMMES}
    | {
        "低保": Programme.DIBAO,
        "城市低保": Programme.DIBAO,
        "农村低保": Programme.DIBAO,
        "特困": Programme.EXTREME_POVERTY_SUPPORT,
        "特困供养": Programme.EXTREME_POVERTY_SUPPORT,
        "孤儿": Programme.ORPHAN_ALLOWANCE,
    }
)
RELATIONS = (
    {c.label: c.value for c in RelationToHead}
    | {c.value: c.value for c in RelationToHead}
    | {
        "本人": "head",
        "妻": "spouse",
        "夫": "spouse",
        "之子": "son",
        "之女": "daughter",
        "儿子": "son",
        "女儿": "daughter",
    }
)
URBAN_RURAL_NAMES = {
    "城镇": "urban",
    "城市": "urban",
    "urban": "urban",
    "农村": "rural",
    "牧区": "rural",
    "rural": "rural",
    "": "",
}
EMPLOYMENT_NAMES = {
    "就业": "employed",
    "受雇": "employed",
    "灵活就业": "self_employed",
    "个体": "self_employed",
    "务农": "farming",
    "务牧": "farming",
    "失业": "unemployed",
    "无劳动能力": "unable_to_work",
    "退休": "retired",
    "在校学生": "student",
    "学生": "student",
    "学龄前": "preschool",
}


@dataclass
class Problem:
    row: int  # the spreadsheet row number (the header is row 1)
    column: str
    message: str


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    relation: str = ""
    programme: str = ""
    amount: Decimal | None = None
    start: dt.date | None = None
    employment: str = ""


@dataclass
class _Household:
    key: str
    head: _Row | None = None
    rows: list[_Row] = field(default_factory=list)
    division: Division | None = None
    urban_rural: str = ""
    account: str = ""


# --- reading ------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A cell as text. Whole numbers typed into numeric cells come back as floats from Excel."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _read_table(filename: str, content: bytes) -> list[list[Any]]:
    if filename.lower().endswith((".xlsx", ".xls")):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            return list(book.get_sheet_by_index(0).to_python())
        except Exception as error:  # calamine raises several types for a damaged file
            raise ValidationFailed(f"无法读取 Excel 文件：{error}", field="file") from None
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            return list(csv.reader(io.StringIO(text)))
        raise ValidationFailed("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）", field="file")
    raise ValidationFailed("只支持 .xlsx 或 .csv 文件", field="file")


def _rows(table: list[list[Any]], problems: list[Problem]) -> list[_Row]:
    if not table:
        raise ValidationFailed("文件是空的", field="file")
    header = [_cell(v) for v in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(f"缺少必需的列：{'、'.join(missing)}（第 1 行须为列名）", field="file")
    if len(table) - 1 > MAX_ROWS:
        raise ValidationFailed(f"一个文件最多 {MAX_ROWS} 行，请按乡镇拆分", field="file")
    position = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: _cell(raw[i]) if i < len(raw) else "" for name, i in position.items()}
        if not any(values.values()):
            continue
        if isinstance(raw[position[ID_NUMBER]] if position[ID_NUMBER] < len(raw) else "", float):
            problems.append(Problem(number, ID_NUMBER, "身份证号码须为文本格式（数字格式会丢失末几位）"))
        rows.append(_Row(number, {name: values.get(name, "") for name in COLUMNS}))
    return rows


# --- validation ---------------------------------------------------------------------------------------


def _row_check(row: _Row, problems: list[Problem], seen_ids: dict[str, int]) -> None:
    def problem(column: str, message: str) -> None:
        problems.append(Problem(row.number, column, message))

    v = row.values
    for column in REQUIRED:
        if not v[column]:
            problem(column, f"请填写{column}")
    if len(v[NAME]) > 50:
        problem(NAME, "姓名不能超过 50 个字")
    if v[ID_NUMBER]:
        try:
            resident = parse_resident_id(v[ID_NUMBER])
            row.id_number, row.birth_date, row.sex = resident.number, resident.birth_date, resident.sex.value
            if row.id_number in seen_ids:
                problem(ID_NUMBER, f"身份证号码与第 {seen_ids[row.id_number]} 行重复")
            else:
                seen_ids[row.id_number] = row.number
        except ValidationFailed as error:
            problem(ID_NUMBER, error.message)
    if v[RELATION]:
        row.relation = RELATIONS.get(v[RELATION], "")
        if not row.relation:
            problem(RELATION, f"与户主关系“{v[RELATION]}”无法识别（如：户主、配偶、子、女、父母）")
    if v[EMPLOYMENT]:
        row.employment = EMPLOYMENT_NAMES.get(v[EMPLOYMENT], "")
        if not row.employment:
            problem(EMPLOYMENT, f"就业状况“{v[EMPLOYMENT]}”无法识别")
    _enrolment_check(row, problem)


def _enrolment_check(row: _Row, problem: Any) -> None:
    v = row.values
    if not (v[PROGRAMME] or v[AMOUNT] or v[START]):
        return
    row.programme = PROGRAMME_NAMES.get(v[PROGRAMME], "")
    if not row.programme:
        problem(
            PROGRAMME, f"救助项目“{v[PROGRAMME]}”无法识别（如：最低生活保障、特困人员救助供养、高龄津贴）"
        )
    elif row.programme in NOT_RUNNING:
        problem(PROGRAMME, f"“{v[PROGRAMME]}”不是按月发放的项目，不能导入为在保对象")
    elif row.programme in HOUSEHOLD_PROGRAMMES and row.relation and row.relation != "head":
        problem(PROGRAMME, "按户保障的项目须填在户主所在行")
    try:
        amount = Decimal(v[AMOUNT].replace(",", ""))
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            problem(AMOUNT, "月发放金额须为不小于 0 的数字，最多两位小数")
        else:
            row.amount = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        problem(AMOUNT, f"月发放金额“{v[AMOUNT]}”不是有效数字" if v[AMOUNT] else "请填写月发放金额")
    row.start = parse_month(v[START])
    if row.start is None:
        problem(START, f"起始月份“{v[START]}”格式不对（如 2026-12）" if v[START] else "请填写起始月份")


def _households(rows: list[_Row], problems: list[Problem]) -> dict[str, _Household]:
    groups: dict[str, _Household] = {}
    for row in rows:
        key = row.values[HOUSEHOLD_KEY]
        if not key:
            continue
        group = groups.setdefault(key, _Household(key))
        group.rows.append(row)
        if row.relation == "head":
            if group.head is not None:
                problems.append(
                    Problem(row.number, RELATION, f"家庭 {key} 已在第 {group.head.number} 行填了户主")
                )
            else:
                group.head = row
    for group in groups.values():
        if group.head is None:
            problems.append(Problem(group.rows[0].number, RELATION, f"家庭 {group.key} 没有户主行"))
    return groups


def _household_check(actor: User, groups: dict[str, _Household], problems: list[Problem]) -> None:
    heads = [g.head for g in groups.values() if g.head is not None]
    codes = {h.values[DIVISION].ljust(12, "0") for h in heads if h.values[DIVISION].isdigit()}
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes).select_related("parent__parent")}
    for group in groups.values():
        head = group.head
        if head is None:
            continue
        code = head.values[DIVISION]
        division = divisions.get(code.ljust(12, "0")) if code.isdigit() else None
        if not code:
            problems.append(Problem(head.number, DIVISION, "请在户主行填写户籍区划代码（12 位村级代码）"))
        elif division is None or division.level != Level.VILLAGE:
            problems.append(Problem(head.number, DIVISION, f"区划代码 {code} 不存在或不是村（社区）级"))
        elif division.abolished_on is not None:
            problems.append(Problem(head.number, DIVISION, f"区划 {division.name}（{code}）已撤销"))
        elif not code_in_scope(actor, division.code):
            problems.append(
                Problem(head.number, DIVISION, f"区划 {division.name}（{code}）不在您的管辖范围内")
            )
        else:
            group.division = division
        urban_rural = URBAN_RURAL_NAMES.get(head.values[URBAN_RURAL])
        if urban_rural is None:
            problems.append(Problem(head.number, URBAN_RURAL, "城乡类别须为“城镇”或“农村”"))
        else:
            group.urban_rural = urban_rural or (division.urban_rural if division else "") or "rural"
        try:
            group.account = normalise_bank_account(head.values[ACCOUNT])
        except ValidationFailed as error:
            problems.append(Problem(head.number, ACCOUNT, error.message))


def _registry_check(rows: list[_Row], problems: list[Problem]) -> dict[str, int]:
    """ID numbers already in the registry: one query. Enrolled already in the programme → its own message."""
    indexes = {crypto.blind_index(r.id_number, purpose=ID_INDEX): r for r in rows if r.id_number}
    existing = dict(
        Person.objects.filter(id_number_index__in=list(indexes)).values_list("id_number_index", "id")
    )
    current: dict[int, set[str]] = defaultdict(set)
    ended = {"status": "ended"}
    for person_id, programme in (
        Enrolment.objects.exclude(**ended)
        .filter(person_id__in=existing.values())
        .values_list("person_id", "programme")
    ):
        current[person_id].add(programme)
    for person_id, programme in (
        Enrolment.objects.exclude(**ended)
        .filter(
            person__isnull=True,
            household__memberships__person_id__in=existing.values(),
            household__memberships__left_on__isnull=True,
        )
        .values_list("household__memberships__person_id", "programme")
    ):
        current[person_id].add(programme)
    for index, person_id in existing.items():
        row = indexes[index]
        if row.programme and row.programme in current[person_id]:
            problems.append(Problem(row.number, ID_NUMBER, "该人员已在保（同一救助项目），不能重复导入"))
        else:
            problems.append(
                Problem(row.number, ID_NUMBER, "该身份证号码已在人口库登记，请在系统中直接办理纳入")
            )
    return existing


def legacy_validate(
    *, actor: User, filename: str, content: bytes
) -> tuple[dict[str, _Household], list[Problem]]:
    """Read and check the whole file; returns the households and every problem (row, column, message)."""
    problems: list[Problem] = []
    rows = _rows(_read_table(filename, content), problems)
    if not rows:
        raise ValidationFailed("文件中没有数据行", field="file")
    seen: dict[str, int] = {}
    for row in rows:
        _row_check(row, problems, seen)
    groups = _households(rows, problems)
    _household_check(actor, groups, problems)
    _registry_check(rows, problems)
    problems.sort(key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else 99))
    return groups, problems


# --- writing ------------------------------------------------------------------------------------------


def _employment(row: _Row, today: dt.date) -> str:
    """Not in most legacy exports: presumed from the age (a caseworker corrects it later)."""
    if row.employment:
        return row.employment
    assert row.birth_date is not None
    age = (
        today.year
        - row.birth_date.year
        - ((today.month, today.day) < (row.birth_date.month, row.birth_date.day))
    )
    return (
        "preschool" if age < 6 else "student" if age < 16 else "unable_to_work" if age >= 60 else "unemployed"
    )


def _write(
    actor: User, groups: list[_Household], source: LegacyImport, progress: Progress
) -> tuple[int, int, int]:
    today = timezone.localdate()
    households = [
        Household(
            hukou_division=g.division,
            hukou_address=g.head.values[ADDRESS][:200] if g.head else "",
            urban_rural=g.urban_rural,
            member_count=len(g.rows),
            bank_name=g.head.values[BANK][:60] if g.head else "",
            bank_account_encrypted=crypto.encrypt(g.account) if g.account else "",
            bank_account_index=crypto.blind_index(g.account, purpose=BANK_INDEX) if g.account else "",
            bank_account_masked=mask_bank_account(g.account) if g.account else "",
            created_by=actor,
        )
        for g in groups
    ]
    Household.objects.bulk_create(households, batch_size=2000)
    progress(3, STEPS, f"已写入 {len(households)} 户")
    persons: list[Person] = []
    for group, household in zip(groups, households, strict=True):
        for row in group.rows:
            assert row.birth_date is not None
            persons.append(
                Person(
                    name=row.values[NAME],
                    id_number_encrypted=crypto.encrypt(row.id_number),
                    id_number_index=crypto.blind_index(row.id_number, purpose=ID_INDEX),
                    id_number_masked=mask_id_number(row.id_number),
                    birth_date=row.birth_date,
                    sex=row.sex,
                    household=household,
                    employment_status=_employment(row, today),
                )
            )
    Person.objects.bulk_create(persons, batch_size=2000)
    by_row = {
        p_row.number: person
        for p_row, person in zip([r for g in groups for r in g.rows], persons, strict=True)
    }
    Membership.objects.bulk_create(
        [
            Membership(
                household=by_row[r.number].household,
                person=by_row[r.number],
                relation_to_head=r.relation,
                joined_on=today,
            )
            for g in groups
            for r in g.rows
        ],
        batch_size=2000,
    )
    for group, household in zip(groups, households, strict=True):
        assert group.head is not None
        household.head = by_row[group.head.number]
    Household.objects.bulk_update(households, ["head"], batch_size=2000)
    progress(4, STEPS, f"已写入 {len(persons)} 人")
    enrolments = _enrolments(actor, groups, households, by_row, source)
    return len(households), len(persons), enrolments


def _enrolments(
    actor: User,
    groups: list[_Household],
    households: list[Household],
    by_row: dict[int, Person],
    source: LegacyImport,
) -> int:
    enrolments: list[Enrolment] = []
    for group, household in zip(groups, households, strict=True):
        assert group.division is not None
        township = township_of(group.division)
        for row in group.rows:
            if not row.programme:
                continue
            assert row.start is not None
            assert row.amount is not None
            enrolments.append(
                Enrolment(
                    programme=row.programme,
                    household=household,
                    division=township,
                    source=EnrolmentSource.LEGACY,
                    person=None if row.programme in HOUSEHOLD_PROGRAMMES else by_row[row.number],
                    decision_ref=f"原系统导入 #{source.pk} 第 {row.number} 行",
                    starts_month=row.start,
                    monthly_amount=row.amount,
                    level=row.values[LEVEL][:40],
                    created_by=actor,
                )
            )
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    EntitlementPeriod.objects.bulk_create(
        [
            EntitlementPeriod(
                enrolment=e,
                from_month=e.starts_month,
                monthly_amount=e.monthly_amount,
                reason="原系统导入",
                basis=e.decision_ref,
                recorded_by=actor,
            )
            for e in enrolments
        ],
        batch_size=2000,
    )
    return len(enrolments)


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
    groups, problems = legacy_validate(actor=actor, filename=filename, content=content)
    rows = sum(len(g.rows) for g in groups.values())
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
    with transaction.atomic():
        record = LegacyImport.objects.create(
            division=actor.division,
            filename=filename[:200],
            status=LegacyImport.Status.SUCCEEDED,
            rows=rows,
            created_by=actor,
        )
        record.households, record.persons, record.enrolments = _write(
            actor, list(groups.values()), record, report
        )
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
