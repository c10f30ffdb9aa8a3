"""Writes of the 信访 register (issue 20): registration (staff and portal) and one locked compare-and-set
transition per action of ``rules.TRANSITIONS``, each with its timeline row and audit event in the same
transaction (house style §8). Limits are computed here, once, and stored (``rules`` does the counting).

Two people acting at once: both lock the row; the second sees the status the first left and gets
“信访事项状态已变为……，请刷新后再办理”, never a double effect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number, mask_name, mask_phone
from minzheng.common.selectors import working_calendar
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.enrolments.models import Enrolment
from minzheng.monitoring.models import Alert
from minzheng.petitions import rules, selectors
from minzheng.petitions.models import Petition, PetitionEvent
from minzheng.petitions.rules import Status
from minzheng.portal.models import PortalAccount
from minzheng.registry.models import Person

ID_INDEX = "id_number"  # the registry's purpose: a petitioner's index equals Person.id_number_index
CONTACT_INDEX = "petitioner"  # name + phone, when no ID number was given
OBJECT_TYPE = "petitions.petition"


@dataclass(frozen=True)
class PetitionData:
    channel: str
    kind: str
    matter_type: str
    subject: str
    content: str
    name: str
    id_number: str = ""
    phone: str = ""
    received_on: dt.date | None = None
    division_code: str = ""  # the responsible unit; "" = the actor's own
    person_id: int | None = None
    application_id: int | None = None
    enrolment_id: int | None = None
    alert_id: int | None = None
    application_number: str = ""  # the 申请编号 staff type; resolved in the actor's jurisdiction
    related_reference: str = ""
    accused_user_id: int | None = None


def _require(actor: User, capability: Capability = Capability.HANDLE_PETITIONS) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权办理信访事项")


def _timeline(
    petition: Petition, actor: User | None, action: str, message: str, source: str = "", target: str = ""
) -> None:
    transition = rules.transition_for(source, action) if source else None
    PetitionEvent.objects.create(
        petition=petition,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_status=source,
        to_status=target,
        message=message[:500],
        basis=transition.basis if transition else "",
    )
    event_record(
        actor=actor,
        verb=f"petitions.{action}",
        object_type=OBJECT_TYPE,
        object_id=petition.pk,
        division_code=petition.division.code,
        summary=f"信访 {petition.number}：{message}"[:300],
    )


# --- registration ----------------------------------------------------------------------------------------


def _identity(name: str, id_number: str, phone: str) -> dict[str, str]:
    name, phone = name.strip(), phone.strip()
    if not name:
        raise ValidationFailed("请填写信访人姓名", field="name")
    number = parse_resident_id(id_number, field="id_number").number if id_number.strip() else ""
    if phone and (not phone.isdigit() or not 7 <= len(phone) <= 15):
        raise ValidationFailed("联系电话应为 7–15 位数字", field="phone")
    if not number and not phone:
        raise ValidationFailed("身份证号码和联系电话至少填写一项，以便告知办理结果", field="phone")
    index = (
        crypto.blind_index(number, purpose=ID_INDEX)
        if number
        else crypto.blind_index(f"{name}\x00{phone}", purpose=CONTACT_INDEX)
    )
    return {
        "petitioner_name_encrypted": crypto.encrypt(name),
        "petitioner_name_masked": mask_name(name),
        "petitioner_id_encrypted": crypto.encrypt(number) if number else "",
        "petitioner_id_masked": mask_id_number(number) if number else "",
        "petitioner_phone_encrypted": crypto.encrypt(phone) if phone else "",
        "petitioner_phone_masked": mask_phone(phone) if phone else "",
        "petitioner_index": index,
    }


def _choice(value: str, labels: dict[Any, str], field: str, what: str) -> str:
    if value not in {str(k) for k in labels}:
        raise ValidationFailed(f"请选择{what}", field=field)
    return value


def _linked_case(actor: User, data: PetitionData) -> dict[str, Any]:
    """The case the matter concerns, each in the actor's jurisdiction (an id outside it is an input error)."""
    found: dict[str, Any] = {}
    for field, model in (("application", Application), ("enrolment", Enrolment), ("alert", Alert)):
        pk = getattr(data, f"{field}_id")
        if pk is None:
            continue
        row = model.objects.visible_to(actor).filter(pk=pk).first()
        if row is None:
            raise ValidationFailed("关联事项不存在或不在您的管辖范围内", field=field)
        found[field] = row
    if data.application_number.strip():
        application = (
            Application.objects.visible_to(actor).filter(number=data.application_number.strip()).first()
        )
        if application is None:
            raise ValidationFailed("申请编号不存在或不在您的管辖范围内", field="application")
        found["application"] = application
    if data.person_id is not None:
        person = Person.objects.visible_to(actor).filter(pk=data.person_id).first()
        if person is None:
            raise ValidationFailed("登记人员不存在或不在您的管辖范围内", field="person")
        found["person"] = person
    return found


