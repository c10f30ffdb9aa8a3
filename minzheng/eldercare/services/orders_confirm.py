"""After the service (issue 17 §4): the township's review of flagged orders, the confirmation by the older
person or family (portal, SMS code, staff call-back), rating, complaint, dispute resolution and the set-based
no-show scan.

The rule (written down here and in docs/eldercare.md): **an order with any EVV flag is confirmed only after
the township has accepted it** (``rules.orders.review_needed``). The family's confirmation of such an order is
recorded (``confirmed_via``, rating) while it stays 待确认; the township's acceptance then confirms it. Only
confirmed orders are settled, so a flagged order is never paid unreviewed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.eldercare.choices import ConfirmationChannel, OrderStatus
from minzheng.eldercare.models import CareContact, OrderEvent, ServiceOrder
from minzheng.eldercare.models.orders import ReviewDecision
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.selectors import orders as order_selectors
from minzheng.eldercare.services.orders import _require, order_transition, parameter_or_none
from minzheng.portal.models import PortalAccount
from minzheng.portal.services.outbox import sms_send

S = OrderStatus
SMS_CODE_PURPOSE = "eldercare_order_code"


def _feedback(rating: int | None, feedback: str) -> dict[str, Any]:
    if rating is not None and not 1 <= int(rating) <= 5:
        raise ValidationFailed("满意度应为 1 到 5 星", field="rating")
    return {"rating": rating, "feedback": feedback.strip()[:300]}


@transaction.atomic
def order_confirm(
    *,
    order_id: int,
    channel: str,
    rating: int | None = None,
    feedback: str = "",
    actor: Any = None,
    account: PortalAccount | None = None,
    ip_address: str | None = None,
) -> tuple[ServiceOrder, str]:
    """Confirm a served order; returns the order and the sentence to show. Confirming again is a no-op
    with a message; a flagged order not yet reviewed keeps the confirmation until the township accepts."""
    if account is not None:
        order = order_selectors.account_order(account, order_id)
    else:
        _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权代为确认")
        order = order_selectors.order_get(actor=actor, pk=order_id)
    order = ServiceOrder.objects.select_for_update().select_related("division").get(pk=order.pk)
    if order.status == S.CONFIRMED:
        return order, "该订单已确认，无需重复确认"
    if order.status != S.SERVED:
        raise Conflict(f"订单当前状态为“{S(order.status).label}”，服务完成后才能确认", code="order_status")
    extra = _feedback(rating, feedback)
    if order.confirmed_via:
        return order, "您已确认过，正在等待乡镇（街道）核验，无需重复确认"
    if rules.review_needed(order.flags, order.review_decision):
        order.confirmed_via = channel
        order.rating, order.feedback = extra["rating"], extra["feedback"]
        order.save(update_fields=["confirmed_via", "rating", "feedback"])
        event_record(
            actor=actor,
            verb="eldercare.order.confirmation_held",
            object_type="service_order",
            object_id=order.pk,
            division_code=order.division.code,
            summary=f"养老服务订单 {order.number}：已收到确认，待乡镇核验",
            ip_address=ip_address,
        )
        return order, "已收到您的确认。本次服务有核验提示，乡镇（街道）核验后生效"
    order = order_transition(
        order_id=order.pk,
        to_status=S.CONFIRMED,
        actor=actor,
        account=account,
        expected=[S.SERVED],
        note=f"{ConfirmationChannel(channel).label}",
        ip_address=ip_address,
        updates={"confirmed_at": timezone.now(), "confirmed_via": channel, **extra},
    )
    return order, "已确认服务完成，感谢您的评价"


@transaction.atomic
def order_rate(
    *, order_id: int, rating: int, feedback: str = "", account: PortalAccount, ip_address: str | None = None
) -> ServiceOrder:
    """A rating after confirmation (or a changed one): only the confirmed order's person or family."""
    order = order_selectors.account_order(account, order_id)
    if order.status not in (S.CONFIRMED, S.SERVED):
        raise Conflict("服务完成后才能评价", code="order_status")
    values = _feedback(rating, feedback)
    ServiceOrder.objects.filter(pk=order.pk).update(**values)
    order.refresh_from_db()
    return order


