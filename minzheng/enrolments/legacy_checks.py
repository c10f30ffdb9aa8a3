"""Reading and checking a legacy-system export (issue 5 §2; the import itself: ``legacy``).

The file is read column by column (``common.tabular``: python-calamine for .xlsx, PyArrow for CSV) and every
check runs over whole columns: ID numbers through ``common.identity.parse_resident_ids`` (canonical numbers
checked inline, the rest by ``parse_resident_id`` for its exact message), names of relations, programmes and
employment through dictionaries, amounts and months cached by their text, divisions fetched once, and the
ID numbers already in the registry found by one query over their blind indexes. Every problem carries the
spreadsheet row number, the column and a message in Chinese; the problems come out sorted by row and column,
the checks of one cell in the order they run (format, duplicate, household, registry).

File format: docs/enrolments.md §原系统数据导入.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.db import connection
from django.db.models import F

from minzheng.accounts.models import User
from minzheng.catalogue.programmes import Programme
from minzheng.common import crypto
from minzheng.common.bulk import batch_transaction
from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import parse_resident_ids
from minzheng.common.scoping import AnyOf, code_in_scope
from minzheng.common.tabular import Table, column_text, read_table
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.enrolments.rules import parse_month
from minzheng.policy.rules import PROGRAMMES
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import Membership, Person
from minzheng.registry.rules import normalise_bank_account
from minzheng.registry.services import ID_INDEX

MAX_ROWS = 1_000_000  # one file (≈ 20 s); larger exports are split by township
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
class Sheet:
    """The file's data rows column by column (blank rows dropped) and what the checks derived from them;
    every list is indexed by position (0 = the first kept data row)."""

    numbers: list[int]  # spreadsheet row numbers
    text: dict[str, list[str]]  # column name → cell text
    id_numbers: list[str] = field(default_factory=list)  # normalised; "" when missing or invalid
    birth_dates: list[dt.date | None] = field(default_factory=list)
    sexes: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)
    employments: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    amounts: list[Decimal | None] = field(default_factory=list)
    starts: list[dt.date | None] = field(default_factory=list)
    id_indexes: list[str] = field(default_factory=list)  # blind index of each valid ID number, else ""


class Village(NamedTuple):
    """What the import needs of a head row's division, fetched as values (a model instance per village of a
    province-size file took seconds)."""

    pk: int
    code: str
    name: str
    level: int
    abolished_on: dt.date | None
    urban_rural: str
    township_id: int  # the paying township, as ``enrolments.services.township_of``


def _villages(codes: set[str]) -> dict[str, Village]:
    if not codes:
        return {}
    # The codes as one array parameter (``AnyOf``): ``code__in`` resolved and spliced ≈ 11,000 parameters
    # one by one, 0.12 s of Python per 60,000 rows (bench/speed-imports.md, session 12).
    rows = Division.objects.filter(AnyOf(F("code"), sorted(codes))).values_list(
        "pk",
        "code",
        "name",
        "level",
        "abolished_on",
        "urban_rural",
        "parent_id",
        "parent__level",
        "parent__parent_id",
    )
    villages = {}
    for pk, code, name, level, abolished_on, urban_rural, parent, parent_level, grandparent in rows:
        if level <= Level.TOWNSHIP or parent is None:
            township = pk
        else:
            township = parent if parent_level <= Level.TOWNSHIP else grandparent or parent
        villages[code] = Village(pk, code, name, level, abolished_on, urban_rural, township)
    return villages


@dataclass
class HouseholdRows:
    key: str
    head: int | None = None  # position of the head row
    rows: list[int] = field(default_factory=list)  # positions
    division: Village | None = None
    urban_rural: str = ""
    account: str = ""


@dataclass
class Checked:
    sheet: Sheet
    households: dict[str, HouseholdRows]
    problems: list[Problem]


# --- reading ------------------------------------------------------------------------------------------


def _sheet(table: Table, problems: list[Problem]) -> Sheet:
    if not table.header:
        raise ValidationFailed("文件是空的", field="file")
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        raise ValidationFailed(f"缺少必需的列：{'、'.join(missing)}（第 1 行须为列名）", field="file")
    if table.count > MAX_ROWS:
        raise ValidationFailed(f"一个文件最多 {MAX_ROWS} 行，请按乡镇拆分", field="file")
    present = {name: column_text(raw) for name in COLUMNS if (raw := table.column(name)) is not None}
    keep = [i for i, cells in enumerate(zip(*present.values(), strict=True)) if any(cells)]
    if len(keep) < table.count:
        present = {name: [cells[i] for i in keep] for name, cells in present.items()}
    raw_ids = table.column(ID_NUMBER) or []
    problems.extend(
        Problem(i + 2, ID_NUMBER, "身份证号码须为文本格式（数字格式会丢失末几位）")
        for i in keep
        if isinstance(raw_ids[i], float)
    )
    empty = [""] * len(keep)
    return Sheet([i + 2 for i in keep], {name: present.get(name, empty) for name in COLUMNS})


# --- validation ---------------------------------------------------------------------------------------


def _row_checks(sheet: Sheet, problems: list[Problem]) -> None:
    """The checks of each row on its own (and duplicate ID numbers within the file)."""
    numbers, text = sheet.numbers, sheet.text

    def report(column: str, positions: Iterable[int], template: str) -> None:
        """A problem at each position; ``{}`` in the template stands for the cell's text."""
        problems.extend(Problem(numbers[j], column, template.format(text[column][j])) for j in positions)

    for column in REQUIRED:
        report(column, (j for j, v in enumerate(text[column]) if not v), f"请填写{column}")
    report(NAME, (j for j, v in enumerate(text[NAME]) if len(v) > 50), "姓名不能超过 50 个字")
    _id_checks(sheet, problems)
    sheet.relations = [RELATIONS.get(v, "") for v in text[RELATION]]
    report(
        RELATION,
        (j for j, v in enumerate(text[RELATION]) if v and not sheet.relations[j]),
        "与户主关系“{}”无法识别（如：户主、配偶、子、女、父母）",
    )
    sheet.employments = [EMPLOYMENT_NAMES.get(v, "") for v in text[EMPLOYMENT]]
    report(
        EMPLOYMENT,
        (j for j, v in enumerate(text[EMPLOYMENT]) if v and not sheet.employments[j]),
        "就业状况“{}”无法识别",
    )
    _enrolment_checks(sheet, problems)