def _responsible_unit(actor: User, code: str, accused: User | None) -> Division:
    """The unit that handles the matter: the one chosen (in the actor's jurisdiction) or the actor's own; a
    complaint naming a staff member goes above that member's unit when the choice falls inside it."""
    division = actor.division if not code else Division.objects.filter(code=code.ljust(12, "0")).first()
    if division is None or not division.code.startswith(actor.scope_prefix or "\x00"):
        raise ValidationFailed("责任单位不存在或不在您的管辖范围内", field="division")
    accused_code = accused.division.code if accused is not None and accused.division is not None else None
    if accused_code and rules.route_refusal(division.code, accused_code):
        above = rules.above_code(accused_code)
        lifted = Division.objects.filter(code=above).first() if above else None
        if lifted is None:
            raise ValidationFailed("无法确定被反映人所在单位的上级单位", field="division")
        division = lifted
    return division


def _limits(division: Division, day: dt.date) -> rules.Limits:
    return selectors.limits_in_force(division, day)


def _number(petition: Petition) -> None:
    petition.number = f"XF{petition.received_on:%Y}{petition.pk:07d}"
    Petition.objects.filter(pk=petition.pk).update(number=petition.number)


def _repeat_of(petition: Petition, window_days: int | None) -> Petition | None:
    """The first petition of the same matter by the same petitioner within the window: the same linked case
    where there is one, else the same matter type."""
    if window_days is None:
        return None
    earlier = Petition.objects.filter(
        petitioner_index=petition.petitioner_index,
        received_on__gte=petition.received_on - dt.timedelta(days=window_days),
    ).exclude(pk=petition.pk)
    linked = [(f, getattr(petition, f"{f}_id")) for f in ("application", "enrolment", "alert")]
    same = [(f, pk) for f, pk in linked if pk is not None]
    if same:
        field, pk = same[0]
        earlier = earlier.filter(**{f"{field}_id": pk})
    elif petition.related_reference:
        earlier = earlier.filter(related_reference=petition.related_reference)
    else:
        earlier = earlier.filter(matter_type=petition.matter_type)
    first = earlier.order_by("received_on", "id").first()
    return (first.repeat_of or first) if first is not None else None


def _create(fields: dict[str, Any], actor: User | None, message: str) -> Petition:
    received_on: dt.date = fields["received_on"]
    limits = _limits(fields["division"], received_on)
    deadline = rules.accept_deadline(received_on, limits, working_calendar())
    petition = Petition.objects.create(
        status=Status.REGISTERED,
        accept_due_on=deadline.due_on,
        current_due_on=deadline.due_on,
        current_due_provisional=deadline.provisional,
        limits_note=deadline.note,
        **fields,
    )
    _number(petition)
    repeat = _repeat_of(petition, limits.repeat_window_days)
    if repeat is not None:
        petition.repeat_of = repeat
        petition.save(update_fields=["repeat_of"])
        message += f"；与 {repeat.number} 为同一事项的重复信访"
    _timeline(petition, actor, "register", message, "", Status.REGISTERED)
    return petition