@transaction.atomic
def order_complain(
    *,
    order_id: int,
    reason: str,
    account: PortalAccount | None = None,
    actor: Any = None,
    ip_address: str | None = None,
) -> ServiceOrder:
    """A complaint on a served order puts it in dispute (有异议) with the reason; the settlement leaves it
    out until the township resolves it."""
    if len(reason.strip()) < 4:
        raise ValidationFailed("请写明投诉理由（至少 4 个字）", field="reason")
    if account is not None:
        order = order_selectors.account_order(account, order_id)
    else:
        _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权登记投诉")
        order = order_selectors.order_get(actor=actor, pk=order_id)
    if order.status == S.DISPUTED:
        return order
    return order_transition(
        order_id=order.pk,
        to_status=S.DISPUTED,
        actor=actor,
        account=account,
        expected=[S.SERVED],
        note=f"投诉：{reason.strip()}",
        ip_address=ip_address,
        updates={"dispute_reason": reason.strip()[:300]},
    )


@transaction.atomic
def order_review(
    *, actor: Any, order_id: int, decision: str, note: str = "", ip_address: str | None = None
) -> ServiceOrder:
    """The township decides on a flagged, served order: accepted (the family's held confirmation then takes
    effect) or disputed (→ 有异议, not settled)."""
    _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权核验订单")
    order = order_selectors.order_get(actor=actor, pk=order_id)
    order = ServiceOrder.objects.select_for_update().select_related("division").get(pk=order.pk)
    if decision not in ReviewDecision.values:
        raise ValidationFailed("请选择核验结论", field="decision")
    if not order.flags:
        raise Conflict("该订单没有核验提示，无需核验", code="order_review")
    if order.review_decision:
        raise Conflict(
            f"该订单已核验（{ReviewDecision(order.review_decision).label}），可能已被他人处理",
            code="order_review",
        )
    if order.status != S.SERVED:
        raise Conflict(f"订单当前状态为“{S(order.status).label}”，服务完成后才能核验", code="order_status")
    if decision == ReviewDecision.DISPUTED and len(note.strip()) < 4:
        raise ValidationFailed("认定有异议时请写明理由（至少 4 个字）", field="note")
    now = timezone.now()
    review = {
        "review_decision": decision,
        "reviewed_by": actor,
        "reviewed_at": now,
        "review_note": note[:300],
    }
    if decision == ReviewDecision.DISPUTED:
        return order_transition(
            order_id=order.pk,
            to_status=S.DISPUTED,
            actor=actor,
            expected=[S.SERVED],
            note=f"核验有异议：{note.strip()}",
            ip_address=ip_address,
            updates={**review, "dispute_reason": f"乡镇核验：{note.strip()}"[:300]},
        )
    if order.confirmed_via:  # the family had confirmed: it takes effect now
        return order_transition(
            order_id=order.pk,
            to_status=S.CONFIRMED,
            actor=actor,
            expected=[S.SERVED],
            note="核验属实，老人或家属的确认生效",
            ip_address=ip_address,
            updates={**review, "confirmed_at": now},
        )
    for name, value in review.items():
        setattr(order, name, value)
    order.save(update_fields=list(review))
    event_record(
        actor=actor,
        verb="eldercare.order.reviewed",
        object_type="service_order",
        object_id=order.pk,
        division_code=order.division.code,
        summary=f"养老服务订单 {order.number}：核验属实，待老人或家属确认",
        ip_address=ip_address,
    )
    return order


@transaction.atomic
def order_dispute_resolve(
    *, actor: Any, order_id: int, outcome: str, note: str, ip_address: str | None = None
) -> ServiceOrder:
    """A disputed order after the township's review: confirmed (served as ordered) or cancelled."""
    _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权处理异议")
    if outcome not in (S.CONFIRMED, S.CANCELLED):
        raise ValidationFailed("请选择处理结果", field="outcome")
    if len(note.strip()) < 4:
        raise ValidationFailed("请写明处理意见（至少 4 个字）", field="note")
    order = order_selectors.order_get(actor=actor, pk=order_id)
    updates: dict[str, Any] = {}
    if outcome == S.CONFIRMED:
        updates = {"confirmed_at": timezone.now(), "confirmed_via": ConfirmationChannel.STAFF}
        if order.flags and not order.review_decision:
            updates |= {
                "review_decision": ReviewDecision.ACCEPTED,
                "reviewed_by": actor,
                "reviewed_at": timezone.now(),
                "review_note": note[:300],
            }
    return order_transition(
        order_id=order.pk,
        to_status=outcome,
        actor=actor,
        expected=[S.DISPUTED],
        note=f"异议处理：{note.strip()}",
        ip_address=ip_address,
        updates=updates,
    )


# --- the SMS confirmation code -----------------------------------------------------------------------------


