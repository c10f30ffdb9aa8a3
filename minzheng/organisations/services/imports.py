"""Import of an existing register (Excel or CSV, up to 60,000 rows): every row checked like a registration
(credit code with the position explained, type, authority, dates, capital), errors reported by row and
column, the valid rows written set-based (missing 业务主管单位 created in one insert, organisations and their
成立登记 entries in batches). Rows with errors are left out; the figures say how many of each."""
# ruff: noqa: S608 - SQL from model table and column names; values are bound parameters

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common.credit_code import civil_affairs_code_check
from minzheng.common.errors import DomainError, ValidationFailed
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.organisations import rules
from minzheng.organisations.models import Organisation, OrganisationChange, SupervisorUnit
from minzheng.organisations.services.common import registrar_check
from minzheng.organisations.services.registry import LEVEL_OF_DIVISION

MAX_ROWS = 60_000
CODE, NAME, TYPE, AUTHORITY, SUPERVISOR = (
    "统一社会信用代码",
    "名称",
    "组织类型",
    "登记管理机关区划代码",
    "业务主管单位",
)
LEGAL_REP, DOMICILE, SCOPE, CAPITAL, ESTABLISHED = (
    "法定代表人",
    "住所",
    "业务范围",
    "注册资金",
    "成立登记日期",
)
COLUMNS = (CODE, NAME, TYPE, AUTHORITY, SUPERVISOR, LEGAL_REP, DOMICILE, SCOPE, CAPITAL, ESTABLISHED)
REQUIRED = (CODE, NAME, TYPE, AUTHORITY, LEGAL_REP, DOMICILE, SCOPE, CAPITAL, ESTABLISHED)
TYPE_NAMES = {
    "社会团体": rules.OrganisationType.SOCIAL_GROUP,
    "社会服务机构": rules.OrganisationType.SOCIAL_SERVICE,
    "民办非企业单位": rules.OrganisationType.SOCIAL_SERVICE,
    "社会服务机构（民办非企业单位）": rules.OrganisationType.SOCIAL_SERVICE,
    "基金会": rules.OrganisationType.FOUNDATION,
}
PROBLEMS_KEPT = 2000  # the page and the error file show at most these; the count is exact


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    refused_rows: int = 0
    supervisors_created: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    def summary(self) -> str:
        return (
            f"共 {self.rows} 行：导入 {self.imported} 家，{self.refused_rows} 行有错误未导入"
            f"（{self.problem_count} 处），新建业务主管单位 {self.supervisors_created} 个"
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _table(filename: str, content: bytes) -> list[list[Any]]:
    if filename.lower().endswith(".xlsx"):
        from python_calamine import CalamineWorkbook

        try:
            return list(CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python())
        except Exception as error:  # noqa: BLE001 - calamine raises several types for a damaged file
            raise ValidationFailed(f"无法读取 Excel 文件：{error}", field="file") from None
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return list(csv.reader(io.StringIO(content.decode(encoding))))
            except UnicodeDecodeError:
                continue
        raise ValidationFailed("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）", field="file")
    raise ValidationFailed("只支持 .xlsx 或 .csv 文件", field="file")


def _records(table: list[list[Any]]) -> list[tuple[int, dict[str, str]]]:
    if not table:
        raise ValidationFailed("文件是空的", field="file")
    header = [_cell(v) for v in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(f"缺少必需的列：{'、'.join(missing)}（第 1 行须为列名）", field="file")
    if len(table) - 1 > MAX_ROWS:
        raise ValidationFailed(f"一个文件最多 {MAX_ROWS} 行，请拆分后导入", field="file")
    position = {name: header.index(name) for name in COLUMNS if name in header}
    records = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: _cell(raw[i]) if i < len(raw) else "" for name, i in position.items()}
        if any(values.values()):
            records.append((number, {name: values.get(name, "") for name in COLUMNS}))
    return records


@dataclass
class _Context:
    actor: User
    divisions: dict[str, Division]
    existing_codes: set[str]
    seen: dict[str, int] = field(default_factory=dict)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.replace("/", "-").replace(".", "-")[:10])