@transaction.atomic
def petition_register(*, actor: User, data: PetitionData) -> Petition:
    """Register a petition from any channel (《信访工作条例》第二十二条: 登记). The accept-and-notify limit
    (第二十二、二十三条) runs from the day received."""
    _require(actor)
    today = timezone.localdate()
    received_on = data.received_on or today
    if received_on > today:
        raise ValidationFailed("收到日期不能晚于今天", field="received_on")
    if not data.subject.strip() or not data.content.strip():
        raise ValidationFailed("请填写标题和信访内容", field="content")
    accused = None
    if data.accused_user_id is not None:
        accused = User.objects.select_related("division").filter(pk=data.accused_user_id).first()
        if accused is None:
            raise ValidationFailed("被反映工作人员不存在", field="accused_user")
        if accused.pk == actor.pk:
            raise ValidationFailed("反映您本人的信访事项，请交由其他工作人员登记", field="accused_user")
    division = _responsible_unit(actor, data.division_code, accused)
    fields: dict[str, Any] = {
        "channel": _choice(data.channel, rules.CHANNEL_LABELS, "channel", "信访渠道"),
        "kind": _choice(data.kind, rules.KIND_LABELS, "kind", "信访类别"),
        "matter_type": _choice(data.matter_type, rules.MATTER_LABELS, "matter_type", "事项类型"),
        "subject": data.subject.strip()[:100],
        "content": data.content.strip(),
        "received_on": received_on,
        "division": division,
        "received_division": actor.division,
        "registered_by": actor,
        "accused_user": accused,
        "accused_division": accused.division if accused else None,
        "related_reference": data.related_reference.strip()[:60],
        **_identity(data.name, data.id_number, data.phone),
        **_linked_case(actor, data),
    }
    label = rules.CHANNEL_LABELS[rules.Channel(fields["channel"])]
    return _create(fields, actor, f"登记（{label}）")


@dataclass(frozen=True)
class PortalFiling:
    kind: str
    matter_type: str
    subject: str
    content: str
    application_id: int | None = None
    enrolment_id: int | None = None


@transaction.atomic
def petition_portal_file(*, account: PortalAccount, filing: PortalFiling) -> Petition:
    """A complaint or policy question filed on the portal about the applicant's own case (网上信访). It goes
    to the county civil-affairs bureau of the household (the 信访 unit that assigns it further)."""
    household = selectors.portal_household(account=account)
    if not filing.subject.strip() or not filing.content.strip():
        raise ValidationFailed("请填写标题和具体内容", field="content")
    case: dict[str, Any] = {}
    if filing.application_id is not None:
        case["application"] = Application.objects.filter(
            pk=filing.application_id, household=household
        ).first()
        if case["application"] is None:
            raise ValidationFailed("只能就本户的申请提出", field="application")
    if filing.enrolment_id is not None:
        case["enrolment"] = Enrolment.objects.filter(pk=filing.enrolment_id, household=household).first()
        if case["enrolment"] is None:
            raise ValidationFailed("只能就本户的救助提出", field="enrolment")
    village = household.hukou_division
    county = Division.objects.filter(code=village.code[:6].ljust(12, "0"), level=Level.COUNTY).first()
    if county is None:
        raise NotFound("未找到您户籍所在的旗县（市、区），请到民政窗口办理")
    name = account.name or (account.person.name if account.person else "")
    fields: dict[str, Any] = {
        "channel": rules.Channel.PORTAL.value,
        "kind": _choice(filing.kind, rules.KIND_LABELS, "kind", "类别"),
        "matter_type": _choice(filing.matter_type, rules.MATTER_LABELS, "matter_type", "事项类型"),
        "subject": filing.subject.strip()[:100],
        "content": filing.content.strip(),
        "received_on": timezone.localdate(),
        "division": county,
        "received_division": county,
        "portal_account": account,
        "person": account.person,
        "petitioner_name_encrypted": crypto.encrypt(name),
        "petitioner_name_masked": mask_name(name),
        "petitioner_id_encrypted": account.id_number_encrypted,
        "petitioner_id_masked": account.id_number_masked,
        "petitioner_phone_encrypted": account.phone_encrypted,
        "petitioner_phone_masked": account.phone_masked,
        "petitioner_index": account.id_number_index
        or crypto.blind_index(account.phone_index, purpose=CONTACT_INDEX),
        **case,
    }
    return _create(fields, None, "网上信访提交")