def confirmation_phone(order: ServiceOrder) -> str:
    """Where the code goes: the guardian's phone, else another contact who may order, else the person's."""
    contacts = CareContact.objects.filter(older_person_id=order.older_person_id, may_order=True)
    contact = contacts.order_by("-is_guardian", "pk").first()
    if contact is not None:
        return crypto.decrypt(contact.phone_encrypted)
    return order.older_person.person.phone


def _code_hash(order: ServiceOrder, code: str) -> str:
    return crypto.blind_index(f"{order.pk}\x00{code}", purpose=SMS_CODE_PURPOSE)


@transaction.atomic
def order_sms_code_send(*, actor: Any, order_id: int, ip_address: str | None = None) -> str:
    """The worker (or the township) asks for a confirmation code; the older person or family receives it by
    SMS and reads it to the worker. Returns the masked phone it went to."""
    order = _order_for_code(actor, order_id)
    phone = confirmation_phone(order)
    if not phone:
        raise ValidationFailed("老人及其联系人都没有登记手机号，不能短信确认，请由工作人员回访确认")
    code = f"{secrets.randbelow(1_000_000):06d}"
    ServiceOrder.objects.filter(pk=order.pk).update(
        sms_code_hash=_code_hash(order, code), sms_code_sent_at=timezone.now(), sms_code_attempts=0
    )
    body = f"【民政养老服务】{order.item.name}服务已完成（订单 {order.number}）。确认服务请将验证码 {code} 告知服务人员，{rules.SMS_CODE_MINUTES} 分钟内有效。"  # noqa: E501
    sms_send(
        phone=phone, template="eldercare_order_confirm", body=body, store_body=body.replace(code, "******")
    )
    from minzheng.common.masking import mask_phone

    return mask_phone(phone)


def _order_for_code(actor: Any, order_id: int) -> ServiceOrder:
    worker = order_selectors.worker_of(actor)
    if worker is not None:
        order = order_selectors.worker_order(worker=worker, pk=order_id)
    else:
        _require(actor, Capability.MANAGE_ELDERCARE, "您的角色无权发送确认短信")
        order = order_selectors.order_get(actor=actor, pk=order_id)
    order = (
        ServiceOrder.objects.select_for_update()
        .select_related("item", "older_person__person")
        .get(pk=order.pk)
    )
    if order.status == S.CONFIRMED:
        raise Conflict("该订单已确认，无需再发验证码", code="order_confirmed")
    if order.status != S.SERVED:
        raise Conflict("签退后才能发送确认验证码", code="order_status")
    return order


def order_sms_code_verify(
    *, actor: Any, order_id: int, code: str, ip_address: str | None = None
) -> tuple[ServiceOrder, str]:
    """The code typed on the worker's page: right → confirmed (via SMS); wrong → one attempt less, and after
    ``SMS_CODE_ATTEMPTS`` wrong tries the code is void. The wrong-attempt count survives the refusal."""
    with transaction.atomic():
        order = _order_for_code(actor, order_id) if not _is_confirmed(order_id) else None
        if order is None:
            return ServiceOrder.objects.get(pk=order_id), "该订单已确认，无需重复确认"
        problem = _code_problem(order, code.strip())
    if problem:
        raise ValidationFailed(problem, field="code")
    with transaction.atomic():
        return _confirm_by_code(actor, order.pk, ip_address)


def _is_confirmed(order_id: int) -> bool:
    return ServiceOrder.objects.filter(pk=order_id, status=S.CONFIRMED).exists()


def _code_problem(order: ServiceOrder, code: str) -> str:
    if not order.sms_code_hash or order.sms_code_sent_at is None:
        return "请先发送确认验证码"
    if timezone.now() - order.sms_code_sent_at > dt.timedelta(minutes=rules.SMS_CODE_MINUTES):
        return "验证码已过期，请重新发送"
    if order.sms_code_attempts >= rules.SMS_CODE_ATTEMPTS:
        return "验证码输错次数过多，已失效，请重新发送"
    if hmac.compare_digest(order.sms_code_hash, _code_hash(order, code)):
        return ""
    order.sms_code_attempts += 1
    order.save(update_fields=["sms_code_attempts"])
    left = rules.SMS_CODE_ATTEMPTS - order.sms_code_attempts
    return f"验证码不正确，还可以再试 {left} 次" if left else "验证码输错次数过多，已失效，请重新发送"