def _id_checks(sheet: Sheet, problems: list[Problem]) -> None:
    ids = parse_resident_ids(sheet.text[ID_NUMBER])
    sheet.id_numbers, sheet.birth_dates, sheet.sexes = ids.numbers, ids.birth_dates, ids.sexes
    seen: dict[str, int] = {}
    for j, number in enumerate(ids.numbers):
        if j in ids.errors:
            problems.append(Problem(sheet.numbers[j], ID_NUMBER, ids.errors[j]))
        elif number and seen.setdefault(number, j) != j:
            message = f"身份证号码与第 {sheet.numbers[seen[number]]} 行重复"
            problems.append(Problem(sheet.numbers[j], ID_NUMBER, message))


def _amount(text: str) -> tuple[Decimal | None, str]:
    """The monthly amount of a cell, or the problem with it."""
    try:
        amount = Decimal(text.replace(",", ""))
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            return None, "月发放金额须为不小于 0 的数字，最多两位小数"
        return amount.quantize(Decimal("0.01")), ""
    except InvalidOperation:
        return None, f"月发放金额“{text}”不是有效数字" if text else "请填写月发放金额"


def _enrolment_checks(sheet: Sheet, problems: list[Problem]) -> None:
    """Programme, amount and month of the rows that carry an enrolment (amounts and months are cached by
    their text: a file repeats a few hundred values)."""
    text, count = sheet.text, len(sheet.numbers)
    sheet.programmes, sheet.amounts, sheet.starts = [""] * count, [None] * count, [None] * count
    amounts: dict[str, tuple[Decimal | None, str]] = {}
    months: dict[str, dt.date | None] = {}
    for j, (name, amount_text, start_text) in enumerate(
        zip(text[PROGRAMME], text[AMOUNT], text[START], strict=True)
    ):
        if not (name or amount_text or start_text):
            continue
        number = sheet.numbers[j]
        programme = sheet.programmes[j] = PROGRAMME_NAMES.get(name, "")
        relation = sheet.relations[j]
        if not programme:
            message = f"救助项目“{name}”无法识别（如：最低生活保障、特困人员救助供养、高龄津贴）"
            problems.append(Problem(number, PROGRAMME, message))
        elif programme in NOT_RUNNING:
            problems.append(Problem(number, PROGRAMME, f"“{name}”不是按月发放的项目，不能导入为在保对象"))
        elif programme in HOUSEHOLD_PROGRAMMES and relation and relation != "head":
            problems.append(Problem(number, PROGRAMME, "按户保障的项目须填在户主所在行"))
        if amount_text not in amounts:
            amounts[amount_text] = _amount(amount_text)
        sheet.amounts[j], message = amounts[amount_text]
        if message:
            problems.append(Problem(number, AMOUNT, message))
        if start_text not in months:
            months[start_text] = parse_month(start_text)
        sheet.starts[j] = months[start_text]
        if sheet.starts[j] is None:
            message = f"起始月份“{start_text}”格式不对（如 2026-12）" if start_text else "请填写起始月份"
            problems.append(Problem(number, START, message))


