"""Pure rules of 信访 and complaints (issue 20): statuses, the transition table, the statutory time limits of
《信访工作条例》 (2022) and the routing rule that keeps a complaint away from the staff member it names.

No ORM here. Every limit cites its article; the day counts themselves are effective-dated policy parameters
(``policy/keys/petitions.py``), passed in as ``Limits``. "日" = calendar days, counted by 《民法典》
arts. 201–203 (``common.workdays.due_date``): the start day is not counted and a last day on a rest day or
holiday moves to the next working day; the objection limit of art. 23 ¶3 counts working days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from minzheng.common.workdays import CalendarDays, DueDate, WorkingCalendar, WorkingDays, due_date
from minzheng.divisions.rules import level_of, parent_code, scope_prefix

BASIS = "《信访工作条例》（2022）"
IN_FORCE = dt.date(2022, 5, 1)  # art. 50


class Status(StrEnum):
    REGISTERED = "registered"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    ASSIGNED = "assigned"
    HANDLING = "handling"
    EXTENDED = "extended"
    REPLIED = "replied"
    EVALUATED = "evaluated"
    REVIEW_REQUESTED = "review_requested"
    REVIEWED = "reviewed"
    REREVIEW_REQUESTED = "rereview_requested"
    REREVIEWED = "rereviewed"
    CLOSED = "closed"


STATUS_LABELS: dict[Status, str] = {
    Status.REGISTERED: "已登记",
    Status.ACCEPTED: "已受理",
    Status.NOT_ACCEPTED: "不予受理",
    Status.ASSIGNED: "已交办",
    Status.HANDLING: "办理中",
    Status.EXTENDED: "已延期",
    Status.REPLIED: "已答复",
    Status.EVALUATED: "已评价",
    Status.REVIEW_REQUESTED: "复查中",
    Status.REVIEWED: "已复查",
    Status.REREVIEW_REQUESTED: "复核中",
    Status.REREVIEWED: "已复核",
    Status.CLOSED: "已办结",
}

# Statuses with a running limit the daily scan watches (the others wait on the petitioner or are final).
RUNNING = frozenset(
    {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.HANDLING,
        Status.EXTENDED,
        Status.REVIEW_REQUESTED,
        Status.REREVIEW_REQUESTED,
    }
)
FINAL = frozenset({Status.NOT_ACCEPTED, Status.CLOSED})


class Channel(StrEnum):
    WINDOW = "window"
    LETTER = "letter"
    PHONE = "phone"
    PORTAL = "portal"
    TRANSFERRED = "transferred"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.WINDOW: "来访（窗口）",
    Channel.LETTER: "来信",
    Channel.PHONE: "来电",
    Channel.PORTAL: "网上信访（门户）",
    Channel.TRANSFERRED: "上级转送、交办",
}


class Kind(StrEnum):
    COMPLAINT = "complaint"  # 投诉、申诉求决 (art. 31(6)): the 60-day handling of art. 34 applies
    QUESTION = "question"  # 政策咨询
    SUGGESTION = "suggestion"  # 建议意见


KIND_LABELS: dict[Kind, str] = {
    Kind.COMPLAINT: "投诉、求决",
    Kind.QUESTION: "政策咨询",
    Kind.SUGGESTION: "意见建议",
}


class MatterType(StrEnum):
    ASSISTANCE = "assistance"  # 社会救助（低保、特困、临时救助）
    PAYMENT = "payment"  # 资金发放
    ELDERCARE = "eldercare"
    STAFF_CONDUCT = "staff_conduct"  # 工作人员作风、违纪
    POLICY = "policy"
    OTHER = "other"


MATTER_LABELS: dict[MatterType, str] = {
    MatterType.ASSISTANCE: "社会救助审核认定",
    MatterType.PAYMENT: "救助资金发放",
    MatterType.ELDERCARE: "养老服务",
    MatterType.STAFF_CONDUCT: "工作人员作风",
    MatterType.POLICY: "政策咨询",
    MatterType.OTHER: "其他",
}


class DueState(StrEnum):
    NONE = ""
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


DUE_STATE_LABELS: dict[DueState, str] = {
    DueState.NONE: "正常",
    DueState.DUE_SOON: "即将到期",
    DueState.OVERDUE: "已超期",
}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"


SATISFACTION_LABELS: dict[Satisfaction, str] = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}


@dataclass(frozen=True)
class Transition:
    action: str
    source: Status
    target: Status
    label: str
    basis: str


def _t(action: str, source: Status, target: Status, label: str, article: str) -> Transition:
    return Transition(action, source, target, label, f"{BASIS}{article}" if article else "")


# The one table every status change is checked against (services.petitions.petition_transition).
TRANSITIONS: tuple[Transition, ...] = (
    _t("accept", Status.REGISTERED, Status.ACCEPTED, "受理并书面告知", "第二十三条"),
    _t("decline", Status.REGISTERED, Status.NOT_ACCEPTED, "不予受理并书面告知", "第二十三条、第三十六条"),
    _t("assign", Status.ACCEPTED, Status.ASSIGNED, "交办", "第二十二条"),
    _t("transfer", Status.ASSIGNED, Status.ASSIGNED, "转办", "第二十二条"),
    _t("transfer", Status.HANDLING, Status.ASSIGNED, "转办", "第二十二条"),
    _t("object", Status.ASSIGNED, Status.ACCEPTED, "提出异议退回", "第二十三条第三款"),
    _t("start", Status.ASSIGNED, Status.HANDLING, "开始办理", "第三十二条"),
    _t("extend", Status.HANDLING, Status.EXTENDED, "延长办理期限", "第三十四条"),
    _t("reply", Status.HANDLING, Status.REPLIED, "书面答复", "第三十四条"),
    _t("reply", Status.EXTENDED, Status.REPLIED, "书面答复", "第三十四条"),
    _t("evaluate", Status.REPLIED, Status.EVALUATED, "满意度评价", ""),
    _t("close", Status.REPLIED, Status.CLOSED, "办结", ""),
    _t("close", Status.EVALUATED, Status.CLOSED, "办结", ""),
    _t("close", Status.REVIEWED, Status.CLOSED, "办结", ""),
    _t("close", Status.REREVIEWED, Status.CLOSED, "办结", "第三十六条"),
    _t("request_review", Status.REPLIED, Status.REVIEW_REQUESTED, "请求复查", "第三十五条"),
    _t("request_review", Status.EVALUATED, Status.REVIEW_REQUESTED, "请求复查", "第三十五条"),
    _t("request_review", Status.CLOSED, Status.REVIEW_REQUESTED, "请求复查", "第三十五条"),
    _t("decide_review", Status.REVIEW_REQUESTED, Status.REVIEWED, "复查意见", "第三十五条"),
    _t("request_rereview", Status.REVIEWED, Status.REREVIEW_REQUESTED, "请求复核", "第三十六条"),
    _t("request_rereview", Status.CLOSED, Status.REREVIEW_REQUESTED, "请求复核", "第三十六条"),
    _t("decide_rereview", Status.REREVIEW_REQUESTED, Status.REREVIEWED, "复核意见", "第三十六条"),
)
ACTION_LABELS: dict[str, str] = {t.action: t.label for t in TRANSITIONS}
PETITIONER_ACTIONS = frozenset({"evaluate", "request_review", "request_rereview"})


def transition_for(status: str, action: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == status and t.action == action), None)


def actions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == status]


# --- time limits ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The day counts in force (policy parameters ``petitions.*``); ``None`` = no parameter (需人工核定)."""

    accept_days: int | None
    objection_working_days: int | None
    handle_days: int | None
    extension_days_max: int | None
    review_request_days: int | None
    review_decide_days: int | None
    rereview_request_days: int | None
    rereview_decide_days: int | None
    due_soon_days: int | None = None
    repeat_window_days: int | None = None