# --- transitions -----------------------------------------------------------------------------------------


def _locked(actor: User, pk: int) -> Petition:
    _require(actor)
    petition = selectors.petition_queryset(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if petition is None:
        raise NotFound("信访事项不存在或不在您的管辖范围内")
    return petition


def _step(petition: Petition, action: str, expected_status: str) -> rules.Transition:
    if petition.status != expected_status:
        label = rules.STATUS_LABELS[Status(petition.status)]
        raise Conflict(f"信访事项状态已变为“{label}”，请刷新后再办理", field="expected_status")
    transition = rules.transition_for(petition.status, action)
    if transition is None:
        label = rules.STATUS_LABELS[Status(petition.status)]
        what = rules.ACTION_LABELS.get(action, action)
        raise Conflict(f"信访事项处于“{label}”状态，不能办理“{what}”")
    return transition


def _due(petition: Petition, due_on: dt.date | None, provisional: bool, note: str) -> None:
    """The current step's limit changed: store it and clear the previous step's flags."""
    petition.current_due_on = due_on
    petition.current_due_provisional = provisional
    petition.limits_note = note[:300]
    petition.due_state = ""
    petition.escalated_at = None
    petition.escalated_to = None


def _apply(petition: Petition, actor: User | None, transition: rules.Transition, message: str) -> Petition:
    source = petition.status
    petition.status = transition.target.value
    if transition.target not in rules.RUNNING:
        _due(petition, None, False, "")
    petition.save()
    _timeline(petition, actor, transition.action, message, source, transition.target.value)
    return petition


@transaction.atomic
def petition_accept(*, actor: User, pk: int, expected_status: str, notice: str) -> Petition:
    """受理 and tell the petitioner in writing (第二十三条); the 60-day handling limit (第三十四条) starts.
    A matter already re-reviewed (复核) is not accepted again (第三十六条)."""
    petition = _locked(actor, pk)
    transition = _step(petition, "accept", expected_status)
    if not notice.strip():
        raise ValidationFailed("请填写受理告知书内容", field="notice")
    original = petition.repeat_of
    if original is not None and (
        original.rereviewed_on or original.repeats.exclude(pk=petition.pk).filter(rereviewed_on__isnull=False)
    ):
        raise Conflict("该事项已经复核，同一事实和理由不再受理（《信访工作条例》第三十六条），请选择不予受理")
    today = timezone.localdate()
    petition.accepted_on = today
    petition.accept_notice = notice.strip()
    deadline = rules.handle_deadline(today, _limits(petition.division, today), working_calendar())
    petition.handle_due_on = deadline.due_on
    _due(petition, deadline.due_on, deadline.provisional, deadline.note)
    return _apply(petition, actor, transition, f"受理：{notice.strip()}")


@transaction.atomic
def petition_decline(*, actor: User, pk: int, expected_status: str, notice: str) -> Petition:
    """不予受理 with a written notice of the reason (第二十三条; 第三十六条 for a re-reviewed matter)."""
    petition = _locked(actor, pk)
    transition = _step(petition, "decline", expected_status)
    if not notice.strip():
        raise ValidationFailed("不予受理须书面告知理由", field="notice")
    petition.accepted_on = timezone.localdate()
    petition.accept_notice = notice.strip()
    return _apply(petition, actor, transition, f"不予受理：{notice.strip()}")


@transaction.atomic
def petition_assign(
    *, actor: User, pk: int, expected_status: str, division_code: str, handler_id: int | None, note: str = ""
) -> Petition:
    """交办 / 转办 to a unit and a handler (第二十二条); never to the staff member a complaint names or their
    unit. The receiving unit may object within 5 working days (第二十三条第三款)."""
    petition = _locked(actor, pk)
    action = "assign" if petition.status == Status.ACCEPTED else "transfer"
    transition = _step(petition, action, expected_status)
    unit = Division.objects.filter(code=division_code.strip().ljust(12, "0")).first()
    if unit is None or not unit.code.startswith(actor.scope_prefix or "\x00"):
        raise ValidationFailed("承办单位不存在或不在您的管辖范围内", field="division")
    handler = None
    if handler_id is not None:
        handler = User.objects.filter(pk=handler_id, is_active=True).select_related("division").first()
        if handler is None or not handler.can(Capability.HANDLE_PETITIONS):
            raise ValidationFailed("承办人不存在或无信访办理权限", field="handler")
        if handler.division is None or not handler.division.code.startswith(unit.short_code):
            raise ValidationFailed("承办人不属于所选承办单位", field="handler")
    accused_code = petition.accused_division.code if petition.accused_division else None
    refusal = rules.route_refusal(
        unit.code,
        accused_code,
        target_is_accused=handler is not None and handler.pk == petition.accused_user_id,
    ) or (rules.route_refusal(handler.division.code, accused_code) if handler and handler.division else "")
    if refusal:
        raise ValidationFailed(refusal, field="handler" if "本人" in refusal else "division")
    today = timezone.localdate()
    petition.division, petition.handler, petition.assigned_on = unit, handler, today
    objection = rules.objection_deadline(today, _limits(unit, today), working_calendar())
    petition.objection_due_on = objection.due_on
    who = f"，承办人 {handler}" if handler else ""
    extra = f"（{note.strip()}）" if note.strip() else ""
    return _apply(petition, actor, transition, f"{transition.label}至 {unit.name}{who}{extra}")


@transaction.atomic
def petition_object(*, actor: User, pk: int, expected_status: str, reason: str) -> Petition:
    """The assigned unit objects that the matter is outside its remit (第二十三条第三款), within 5 working
    days; the matter goes back to the unit above to be assigned again."""
    petition = _locked(actor, pk)
    transition = _step(petition, "object", expected_status)
    if not reason.strip():
        raise ValidationFailed("请说明不属于本单位职权范围的理由", field="reason")
    today = timezone.localdate()
    if petition.objection_due_on is not None and today > petition.objection_due_on:
        raise Conflict(f"已超过异议期限（{petition.objection_due_on:%Y-%m-%d}，第二十三条第三款：5个工作日）")
    above = rules.above_code(petition.division.code)
    back = Division.objects.filter(code=above).first() if above else None
    petition.division = back or petition.received_division
    petition.handler = None
    return _apply(petition, actor, transition, f"提出异议：{reason.strip()}")


@transaction.atomic
def petition_start(*, actor: User, pk: int, expected_status: str) -> Petition:
    petition = _locked(actor, pk)
    transition = _step(petition, "start", expected_status)
    if petition.handler_id is None:
        petition.handler = actor
    return _apply(petition, actor, transition, "开始办理")


@transaction.atomic
def petition_extend(*, actor: User, pk: int, expected_status: str, days: int, reason: str) -> Petition:
    """延长办理期限 (第三十四条): at most 30日 in all, with a reason told to the petitioner."""
    petition = _locked(actor, pk)
    transition = _step(petition, "extend", expected_status)
    limits = _limits(petition.division, petition.accepted_on or timezone.localdate())
    problem = rules.extension_problem(days, petition.extension_days, reason, limits)
    if problem:
        raise ValidationFailed(problem, field="days" if "天数" in problem or "累计" in problem else "reason")
    petition.extension_days += days
    petition.extension_reason = reason.strip()
    start = petition.accepted_on or timezone.localdate()
    deadline = rules.handle_deadline(start, limits, working_calendar(), petition.extension_days)
    petition.handle_due_on = deadline.due_on
    _due(petition, deadline.due_on, deadline.provisional, deadline.note)
    return _apply(
        petition, actor, transition, f"延长{days}日至 {deadline.due_on or '需人工核定'}：{reason.strip()}"
    )


@transaction.atomic
def petition_reply(
    *,
    actor: User,
    pk: int,
    expected_status: str,
    text: str,
    publishable: bool = False,
    public_question: str = "",
    public_answer: str = "",
) -> Petition:
    """书面答复 with the handling opinion (第三十四条); the 30-day window to ask for a review (第三十五条)
    opens."""
    petition = _locked(actor, pk)
    transition = _step(petition, "reply", expected_status)
    if not text.strip():
        raise ValidationFailed("请填写处理意见", field="text")
    if publishable:
        if petition.kind != rules.Kind.QUESTION:
            raise ValidationFailed("只有政策咨询可以公开", field="publishable")
        if not public_question.strip() or not public_answer.strip():
            raise ValidationFailed("公开问答须另写不含个人信息的问题和答复", field="public_answer")
    today = timezone.localdate()
    petition.replied_on, petition.reply_text = today, text.strip()
    petition.replied_on_time = rules.on_time(today, petition.handle_due_on)
    petition.publishable = publishable
    petition.public_question, petition.public_answer = public_question.strip(), public_answer.strip()
    request = rules.review_request_deadline(today, _limits(petition.division, today), working_calendar())
    petition.review_request_due_on = request.due_on
    _due(petition, None, False, "")
    return _apply(petition, actor, transition, "书面答复")


def _petitioner_locked(account: PortalAccount | None, actor: User | None, pk: int) -> Petition:
    if account is not None:
        petition = Petition.objects.select_for_update().filter(pk=pk, portal_account=account).first()
        if petition is None:
            raise NotFound("信访事项不存在")
        return petition
    if actor is None:
        raise PermissionDenied("请先登录")
    return _locked(actor, pk)


@transaction.atomic
def petition_evaluate(
    *,
    pk: int,
    expected_status: str,
    satisfaction: str,
    note: str = "",
    account: PortalAccount | None = None,
    actor: User | None = None,
) -> Petition:
    """满意度评价 by the petitioner on the portal, or recorded by staff from a visit or call."""
    petition = _petitioner_locked(account, actor, pk)
    transition = _step(petition, "evaluate", expected_status)
    _choice(satisfaction, rules.SATISFACTION_LABELS, "satisfaction", "满意度")
    petition.satisfaction, petition.evaluation_note = satisfaction, note.strip()
    petition.evaluated_at = timezone.now()
    label = rules.SATISFACTION_LABELS[rules.Satisfaction(satisfaction)]
    return _apply(petition, actor, transition, f"评价：{label}{'，' + note.strip() if note.strip() else ''}")


@transaction.atomic
def petition_close(*, actor: User, pk: int, expected_status: str, note: str = "") -> Petition:
    petition = _locked(actor, pk)
    transition = _step(petition, "close", expected_status)
    petition.closed_at = timezone.now()
    return _apply(petition, actor, transition, f"办结{'：' + note.strip() if note.strip() else ''}")


@transaction.atomic
def petition_review_request(
    *,
    pk: int,
    expected_status: str,
    reason: str,
    account: PortalAccount | None = None,
    actor: User | None = None,
) -> Petition:
    """请求复查 within 30日 of the reply (第三十五条); decided within 30日. Once per matter."""
    petition = _petitioner_locked(account, actor, pk)
    transition = _step(petition, "request_review", expected_status)
    if petition.review_requested_on is not None or petition.replied_on is None:
        raise Conflict("该事项已请求过复查")
    today = timezone.localdate()
    late = rules.request_late(today, petition.review_request_due_on)
    if late or not reason.strip():
        raise ValidationFailed(late or "请说明请求复查的理由", field="reason")
    petition.review_requested_on = today
    deadline = rules.review_deadline(today, _limits(petition.division, today), working_calendar())
    petition.review_due_on = deadline.due_on
    _due(petition, deadline.due_on, deadline.provisional, deadline.note)
    return _apply(petition, actor, transition, f"请求复查：{reason.strip()}")


@transaction.atomic
def petition_review_decide(*, actor: User, pk: int, expected_status: str, text: str) -> Petition:
    """复查意见 (第三十五条); the 30-day window to ask for a re-review (第三十六条) opens."""
    petition = _locked(actor, pk)
    transition = _step(petition, "decide_review", expected_status)
    if not text.strip():
        raise ValidationFailed("请填写复查意见", field="text")
    today = timezone.localdate()
    petition.reviewed_on, petition.review_text = today, text.strip()
    request = rules.rereview_request_deadline(today, _limits(petition.division, today), working_calendar())
    petition.rereview_request_due_on = request.due_on
    _due(petition, None, False, "")
    return _apply(petition, actor, transition, "复查意见")


@transaction.atomic
def petition_rereview_request(
    *,
    pk: int,
    expected_status: str,
    reason: str,
    account: PortalAccount | None = None,
    actor: User | None = None,
) -> Petition:
    """请求复核 within 30日 of the review opinion (第三十六条)."""
    petition = _petitioner_locked(account, actor, pk)
    transition = _step(petition, "request_rereview", expected_status)
    if petition.reviewed_on is None or petition.rereview_requested_on is not None:
        raise Conflict("该事项尚未复查或已请求过复核")
    today = timezone.localdate()
    late = rules.request_late(today, petition.rereview_request_due_on)
    if late or not reason.strip():
        raise ValidationFailed(late or "请说明请求复核的理由", field="reason")
    petition.rereview_requested_on = today
    deadline = rules.rereview_deadline(today, _limits(petition.division, today), working_calendar())
    petition.rereview_due_on = deadline.due_on
    _due(petition, deadline.due_on, deadline.provisional, deadline.note)
    return _apply(petition, actor, transition, f"请求复核：{reason.strip()}")


@transaction.atomic
def petition_rereview_decide(*, actor: User, pk: int, expected_status: str, text: str) -> Petition:
    """复核意见 (第三十六条): final — the same facts and reasons are not accepted again."""
    petition = _locked(actor, pk)
    transition = _step(petition, "decide_rereview", expected_status)
    if not text.strip():
        raise ValidationFailed("请填写复核意见", field="text")
    petition.rereviewed_on, petition.rereview_text = timezone.localdate(), text.strip()
    _due(petition, None, False, "")
    return _apply(petition, actor, transition, "复核意见（同一事实和理由不再受理）")


# --- the petitioner's identity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str
    id_number: str
    phone: str


@transaction.atomic
def petition_identity_reveal(
    *, actor: User, pk: int, purpose: str, ip_address: str | None = None
) -> Identity:
    """The petitioner's identity for a handler of the matter (issue 20 §5), each reveal in the personal-data
    access log; anyone else is refused."""
    petition = selectors.petition_get(actor=actor, pk=pk)
    if not selectors.identity_visible(actor, petition):
        raise PermissionDenied("信访人身份仅对该事项的办理人员可见")
    personal_data_access_record(
        actor=actor,
        fields=["petitioner_name", "petitioner_id_number", "petitioner_phone"],
        purpose=f"{purpose}:{petition.number}"[:60],
        person_id=petition.person_id,
        ip_address=ip_address,
    )
    return Identity(
        name=crypto.decrypt(petition.petitioner_name_encrypted),
        id_number=crypto.decrypt(petition.petitioner_id_encrypted)
        if petition.petitioner_id_encrypted
        else "",
        phone=crypto.decrypt(petition.petitioner_phone_encrypted)
        if petition.petitioner_phone_encrypted
        else "",
    )


def petitioner_name(petition: Petition) -> str:
    """For the petitioner's own documents on the portal (they are the petitioner)."""
    return crypto.decrypt(petition.petitioner_name_encrypted)
