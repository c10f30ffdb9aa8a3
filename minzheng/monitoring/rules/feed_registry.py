"""The department feed registry (国办发〔2023〕39号 §三(三); docs/feeds/): what each department delivers,
its columns (Chinese headers or English keys) and the natural key of one record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from minzheng.monitoring.rules.categories import BASIS_39


class ColumnType(StrEnum):
    ID_NUMBER = "id_number"
    DATE = "date"
    MONEY = "money"
    TEXT = "text"
    CHOICE = "choice"


@dataclass(frozen=True)
class FeedColumn:
    key: str  # JSON field name and accepted CSV header
    label: str  # Chinese CSV/Excel header
    kind: ColumnType
    required: bool = True
    choices: Mapping[str, str] = field(default_factory=dict)  # stored code → Chinese label
    role: str = ""  # id / event_date / amount / code: where the value lands in a FeedRecord


@dataclass(frozen=True)
class FeedSpec:
    code: str
    department: str
    label: str
    basis: str
    columns: tuple[FeedColumn, ...]
    natural_key: tuple[str, ...]  # column keys that identify one record of the department

    def column(self, key: str) -> FeedColumn:
        return next(c for c in self.columns if c.key == key)


def _id() -> FeedColumn:
    return FeedColumn("id_number", "身份证号码", ColumnType.ID_NUMBER, role="id")


def _date(key: str, label: str) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.DATE, role="event_date")


def _money(key: str, label: str, required: bool = True) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.MONEY, required, role="amount")


def _text(key: str, label: str, required: bool = True) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.TEXT, required)


def _choice(key: str, label: str, choices: Mapping[str, str]) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.CHOICE, True, choices, role="code")


_VERIFY = "《最低生活保障审核确认办法》第17条；policy-rules.md §4.3"
FEEDS: Final[dict[str, FeedSpec]] = {
    f.code: f
    for f in (
        FeedSpec(
            "medical_expense",
            "医保",
            "医疗费用个人自付",
            f"{BASIS_39}§三(三)；刚性支出困难家庭认定办法第5条",
            (
                _id(),
                _date("settled_on", "结算日期"),
                _money("out_of_pocket", "个人自付金额"),
                _choice(
                    "expense_kind",
                    "费用类别",
                    {"medical": "医疗", "rehabilitation": "康复", "accident": "意外伤害"},
                ),
                _text("settlement_number", "结算单号"),
            ),
            ("settlement_number",),
        ),
        FeedSpec(
            "disability_certificate",
            "残联",
            "残疾人证",
            f"{BASIS_39}§三(三)（重度残疾人）",
            (
                _id(),
                _date("issued_on", "发证日期"),
                _choice("grade", "残疾等级", {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}),
                _text("certificate_number", "残疾人证号"),
            ),
            ("certificate_number",),
        ),
        FeedSpec(
            "death",
            "公安",
            "死亡注销户口",
            f"{_VERIFY}；2022年通知§三(二)（殡葬、死亡数据）",
            (_id(), _date("died_on", "死亡日期")),
            ("id_number",),
        ),
        FeedSpec(
            "hukou_change",
            "公安",
            "户籍迁移",
            _VERIFY,
            (
                _id(),
                _date("changed_on", "变动日期"),
                _choice("change", "变动类型", {"move_in": "迁入", "move_out": "迁出"}),
            ),
            ("id_number", "changed_on", "change"),
        ),
        FeedSpec(
            "vehicle",
            "公安",
            "机动车登记",
            "《社会救助暂行办法》第58条；审核确认办法第17条",
            (
                _id(),
                _date("registered_on", "登记日期"),
                _text("plate", "号牌号码"),
                _money("value", "估值", required=False),
            ),
            ("plate",),
        ),
        FeedSpec(
            "unemployment",
            "人社",
            "失业登记",
            f"{BASIS_39}§三(三)（登记失业人员）",
            (_id(), _date("registered_on", "失业登记日期"), _text("registration_number", "登记编号")),
            ("registration_number",),
        ),
        FeedSpec(
            "pension",
            "人社",
            "养老金发放",
            f"{BASIS_39}§三(三)（养老金）",
            (_id(), _date("month", "发放月份"), _money("amount", "发放金额")),
            ("id_number", "month"),
        ),
        FeedSpec(
            "wage",
            "人社",
            "社会保险缴费工资",
            f"{BASIS_39}§三(三)（社会保险）",
            (_id(), _date("month", "缴费月份"), _money("wage", "缴费工资")),
            ("id_number", "month"),
        ),
        FeedSpec(
            "serious_illness",
            "卫健",
            "重病患者",
            f"{BASIS_39}§三(三)（重病患者）",
            (_id(), _date("diagnosed_on", "诊断日期"), _text("disease", "疾病名称")),
            ("id_number", "diagnosed_on", "disease"),
        ),
        FeedSpec(
            "student",
            "教育",
            "家庭经济困难学生",
            f"{BASIS_39}§三(三)；§四（教育救助）",
            (
                _id(),
                _date("school_year_start", "学年开始日期"),
                _text("school", "学校"),
                _choice("education_aid", "是否享受教育资助", {"aided": "是", "not_aided": "否"}),
                _money("fees", "学费住宿费", required=False),
            ),
            ("id_number", "school_year_start"),
        ),
        FeedSpec(
            "real_estate",
            "不动产",
            "不动产登记",
            _VERIFY,
            (
                _id(),
                _date("registered_on", "登记日期"),
                _text("certificate_number", "不动产权证号"),
                _money("value", "估值", required=False),
            ),
            ("certificate_number",),
        ),
        FeedSpec(
            "business_registration",
            "市场监管",
            "市场主体登记",
            _VERIFY,
            (
                _id(),
                _date("established_on", "成立日期"),
                _text("credit_code", "统一社会信用代码"),
                _choice("state", "登记状态", {"active": "存续", "cancelled": "注销"}),
            ),
            ("credit_code",),
        ),
        FeedSpec(
            "disaster_victim",
            "应急",
            "受灾人员",
            f"{BASIS_39}§四（受灾人员救助）",
            (
                _id(),
                _date("occurred_on", "受灾日期"),
                _choice(
                    "hazard",
                    "灾害类型",
                    {
                        "flood": "洪涝",
                        "drought": "干旱",
                        "snow": "雪灾",
                        "earthquake": "地震",
                        "fire": "火灾",
                        "other": "其他",
                    },
                ),
                _money("loss", "损失金额", required=False),
                _text("event_number", "灾情编号"),
            ),
            ("id_number", "event_number"),
        ),
        FeedSpec(
            "return_to_poverty_watch",
            "农业农村",
            "防止返贫监测对象",
            f"{BASIS_39}§二（三）",
            (_id(), _date("listed_on", "纳入监测日期")),
            ("id_number", "listed_on"),
        ),
        FeedSpec(
            "civil_affairs_event",
            "民政",
            "婚姻、殡葬登记",
            "2022年通知§三(二)",
            (
                _id(),
                _date("occurred_on", "登记日期"),
                _choice("event", "事项", {"marriage": "结婚", "divorce": "离婚", "funeral": "火化（殡葬）"}),
            ),
            ("id_number", "occurred_on", "event"),
        ),
    )
}


def feed_get(code: str) -> FeedSpec | None:
    return FEEDS.get(code)


def header_map(spec: FeedSpec, headers: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Column key → position, accepting the Chinese label or the English key; returns the problems
    (missing required columns, unknown or repeated columns) as Chinese sentences."""
    names = {c.label: c.key for c in spec.columns} | {c.key: c.key for c in spec.columns}
    positions: dict[str, int] = {}
    problems: list[str] = []
    for n, raw in enumerate(headers):
        header = (raw or "").strip().lstrip("\ufeff")
        key = names.get(header)
        if key is None:
            problems.append(f"第 {n + 1} 列“{header}”不是“{spec.label}”数据的列")
        elif key in positions:
            problems.append(f"第 {n + 1} 列“{header}”重复")
        else:
            positions[key] = n
    for column in spec.columns:
        if column.required and column.key not in positions:
            problems.append(f"缺少必填列“{column.label}”")
    return positions, problems