LIMIT_FIELDS = (
    "accept_days",
    "objection_working_days",
    "handle_days",
    "extension_days_max",
    "review_request_days",
    "review_decide_days",
    "rereview_request_days",
    "rereview_decide_days",
    "due_soon_days",
    "repeat_window_days",
)


@dataclass(frozen=True)
class Deadline:
    """A computed limit: the last day (``None`` = 需人工核定, ``note`` says why) and how it was counted."""

    due_on: dt.date | None
    provisional: bool
    note: str


def _missing(what: str) -> Deadline:
    return Deadline(None, False, f"需人工核定：未设置“{what}”参数")


def _calendar(start: dt.date, days: int | None, what: str, calendar: WorkingCalendar) -> Deadline:
    if days is None:
        return _missing(what)
    result: DueDate = due_date(start, CalendarDays(days), calendar)
    return Deadline(result.due_on, result.provisional, f"{what}{days}日")


def accept_deadline(received_on: dt.date, limits: Limits, calendar: WorkingCalendar) -> Deadline:
    """《信访工作条例》第二十二条、第二十三条: decide whether to accept and tell the petitioner in
    writing within 15日 of receipt (calendar days)."""
    return _calendar(received_on, limits.accept_days, "受理告知期限", calendar)


def objection_deadline(assigned_on: dt.date, limits: Limits, calendar: WorkingCalendar) -> Deadline:
    """第二十三条第三款: a body that thinks an assigned matter is outside its remit objects within
    5个工作日 of receipt — working days, from the shared calendar."""
    if limits.objection_working_days is None:
        return _missing("交办异议期限")
    result = due_date(assigned_on, WorkingDays(limits.objection_working_days), calendar)
    return Deadline(result.due_on, result.provisional, f"交办异议期限{limits.objection_working_days}个工作日")


