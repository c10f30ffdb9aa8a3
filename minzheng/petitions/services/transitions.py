"""The transitions of a petition: one locked compare-and-set service per action of ``rules.TRANSITIONS``, each
with its timeline row and audit event in the same transaction (house style §8). Limits are computed here,
once, and stored (``rules`` does the counting).

Two people acting at once: both lock the row; the second sees the status the first left and gets
“信访事项状态已变为……，请刷新后再办理”, never a double effect.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.selectors import working_calendar
from minzheng.divisions.models import Division
from minzheng.petitions import rules, selectors
from minzheng.petitions.models import Petition
from minzheng.petitions.rules import Status
from minzheng.petitions.services.common import choice_check, handler_require, limits_of, timeline_write
from minzheng.portal.models import PortalAccount

# --- transitions -----------------------------------------------------------------------------------------


def _locked(actor: User, pk: int) -> Petition:
    handler_require(actor)
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
    timeline_write(petition, actor, transition.action, message, source, transition.target.value)
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
    deadline = rules.handle_deadline(today, limits_of(petition.division, today), working_calendar())
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
    objection = rules.objection_deadline(today, limits_of(unit, today), working_calendar())
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
    limits = limits_of(petition.division, petition.accepted_on or timezone.localdate())
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
    request = rules.review_request_deadline(today, limits_of(petition.division, today), working_calendar())
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
    choice_check(satisfaction, rules.SATISFACTION_LABELS, "satisfaction", "满意度")
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
    deadline = rules.review_deadline(today, limits_of(petition.division, today), working_calendar())
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
    request = rules.rereview_request_deadline(today, limits_of(petition.division, today), working_calendar())
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
    deadline = rules.rereview_deadline(today, limits_of(petition.division, today), working_calendar())
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