def _households(sheet: Sheet, problems: list[Problem]) -> dict[str, HouseholdRows]:
    groups: dict[str, HouseholdRows] = {}
    for j, (key, relation) in enumerate(zip(sheet.text[HOUSEHOLD_KEY], sheet.relations, strict=True)):
        if not key:
            continue
        group = groups.get(key) or groups.setdefault(key, HouseholdRows(key))
        group.rows.append(j)
        if relation == "head":
            if group.head is not None:
                message = f"家庭 {key} 已在第 {sheet.numbers[group.head]} 行填了户主"
                problems.append(Problem(sheet.numbers[j], RELATION, message))
            else:
                group.head = j
    for group in groups.values():
        if group.head is None:
            problems.append(Problem(sheet.numbers[group.rows[0]], RELATION, f"家庭 {group.key} 没有户主行"))
    return groups


def _division_verdict(actor: User, code: str, division: Village | None) -> tuple[Village | None, str]:
    """The village of a head row's division code, or the problem with it."""
    if not code:
        return None, "请在户主行填写户籍区划代码（12 位村级代码）"
    if division is None or division.level != Level.VILLAGE:
        return None, f"区划代码 {code} 不存在或不是村（社区）级"
    if division.abolished_on is not None:
        return None, f"区划 {division.name}（{code}）已撤销"
    if not code_in_scope(actor, division.code):
        return None, f"区划 {division.name}（{code}）不在您的管辖范围内"
    return division, ""


def _bank_account(text: str) -> str:
    """``normalise_bank_account``, skipped for the usual plain run of 12–30 ASCII digits it returns as is."""
    return (
        text if 12 <= len(text) <= 30 and text.isascii() and text.isdigit() else normalise_bank_account(text)
    )


def _household_checks(
    actor: User, sheet: Sheet, groups: dict[str, HouseholdRows], problems: list[Problem]
) -> None:
    text = sheet.text
    heads = [g.head for g in groups.values() if g.head is not None]
    codes = {text[DIVISION][h].ljust(12, "0") for h in heads if text[DIVISION][h].isdigit()}
    divisions = _villages(codes)
    verdicts: dict[str, tuple[Village | None, str]] = {}
    for group in groups.values():
        head = group.head
        if head is None:
            continue
        number, code = sheet.numbers[head], text[DIVISION][head]
        if code not in verdicts:
            known = divisions.get(code.ljust(12, "0")) if code.isdigit() else None
            verdicts[code] = _division_verdict(actor, code, known)
        group.division, message = verdicts[code]
        if message:
            problems.append(Problem(number, DIVISION, message))
        urban_rural = URBAN_RURAL_NAMES.get(text[URBAN_RURAL][head])
        if urban_rural is None:
            problems.append(Problem(number, URBAN_RURAL, "城乡类别须为“城镇”或“农村”"))
        else:
            fallback = group.division.urban_rural if group.division else ""
            group.urban_rural = urban_rural or fallback or "rural"
        try:
            group.account = _bank_account(text[ACCOUNT][head])
        except ValidationFailed as error:
            problems.append(Problem(number, ACCOUNT, error.message))