def handle_deadline(
    accepted_on: dt.date, limits: Limits, calendar: WorkingCalendar, extension_days: int = 0
) -> Deadline:
    """第三十四条: conclude within 60日 of acceptance; an extension (≤ 30日) adds to the same count."""
    if limits.handle_days is None:
        return _missing("办理期限")
    total = limits.handle_days + extension_days
    result = due_date(accepted_on, CalendarDays(total), calendar)
    more = f"（含延长{extension_days}日）" if extension_days else ""
    return Deadline(result.due_on, result.provisional, f"办理期限{limits.handle_days}日{more}")


def extension_problem(days: int, already: int, reason: str, limits: Limits) -> str:
    """第三十四条: 延长期限不得超过三十日, with a reason told to the petitioner. "" when allowed."""
    if limits.extension_days_max is None:
        return "需人工核定：未设置“延长办理期限上限”参数"
    if days <= 0:
        return "延长天数须大于零"
    if already + days > limits.extension_days_max:
        return f"延长期限累计不得超过{limits.extension_days_max}日（《信访工作条例》第三十四条）"
    if not reason.strip():
        return "延长办理期限须说明理由并告知信访人（《信访工作条例》第三十四条）"
    return ""


def review_request_deadline(replied_on: dt.date, limits: Limits, calendar: WorkingCalendar) -> Deadline:
    """第三十五条: a review (复查) may be requested within 30日 of receiving the written reply."""
    return _calendar(replied_on, limits.review_request_days, "请求复查期限", calendar)


def review_deadline(requested_on: dt.date, limits: Limits, calendar: WorkingCalendar) -> Deadline:
    """第三十五条: the review opinion within 30日 of the request."""
    return _calendar(requested_on, limits.review_decide_days, "复查期限", calendar)


def rereview_request_deadline(reviewed_on: dt.date, limits: Limits, calendar: WorkingCalendar) -> Deadline:
    """第三十六条: a re-review (复核) may be requested within 30日 of receiving the review opinion."""
    return _calendar(reviewed_on, limits.rereview_request_days, "请求复核期限", calendar)


def rereview_deadline(requested_on: dt.date, limits: Limits, calendar: WorkingCalendar) -> Deadline:
    """第三十六条: the re-review opinion within 30日 of the request (hearing time not counted)."""
    return _calendar(requested_on, limits.rereview_decide_days, "复核期限", calendar)


def request_late(day: dt.date, request_due_on: dt.date | None) -> str:
    """A 复查/复核 request after its limit is refused (第三十五条、第三十六条); "" when in time."""
    if request_due_on is None:
        return "需人工核定：请求期限未能计算，请由负责人确认后办理"
    if day > request_due_on:
        return f"已超过请求期限（{request_due_on:%Y-%m-%d}），不予受理"
    return ""


def due_state(due_on: dt.date | None, today: dt.date, soon_days: int) -> DueState:
    """The scan's flag: overdue after the last day (its 24:00, 《民法典》第二百零三条第二款), due soon within
    ``soon_days`` of it."""
    if due_on is None:
        return DueState.NONE
    if today > due_on:
        return DueState.OVERDUE
    if (due_on - today).days <= soon_days:
        return DueState.DUE_SOON
    return DueState.NONE


def on_time(replied_on: dt.date, handle_due_on: dt.date | None) -> bool | None:
    return None if handle_due_on is None else replied_on <= handle_due_on


# --- routing away from the accused --------------------------------------------------------------------------


def route_refusal(
    target_code: str, accused_division_code: str | None, *, target_is_accused: bool = False
) -> str:
    """A complaint naming a staff member is never routed to that member or to their own unit (issue 20 §5;
    《信访工作条例》第二十二条 routes to the body with the power to handle, and the accused may not handle
    a complaint about themselves). The unit is the accused's division and everything below it. "" when
    allowed."""
    if target_is_accused:
        return "信访事项反映的是该工作人员本人，不得交由其本人办理"
    if accused_division_code and target_code.startswith(_prefix(accused_division_code)):
        return "信访事项反映的是该单位工作人员，不得交由被反映人所在单位办理，请交上级或其他单位办理"
    return ""


def _prefix(code12: str) -> str:
    """The division's own code prefix (2/4/6/9/12 digits by level)."""
    return scope_prefix(code12, level_of(code12))


def above_code(code12: str) -> str | None:
    """The code of the level above (village → township → county → league → region); None for the region."""
    return parent_code(code12, level_of(code12))