def _confirm_by_code(actor: Any, order_id: int, ip_address: str | None) -> tuple[ServiceOrder, str]:
    order = ServiceOrder.objects.select_for_update().get(pk=order_id)
    ServiceOrder.objects.filter(pk=order.pk).update(sms_code_hash="")
    if order.status == S.CONFIRMED:
        return order, "该订单已确认，无需重复确认"
    if rules.review_needed(order.flags, order.review_decision):
        ServiceOrder.objects.filter(pk=order.pk).update(confirmed_via=ConfirmationChannel.SMS)
        order.refresh_from_db()
        return order, "短信确认已记录。本次服务有核验提示，乡镇（街道）核验后生效"
    order = order_transition(
        order_id=order.pk,
        to_status=S.CONFIRMED,
        actor=actor,
        expected=[S.SERVED],
        note=ConfirmationChannel.SMS.label,
        ip_address=ip_address,
        updates={"confirmed_at": timezone.now(), "confirmed_via": ConfirmationChannel.SMS},
    )
    return order, "短信验证码正确，服务已确认"


# --- no-shows ---------------------------------------------------------------------------------------


def orders_no_show_scan(*, now: dt.datetime | None = None, actor: Any = None) -> int:
    """Mark every dispatched order not checked in by its window end + the grace parameter as 未上门.
    Set-based: one read of the candidates' places, the grace resolved per place, one UPDATE per distinct
    grace and one bulk insert of events. A place without the parameter is left alone (需人工核定) and
    counted in the audit record. Returns how many orders were marked."""
    now = now or timezone.now()
    candidates = ServiceOrder.objects.filter(
        status=S.DISPATCHED, check_in_at__isnull=True, window_end__lt=now
    )
    places = set(candidates.values_list("division__code", flat=True).distinct())
    by_grace: dict[int, list[str]] = {}
    unresolved: list[str] = []
    for code in places:
        grace = parameter_or_none("eldercare.no_show_grace_minutes", code, timezone.localdate(now))
        if grace is None:
            unresolved.append(code)
        else:
            by_grace.setdefault(int(grace), []).append(code)
    marked_ids: list[int] = []
    with transaction.atomic():
        for grace, codes in by_grace.items():
            due = candidates.filter(
                division__code__in=codes, window_end__lt=now - dt.timedelta(minutes=grace)
            )
            ids = list(due.select_for_update().values_list("pk", flat=True))
            if not ids:
                continue
            ServiceOrder.objects.filter(pk__in=ids, status=S.DISPATCHED).update(status=S.NO_SHOW)
            OrderEvent.objects.bulk_create(
                [
                    OrderEvent(order_id=pk, from_status=S.DISPATCHED, to_status=S.NO_SHOW, at=now,
                               note=f"预约时段结束 {grace} 分钟后仍未签到")
                    for pk in ids
                ]
            )  # fmt: skip
            marked_ids += ids
        event_record(
            actor=actor, verb="eldercare.orders.no_show_scan", object_type="service_order", object_id="scan",
            summary=f"未上门扫描：标记 {len(marked_ids)} 单" + _unresolved_note(unresolved),
            data={"marked": len(marked_ids), "unresolved": sorted(unresolved)},
        )  # fmt: skip
        _no_show_notify(marked_ids)
    return len(marked_ids)


def _no_show_notify(order_ids: list[int]) -> None:
    """One SMS per no-show to the family (guardian first, else a contact who may order, else the person),
    read with two queries for all of them; sent after commit through the portal outbox."""
    if not order_ids:
        return
    orders = ServiceOrder.objects.filter(pk__in=order_ids).select_related("item", "older_person__person")
    contacts: dict[int, CareContact] = {}
    rows = CareContact.objects.filter(older_person_id__in=[o.older_person_id for o in orders], may_order=True)
    for contact in rows.order_by("older_person_id", "-is_guardian", "pk"):
        contacts.setdefault(contact.older_person_id, contact)
    for order in orders:
        found = contacts.get(order.older_person_id)
        phone = crypto.decrypt(found.phone_encrypted) if found else order.older_person.person.phone
        if not phone:
            continue
        when = timezone.localtime(order.window_start)
        who, what = order.older_person.person.name, order.item.name
        body = (
            f"【民政养老服务】{who}预约的{what}（{when:%m月%d日 %H:%M}，订单 {order.number}）"
            "服务人员未按时上门，乡镇（街道）将督促服务机构处理，如需改约请重新预约。"
        )
        sms_send(phone=phone, template="eldercare_order_no_show", body=body)


def _unresolved_note(codes: list[str]) -> str:
    return f"；{len(codes)} 个村（社区）未设置宽限时间，需人工核定" if codes else ""


def no_show_exists(order_id: int) -> bool:
    if not ServiceOrder.objects.filter(pk=order_id).exists():
        raise NotFound("订单不存在")
    return ServiceOrder.objects.filter(pk=order_id, status=S.NO_SHOW).exists()
