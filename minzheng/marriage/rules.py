"""The rules of marriage registration, pure (no ORM): services, statuses and their transition tables,
legal age, eligibility, the divorce cooling-off dates, the booking window and certificate numbers.

Sources (see ../shared/docs/policy-figures.md §11.3 and policy-rules.md §6.4):

* 《中华人民共和国民法典》 婚姻家庭编: art. 1046 (完全自愿), art. 1047 (法定婚龄：男不得早于二十二
  周岁，女不得早于二十周岁), art. 1048 (直系血亲或者三代以内的旁系血亲禁止结婚), art. 1049
  (双方亲自到婚姻登记机关申请结婚登记),
  art. 1076 (协议离婚：书面离婚协议，亲自申请), art. 1077 (离婚冷静期), art. 1078 (查明后发给离婚证);
  arts. 201–203 (period arithmetic).
* 《婚姻登记条例》 as revised by 国务院令第804号 (2025-04-06, in force 2025-05-10): registration at any office
  (全国通办), ID card plus a signed declaration (no 户口簿), refusal grounds, appointments allowed. The
  article
  numbers of the revised regulation were NOT FOUND; it is cited by its order number only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.common.workdays import CalendarDays, WorkingCalendar, due_date

ORDER_804 = "《婚姻登记条例》（国务院令第804号，2025-05-10施行）"
CIVIL_CODE = "《民法典》"


class Service(StrEnum):
    """What an appointment (and a slot) is for."""

    MARRIAGE = "marriage"
    DIVORCE_APPLICATION = "divorce_application"
    DIVORCE_REGISTRATION = "divorce_registration"
    REISSUE = "reissue"


SERVICE_LABELS: dict[Service, str] = {
    Service.MARRIAGE: "结婚登记",
    Service.DIVORCE_APPLICATION: "离婚登记申请",
    Service.DIVORCE_REGISTRATION: "离婚登记（领证）",
    Service.REISSUE: "补领婚姻登记证",
}


class RecordKind(StrEnum):
    MARRIAGE = "marriage"
    DIVORCE = "divorce"


RECORD_KIND_LABELS: dict[RecordKind, str] = {RecordKind.MARRIAGE: "结婚登记", RecordKind.DIVORCE: "离婚登记"}
# The letter of the certificate number (结婚证字号 J…, 离婚证字号 L…, 补发 BJ…/BL…), as printed on
# certificates.
CERTIFICATE_PREFIX: dict[RecordKind, str] = {RecordKind.MARRIAGE: "J", RecordKind.DIVORCE: "L"}
REISSUE_PREFIX: dict[RecordKind, str] = {RecordKind.MARRIAGE: "BJ", RecordKind.DIVORCE: "BL"}


class RecordTransitionRefused(Conflict):
    code = "marriage_transition_refused"


# --- appointments ---------------------------------------------------------------------------------------


class AppointmentStatus(StrEnum):
    PENDING = "pending"  # booked by one party, the other has not confirmed yet
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ATTENDED = "attended"  # the couple came; the registration (or application) was handled
    NO_SHOW = "no_show"


APPOINTMENT_STATUS_LABELS: dict[AppointmentStatus, str] = {
    AppointmentStatus.PENDING: "待对方确认",
    AppointmentStatus.CONFIRMED: "已确认",
    AppointmentStatus.CANCELLED: "已取消",
    AppointmentStatus.ATTENDED: "已办理",
    AppointmentStatus.NO_SHOW: "未到场",
}
ACTIVE_APPOINTMENT = frozenset({AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED})


@dataclass(frozen=True)
class Transition:
    source: StrEnum
    action: str
    target: StrEnum
    label: str
    releases_slot: bool = False  # the slot's place goes back to the pool (exactly once: the CAS on status)


APPOINTMENT_TRANSITIONS: tuple[Transition, ...] = (
    Transition(AppointmentStatus.PENDING, "confirm", AppointmentStatus.CONFIRMED, "对方确认"),
    Transition(AppointmentStatus.PENDING, "cancel", AppointmentStatus.CANCELLED, "取消预约", True),
    Transition(AppointmentStatus.CONFIRMED, "cancel", AppointmentStatus.CANCELLED, "取消预约", True),
    Transition(AppointmentStatus.PENDING, "reschedule", AppointmentStatus.PENDING, "改约"),
    Transition(AppointmentStatus.CONFIRMED, "reschedule", AppointmentStatus.CONFIRMED, "改约"),
    Transition(AppointmentStatus.CONFIRMED, "attend", AppointmentStatus.ATTENDED, "到场办理"),
    Transition(AppointmentStatus.PENDING, "no_show", AppointmentStatus.NO_SHOW, "未到场"),
    Transition(AppointmentStatus.CONFIRMED, "no_show", AppointmentStatus.NO_SHOW, "未到场"),
)


def transition_for(table: tuple[Transition, ...], status: str, action: str) -> Transition | None:
    return next((t for t in table if t.source.value == status and t.action == action), None)


# --- divorce applications -----------------------------------------------------------------------------


class DivorceStatus(StrEnum):
    PENDING = (
        "pending"  # received; in the cooling-off period or the registration window (see ``divorce_phase``)
    )
    WITHDRAWN = "withdrawn"  # a party withdrew within the cooling-off period (art. 1077 ¶1)
    REGISTERED = "registered"  # both came within the window; the divorce was registered (art. 1078)
    LAPSED = "lapsed"  # nobody came within the window: deemed withdrawn (art. 1077 ¶2)


DIVORCE_STATUS_LABELS: dict[DivorceStatus, str] = {
    DivorceStatus.PENDING: "办理中",
    DivorceStatus.WITHDRAWN: "已撤回",
    DivorceStatus.REGISTERED: "已登记离婚",
    DivorceStatus.LAPSED: "视为撤回",
}
DIVORCE_TRANSITIONS: tuple[Transition, ...] = (
    Transition(DivorceStatus.PENDING, "withdraw", DivorceStatus.WITHDRAWN, "撤回离婚登记申请"),
    Transition(DivorceStatus.PENDING, "register", DivorceStatus.REGISTERED, "登记离婚、发给离婚证"),
    Transition(DivorceStatus.PENDING, "lapse", DivorceStatus.LAPSED, "期满未申领，视为撤回"),
)


@dataclass(frozen=True)
class CoolingOffDates:
    """Every date of one divorce application, computed once on receipt and stored (ADR 0004)."""

    received_on: dt.date
    withdraw_until: dt.date  # last day a party may withdraw (cooling-off period ends)
    register_from: dt.date  # first day both may come to register
    register_by: dt.date  # last day; after it the application is deemed withdrawn
    provisional: bool  # a day came from the Mon–Fri assumption (holiday schedule not yet published)


def cooling_off_dates(
    received_on: dt.date, withdrawal_days: int, registration_days: int, calendar: WorkingCalendar
) -> CoolingOffDates:
    """《民法典》第一千零七十七条: 自婚姻登记机关收到离婚登记申请之日起三十日内，任何一方不愿意离婚的，
    可以向婚姻登记机关
    撤回离婚登记申请。前款规定期限届满后三十日内，双方应当亲自到婚姻登记机关申请发给离婚证；未申请的，视为撤回离婚登记申请。

    Counted by arts. 201–203: the day of receipt is not counted; a period whose last day is a statutory
    holiday or rest day ends on the next working day. The second period starts the day after the first
    ends (its start day — the last day of the first — is not counted either). ``withdrawal_days`` and
    ``registration_days`` come from the parameters ``marriage.divorce_withdrawal_days`` /
    ``marriage.divorce_registration_days`` (30 and 30 by the article).
    """
    first = due_date(received_on, CalendarDays(withdrawal_days), calendar)
    second = due_date(first.due_on, CalendarDays(registration_days), calendar)
    return CoolingOffDates(
        received_on=received_on,
        withdraw_until=first.due_on,
        register_from=first.due_on + dt.timedelta(days=1),
        register_by=second.due_on,
        provisional=first.provisional or second.provisional,
    )


class DivorcePhase(StrEnum):
    COOLING_OFF = "cooling_off"
    WINDOW = "window"
    EXPIRED = "expired"  # the window has passed; the daily scan marks the application lapsed


DIVORCE_PHASE_LABELS: dict[DivorcePhase, str] = {
    DivorcePhase.COOLING_OFF: "冷静期内（可撤回）",
    DivorcePhase.WINDOW: "可申领离婚证",
    DivorcePhase.EXPIRED: "已逾期（视为撤回）",
}


def divorce_phase(withdraw_until: dt.date, register_by: dt.date, today: dt.date) -> DivorcePhase:
    if today <= withdraw_until:
        return DivorcePhase.COOLING_OFF
    if today <= register_by:
        return DivorcePhase.WINDOW
    return DivorcePhase.EXPIRED


# --- legal age and eligibility ------------------------------------------------------------------------

LEGAL_AGE = {"male": 22, "female": 20}  # 《民法典》第一千零四十七条


def anniversary(birth: dt.date, years: int) -> dt.date:
    """The day a person born on ``birth`` reaches ``years`` full years (周岁). For 29 February the
    anniversary in a common year is taken as 1 March: the full years have not run out on 28 February.
    (Our reading; no article decides it.)"""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def has_legal_age(birth: dt.date, sex: str, on: dt.date) -> bool:
    """《民法典》第一千零四十七条: 结婚年龄，男不得早于二十二周岁，女不得早于二十周岁. The age is counted
    from the
    birth date in the ID number on the registration day; the birthday itself counts as reached."""
    return on >= anniversary(birth, LEGAL_AGE[sex])


@dataclass(frozen=True)
class Party:
    """One party as checked at the window: what the ID card says, and what our records say."""

    name: str
    birth_date: dt.date
    sex: str  # "male" / "female" from the ID number's 17th digit
    currently_married: bool  # a marriage record of ours without a later divorce


@dataclass(frozen=True)
class MarriageCheck:
    parties: tuple[Party, Party]
    same_person: bool
    declaration_signed: bool  # no spouse, no prohibited kinship (Order 804; 民法典 art. 1048)
    both_present: bool  # both in person, of their own will (民法典 arts. 1046, 1049)
    on: dt.date


def marriage_refusals(check: MarriageCheck) -> list[str]:
    """Why a marriage cannot be registered (empty = it can). Grounds: 《民法典》 art. 1046 (voluntary, in
    person per art. 1049), art. 1047 (legal age), art. 1042 ¶2 (禁止重婚: already married per our
    records), art. 1048 (prohibited kinship, by the parties' signed declaration, Order 804), and
    art. 1046 (男女双方)."""
    reasons: list[str] = []
    first, second = check.parties
    if check.same_person:
        return ["双方身份证号码相同，请核对"]
    if {first.sex, second.sex} != {"male", "female"}:
        reasons.append("结婚登记须男女双方共同申请（《民法典》第一千零四十六条）")
    for party in check.parties:
        if not has_legal_age(party.birth_date, party.sex, check.on):
            age = LEGAL_AGE[party.sex]
            reached = anniversary(party.birth_date, age)
            reasons.append(
                f"{party.name}未达法定婚龄（{'男' if party.sex == 'male' else '女'}不得早于{age}周岁，"
                f"{reached:%Y年%m月%d日}方满），不予登记（《民法典》第一千零四十七条）"
            )
        if party.currently_married:
            reasons.append(
                f"{party.name}在本系统婚姻登记档案中为已婚，须先由登记员核实并更正档案（《民法典》第一千零四十二条）"
            )
    if not check.declaration_signed:
        reasons.append(
            "双方须签署无配偶以及与对方没有直系血亲和三代以内旁系血亲关系的声明（《民法典》第一千零四十八条）"
        )
    if not check.both_present:
        reasons.append("结婚登记须双方亲自到场、完全自愿（《民法典》第一千零四十六条、第一千零四十九条）")
    return reasons


# --- booking window -----------------------------------------------------------------------------------


def booking_open(
    now: dt.datetime, day: dt.date, starts_at: dt.time, horizon_days: int, opening_hour: int
) -> str:
    """Why a slot cannot be booked now ("" = it can). Days are released one at a time: the day
    ``horizon_days`` ahead opens at ``opening_hour`` (a fair release of popular dates — everyone gets the
    same moment, first come first served). A slot that has started cannot be booked."""
    today = now.date()
    ahead = (day - today).days
    if ahead < 0 or (ahead == 0 and now.time() >= starts_at):
        return "该时段已过，请选择其他时段"
    if ahead > horizon_days or (ahead == horizon_days and now.hour < opening_hour):
        opens = day - dt.timedelta(days=horizon_days)
        return f"该日号源将于{opens:%Y年%m月%d日} {opening_hour}:00 开放预约"
    return ""


def certificate_number(prefix: str, office_code: str, year: int, sequence: int) -> str:
    """``J150102-2026-000123``: the kind letter, the office's six-digit code, the year and a six-digit
    serial that runs per office, kind and year without gaps (the counter row is locked)."""
    return f"{prefix}{office_code}-{year}-{sequence:06d}"


def phone_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


# --- opening calendar and slot plan -------------------------------------------------------------------


def office_open(day: dt.date, overrides: dict[dt.date, bool], calendar: WorkingCalendar) -> bool:
    """An office is open on working days of the State Council schedule (with the ``CalendarDay`` overrides),
    except where the office sets its own day: an extra open day (5·20, 七夕, 2·14) or a closure."""
    if day in overrides:
        return overrides[day]
    return calendar.is_workday(day)[0]


@dataclass(frozen=True)
class PlanEntry:
    service: Service
    starts_at: dt.time
    ends_at: dt.time
    capacity: int


def slot_plan_parse(raw: object) -> list[PlanEntry]:
    """The office's daily timetable, checked: a list of ``{service, starts_at, ends_at, capacity}``."""
    if not isinstance(raw, list):
        raise ValidationFailed("号源安排应为列表", field="slot_plan")
    entries: list[PlanEntry] = []
    for number, item in enumerate(raw, start=1):
        where = f"号源安排第 {number} 项"
        if not isinstance(item, dict):
            raise ValidationFailed(f"{where}格式不正确", field="slot_plan")
        try:
            service = Service(str(item.get("service")))
        except ValueError:
            raise ValidationFailed(f"{where}的业务类别不正确", field="slot_plan") from None
        try:
            starts_at = dt.time.fromisoformat(str(item.get("starts_at")))
            ends_at = dt.time.fromisoformat(str(item.get("ends_at")))
        except ValueError:
            raise ValidationFailed(f"{where}的时间应写成 09:00 的形式", field="slot_plan") from None
        capacity = item.get("capacity")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 10000:
            raise ValidationFailed(f"{where}的号源数应为 1 到 10000 的整数", field="slot_plan")
        if ends_at <= starts_at:
            raise ValidationFailed(f"{where}的结束时间应晚于开始时间", field="slot_plan")
        entries.append(PlanEntry(service, starts_at, ends_at, capacity))
    keys = [(e.service, e.starts_at) for e in entries]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("号源安排中同一业务同一开始时间重复", field="slot_plan")
    return entries


def slot_plan_text(plan: list[PlanEntry]) -> str:
    """The timetable as staff edit it: one line per entry, ``结婚登记 09:00-10:00 10``."""
    return "\n".join(
        f"{SERVICE_LABELS[e.service]} {e.starts_at:%H:%M}-{e.ends_at:%H:%M} {e.capacity}" for e in plan
    )


def slot_plan_from_text(text: str) -> list[dict[str, object]]:
    """Lines ``<业务> <开始>-<结束> <号源数>`` back to the stored plan; every error names its line."""
    by_label = {label: service for service, label in SERVICE_LABELS.items()}
    plan: list[dict[str, object]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or parts[0] not in by_label or "-" not in parts[1] or not parts[2].isdigit():
            raise ValidationFailed(
                f"第 {number} 行应写成“结婚登记 09:00-10:00 10”（业务可为：{'、'.join(by_label)}）",
                field="slot_plan",
            )
        starts_at, _, ends_at = parts[1].partition("-")
        plan.append(
            {
                "service": by_label[parts[0]].value,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "capacity": int(parts[2]),
            }
        )
    slot_plan_parse(plan)
    return plan