# Driven by the file's people (nothing to do for new ones), each looked up through an index. The household
# enrolment's "no person" test is written COALESCE(person_id, 0) = 0 (ids are positive) so that it is never
# an index condition: right after a bulk import the tables have no statistics, and the planner then ANDed
# the household's index with the index of every person-less enrolment, once per person (316 s for 60,000
# people, bench/speed-imports.md).
_REGISTERED = """
SELECT p.id_number_index, ARRAY(
    SELECT e.programme FROM {enrolment} e WHERE e.person_id = p.id AND e.status <> 'ended'
    UNION
    SELECT e.programme FROM {membership} m
    JOIN {enrolment} e ON e.household_id = m.household_id AND COALESCE(e.person_id, 0) = 0
    WHERE m.person_id = p.id AND m.left_on IS NULL AND e.status <> 'ended'
)
FROM unnest(%s::text[]) AS wanted(idx) JOIN {person} p ON p.id_number_index = wanted.idx
"""


def _registered_portable(indexes: list[str]) -> list[tuple[str, set[str]]]:
    """``_REGISTERED`` on SQLite (the embedded database of ``make run``: a demo's few hundred rows), through
    the ORM in chunks: each registered person's blind index and the programmes they are enrolled in, in
    person or through their current household."""
    found: list[tuple[str, set[str]]] = []
    for start in range(0, len(indexes), REGISTRY_CHUNK):
        chunk = indexes[start : start + REGISTRY_CHUNK]
        persons = dict(Person.objects.filter(id_number_index__in=chunk).values_list("id", "id_number_index"))
        current = Enrolment.objects.exclude(status=EnrolmentStatus.ENDED)
        programmes: dict[int, set[str]] = {pk: set() for pk in persons}
        for person, programme in current.filter(person_id__in=persons).values_list("person_id", "programme"):
            programmes[person].add(programme)
        homes = Membership.objects.filter(person_id__in=persons, left_on__isnull=True)
        household_of = dict(homes.values_list("person_id", "household_id"))
        held: dict[int, set[str]] = {}
        for household, programme in current.filter(
            household_id__in=set(household_of.values()), person__isnull=True
        ).values_list("household_id", "programme"):
            held.setdefault(household, set()).add(programme)
        for pk, index in persons.items():
            found.append((index, programmes[pk] | held.get(household_of.get(pk, 0), set())))
    return found


REGISTRY_CHUNK = 500  # blind indexes per query on SQLite (below its bound-parameter limit)


def _registry_checks(sheet: Sheet, problems: list[Problem]) -> None:
    """ID numbers already in the registry, and whether each is enrolled (in person or through a current
    household) in the row's programme: one query for the whole file, the blind indexes sent as one array."""
    valid = [j for j, number in enumerate(sheet.id_numbers) if number]
    indexes = crypto.blind_indexes([sheet.id_numbers[j] for j in valid], purpose=ID_INDEX)
    sheet.id_indexes = [""] * len(sheet.numbers)
    for j, index in zip(valid, indexes, strict=True):
        sheet.id_indexes[j] = index
    by_index = dict(zip(indexes, valid, strict=True))  # a duplicated number: its last row, as before
    sql = _REGISTERED.format(
        person=Person._meta.db_table, enrolment=Enrolment._meta.db_table, membership=Membership._meta.db_table
    )
    if connection.vendor == "postgresql":
        with batch_transaction(), connection.cursor() as cursor:
            cursor.execute(sql, ["{" + ",".join(indexes) + "}"])  # hex digests need no quoting
            registered = cursor.fetchall()
    else:
        registered = _registered_portable(indexes)
    for index, programmes in registered:
        j = by_index[index]
        if sheet.programmes[j] and sheet.programmes[j] in programmes:
            problems.append(
                Problem(sheet.numbers[j], ID_NUMBER, "该人员已在保（同一救助项目），不能重复导入")
            )
        else:
            message = "该身份证号码已在人口库登记，请在系统中直接办理纳入"
            problems.append(Problem(sheet.numbers[j], ID_NUMBER, message))


def legacy_validate(*, actor: User, filename: str, content: bytes) -> Checked:
    """Read and check the whole file: the rows, their households and every problem (row, column, message),
    in row and column order."""
    problems: list[Problem] = []
    sheet = _sheet(read_table(filename, content), problems)
    if not sheet.numbers:
        raise ValidationFailed("文件中没有数据行", field="file")
    _row_checks(sheet, problems)
    groups = _households(sheet, problems)
    _household_checks(actor, sheet, groups, problems)
    _registry_checks(sheet, problems)
    order = {column: i for i, column in enumerate(COLUMNS)}
    problems.sort(
        key=lambda p: (p.row, order.get(p.column, 99))
    )  # stable: a column's checks keep their order
    return Checked(sheet, groups, problems)