def _row_check(
    number: int, v: dict[str, str], ctx: _Context, problems: list[Problem]
) -> dict[str, Any] | None:
    """One row → the column values of a new organisation (its supervisor's name under ``supervisor_name``),
    or None with the problems. Plain dicts, not model instances: 50,000 rows are inserted in one statement."""
    before = len(problems)

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for column in REQUIRED:
        if not v[column]:
            problem(column, f"请填写{column}")
    organisation_type = TYPE_NAMES.get(v[TYPE])
    if v[TYPE] and organisation_type is None:
        problem(TYPE, f"组织类型“{v[TYPE]}”应为社会团体、社会服务机构（民办非企业单位）或基金会")
    division = ctx.divisions.get(v[AUTHORITY].ljust(12, "0")) if v[AUTHORITY].isdigit() else None
    if v[AUTHORITY] and (division is None or not code_in_scope(ctx.actor, division.code)):
        problem(AUTHORITY, f"区划代码 {v[AUTHORITY]} 不存在或不在您的管辖范围内")
        division = None
    elif division is not None and division.level not in LEVEL_OF_DIVISION:
        problem(AUTHORITY, "登记管理机关应为自治区、盟市或旗县（市、区）")
        division = None
    code = ""
    if v[CODE] and organisation_type:
        try:
            code = civil_affairs_code_check(v[CODE], rules.TYPE_CODES[organisation_type]).code
        except DomainError as error:
            problem(CODE, error.message)
    if code and division is not None and code[2:8] != division.code[:6]:
        problem(CODE, f"第3至8位登记管理机关代码应为{division.code[:6]}（{division.name}），实为{code[2:8]}")
    if code in ctx.existing_codes:
        problem(CODE, f"统一社会信用代码 {code} 已登记")
    elif code in ctx.seen:
        problem(CODE, f"与第 {ctx.seen[code]} 行的统一社会信用代码重复")
    elif code:
        ctx.seen[code] = number
    capital = Decimal(0)
    try:
        capital = Decimal(v[CAPITAL].replace(",", "") or "0").quantize(Decimal("0.01"))
        if capital < 0:
            problem(CAPITAL, "注册资金不能为负数")
    except InvalidOperation:
        problem(CAPITAL, f"注册资金“{v[CAPITAL]}”应为金额（元）")
    established = None
    try:
        established = _date(v[ESTABLISHED]) if v[ESTABLISHED] else None
    except ValueError:
        problem(ESTABLISHED, f"成立登记日期“{v[ESTABLISHED]}”应为日期，如 2019-05-01")
    if len(problems) > before or division is None or established is None or organisation_type is None:
        return None
    return {
        "credit_code": code, "name": v[NAME][:100], "organisation_type": organisation_type.value,
        "authority_level": LEVEL_OF_DIVISION[Level(division.level)].value, "division_id": division.pk,
        "legal_representative": v[LEGAL_REP][:50], "domicile": v[DOMICILE][:200], "business_scope": v[SCOPE],
        "registered_capital": capital, "established_on": established, "status_changed_on": established,
        "supervisor_name": v[SUPERVISOR][:100],
    }  # fmt: skip


def _supervisors(rows: list[dict[str, Any]]) -> int:
    """Link each row to its 业务主管单位 by name within its authority's division (``supervisor_id``), creating
    the units that do not exist yet in one insert."""
    wanted = {(r["division_id"], r["supervisor_name"]) for r in rows if r["supervisor_name"]}
    names = {name for _division, name in wanted}
    known = {(u.division_id, u.name) for u in SupervisorUnit.objects.filter(name__in=names)}
    new = [SupervisorUnit(division_id=d, name=n) for d, n in sorted(wanted) if (d, n) not in known]
    SupervisorUnit.objects.bulk_create(new, batch_size=2000)
    ids = {(u.division_id, u.name): u.pk for u in SupervisorUnit.objects.filter(name__in=names)}
    for row in rows:
        name = row.pop("supervisor_name")
        row["supervisor_id"] = ids.get((row["division_id"], name)) if name else None
    return len(new)


# The other columns of a new organisation, the same for every imported row.
_DEFAULTS = {
    "status": rules.OrganisationStatus.ACTIVE.value, "abnormal": False, "legal_rep_id_encrypted": "",
    "legal_rep_id_index": "", "legal_rep_id_masked": "", "legal_rep_phone_encrypted": "",
    "legal_rep_phone_masked": "",
}  # fmt: skip


def _insert(rows: list[dict[str, Any]], actor: User) -> int:
    """One parameterised INSERT run for all rows (executemany: psycopg pipelines it, SQLite loops in C),
    then the 成立登记 entries of every organisation without one, as one INSERT … SELECT. Portable SQL; the
    table and column names come from the models."""
    if not rows:
        return 0
    now = timezone.now()
    full = [{**_DEFAULTS, **row, "created_at": now, "updated_at": now} for row in rows]
    columns = list(full[0])
    organisations = Organisation._meta.db_table
    changes = OrganisationChange._meta.db_table
    qn = connection.ops.quote_name
    insert = (
        f"INSERT INTO {qn(organisations)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    # The values are plain str, Decimal, date, bool, int or None, which both drivers adapt; only the
    # timestamps need the backend's preparation (naive UTC on SQLite), done once for all rows.
    stamp = Organisation._meta.get_field("created_at").get_db_prep_save(now, connection)
    full = [{**row, "created_at": stamp, "updated_at": stamp} for row in full]
    with connection.cursor() as cursor:
        cursor.executemany(insert, [[row[c] for c in columns] for row in full])
        cursor.execute(
            f"INSERT INTO {qn(changes)} (organisation_id, kind, occurred_on, document_number, summary,"
            " from_status, to_status, actor_id, created_at)"
            f" SELECT o.id, %s, o.established_on, '', %s, '', %s, %s, %s FROM {qn(organisations)} o"
            f" WHERE NOT EXISTS (SELECT 1 FROM {qn(changes)} c WHERE c.organisation_id = o.id)",
            [rules.ChangeKind.ESTABLISHED.value, "成立登记（导入）", rules.OrganisationStatus.ACTIVE.value,
             actor.pk, stamp],
        )  # fmt: skip
    return len(full)


@transaction.atomic
def register_import(
    *, actor: User, filename: str, content: bytes, ip_address: str | None = None
) -> ImportResult:
    registrar_check(actor)
    records = _records(_table(filename, content))
    result = ImportResult(rows=len(records))
    ctx = _Context(
        actor=actor,
        divisions={d.code: d for d in Division.objects.filter(level__lte=Level.COUNTY)},
        # every code in the register (unique nationwide): one plain read, cheaper than a 50,000-item IN list
        existing_codes=set(
            Organisation.objects.values_list("credit_code", flat=True).iterator(chunk_size=10000)
        ),
    )
    problems: list[Problem] = []
    valid: list[dict[str, Any]] = []
    refused: set[int] = set()
    for number, values in records:
        checked = _row_check(number, values, ctx, problems)
        if checked is None:
            refused.add(number)
        else:
            valid.append(checked)
    result.supervisors_created = _supervisors(valid)
    created = _insert(valid, actor)
    result.imported, result.refused_rows = created, len(refused)
    result.problem_count, result.problems = len(problems), problems[:PROBLEMS_KEPT]
    event_record(actor=actor, verb="organisations.register_imported", object_type="organisations.import",
                 object_id=filename[:60], division_code=actor.division.code if actor.division else "",
                 summary=result.summary(), ip_address=ip_address)  # fmt: skip
    return result
