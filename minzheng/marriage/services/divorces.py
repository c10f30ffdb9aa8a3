"""Divorce by agreement with the cooling-off period (issue 18 §4; 《民法典》第一千零七十六条至
第一千零七十八条).

apply (受理, dates computed once and stored) → within ``withdraw_until`` either party may withdraw →
from ``register_from`` to ``register_by`` both come and the divorce is registered (离婚证) → otherwise the
daily scan marks the application 视为撤回. Every status change goes through ``_transition`` (locked
compare-and-set against ``rules.DIVORCE_TRANSITIONS``) with a timeline row and an audit event.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.common.selectors import working_calendar
from minzheng.marriage import rules
from minzheng.marriage.models import DivorceApplication, DivorceEvent, MarriageRecord
from minzheng.marriage.rules import DivorcePhase, DivorceStatus, RecordKind, Service
from minzheng.marriage.selectors.records import open_marriage_of
from minzheng.marriage.services.appointments import appointment_attend
from minzheng.marriage.services.common import capability_require, couple_fields, integer_parameter
from minzheng.marriage.services.registrations import (
    CoupleInput,
    certificate_number_take,
    couple_parse,
    office_for,
)


def _event(
    application: DivorceApplication,
    actor: User | None,
    transition_or_action: rules.Transition | str,
    message: str,
) -> None:
    if isinstance(transition_or_action, rules.Transition):
        action, source, target = (
            transition_or_action.action,
            transition_or_action.source.value,
            transition_or_action.target.value,
        )
    else:
        action, source, target = transition_or_action, "", application.status
    DivorceEvent.objects.create(
        application=application,
        action=action,
        from_status=source,
        to_status=target,
        actor=actor,
        message=message[:300],
    )
    event_record(
        actor=actor,
        verb=f"marriage.divorce_{action}",
        object_type="marriage.divorce",
        object_id=application.pk,
        division_code=application.office.division.code,
        summary=f"离婚申请 {application.number}：{message}"[:300],
    )


@transaction.atomic
def divorce_apply(
    *,
    actor: User,
    office_id: int,
    couple: CoupleInput,
    marriage_certificate: str,
    agreement_signed: bool,
    both_present: bool,
    appointment_id: int | None = None,
    on: dt.date | None = None,
) -> DivorceApplication:
    """Receive an application (《民法典》第一千零七十六条: 书面离婚协议，双方亲自申请). The cooling-off
    dates are
    computed here once (``rules.cooling_off_dates``, periods from the parameters) and stored."""
    office = office_for(actor, office_id)
    on = on or timezone.localdate()
    first, second = couple_parse(couple)
    if first.resident.number == second.resident.number:
        raise ValidationFailed("双方身份证号码相同，请核对", field="second_id_number")
    if not agreement_signed:
        raise ValidationFailed(
            "须提交双方签署的书面离婚协议（《民法典》第一千零七十六条）", field="agreement_signed"
        )
    if not both_present:
        raise ValidationFailed(
            "离婚登记申请须双方亲自到场（《民法典》第一千零七十六条）", field="both_present"
        )
    if not marriage_certificate.strip():
        raise ValidationFailed("请填写结婚证字号", field="marriage_certificate")
    fields = couple_fields(first, second)
    record = open_marriage_of(fields["man_id_index"], fields["woman_id_index"])
    withdrawal = integer_parameter("marriage.divorce_withdrawal_days", office.division, on)
    registration = integer_parameter("marriage.divorce_registration_days", office.division, on)
    dates = rules.cooling_off_dates(on, withdrawal, registration, working_calendar())
    if appointment_id:
        appointment_attend(actor=actor, appointment_id=appointment_id, service=Service.DIVORCE_APPLICATION)
    try:
        with transaction.atomic():
            application = DivorceApplication.objects.create(
                office=office,
                marriage_record=record,
                marriage_certificate=marriage_certificate.strip()[:40],
                agreement_signed=True,
                received_on=dates.received_on,
                withdraw_until=dates.withdraw_until,
                register_from=dates.register_from,
                register_by=dates.register_by,
                dates_provisional=dates.provisional,
                status=DivorceStatus.PENDING,
                received_by=actor,
                **fields,
            )
    except IntegrityError:
        raise Conflict("这对当事人已有一份办理中的离婚登记申请", field=None) from None
    _event(
        application,
        actor,
        "apply",
        f"受理；冷静期至{dates.withdraw_until:%Y-%m-%d}，须于{dates.register_from:%Y-%m-%d}至"
        f"{dates.register_by:%Y-%m-%d}共同申领离婚证",
    )
    return application


def _locked(actor: User, application_id: int) -> DivorceApplication:
    capability_require(actor)
    application = (
        DivorceApplication.objects.visible_to(actor)
        .select_for_update()
        .select_related("office__division")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound("离婚登记申请不存在或不在您的管辖范围内")
    return application


def _transition(application: DivorceApplication, action: str, expected_status: str) -> rules.Transition:
    label = rules.DIVORCE_STATUS_LABELS[DivorceStatus(application.status)]
    if expected_status and application.status != expected_status:
        raise rules.RecordTransitionRefused(
            f"申请状态已变为“{label}”，请刷新后再办理", field="expected_status"
        )
    transition = rules.transition_for(rules.DIVORCE_TRANSITIONS, application.status, action)
    if transition is None:
        raise rules.RecordTransitionRefused(f"申请为“{label}”，不能办理此操作", field="expected_status")
    return transition


@transaction.atomic
def divorce_withdraw(
    *, actor: User, application_id: int, party: str, expected_status: str = "", on: dt.date | None = None
) -> DivorceApplication:
    """Either party withdraws, in person, within the cooling-off period (《民法典》第一千零七十七条第一款)."""
    application = _locked(actor, application_id)
    transition = _transition(application, "withdraw", expected_status)
    on = on or timezone.localdate()
    if party not in ("man", "woman"):
        raise ValidationFailed("请选择撤回的一方", field="party")
    if (
        rules.divorce_phase(application.withdraw_until, application.register_by, on)
        != DivorcePhase.COOLING_OFF
    ):
        raise ValidationFailed(
            f"冷静期已于{application.withdraw_until:%Y年%m月%d日}届满，不能再撤回", field="party"
        )
    application.status, application.closed_on, application.withdrawn_by = transition.target.value, on, party
    application.save(update_fields=["status", "closed_on", "withdrawn_by"])
    _event(application, actor, transition, f"{'男方' if party == 'man' else '女方'}撤回离婚登记申请")
    return application


@transaction.atomic
def divorce_register(
    *,
    actor: User,
    application_id: int,
    both_present: bool,
    expected_status: str = "",
    appointment_id: int | None = None,
    on: dt.date | None = None,
) -> DivorceApplication:
    """Both came within the window: register the divorce (《民法典》第一千零七十八条), issue the certificate
    number from the receiving office's L-sequence and close the couple's marriage record if it is ours."""
    application = _locked(actor, application_id)
    transition = _transition(application, "register", expected_status)
    on = on or timezone.localdate()
    phase = rules.divorce_phase(application.withdraw_until, application.register_by, on)
    if phase == DivorcePhase.COOLING_OFF:
        raise ValidationFailed(
            f"冷静期尚未届满，{application.register_from:%Y年%m月%d日}起方可申领离婚证", field=None
        )
    if phase == DivorcePhase.EXPIRED:
        raise ValidationFailed(
            f"已超过申领期限（{application.register_by:%Y年%m月%d日}），申请视为撤回", field=None
        )
    if not both_present:
        raise ValidationFailed(
            "双方须亲自到场申领离婚证（《民法典》第一千零七十七条第二款）", field="both_present"
        )
    if appointment_id:
        appointment_attend(actor=actor, appointment_id=appointment_id, service=Service.DIVORCE_REGISTRATION)
    office = application.office
    number = certificate_number_take(office, rules.CERTIFICATE_PREFIX[RecordKind.DIVORCE], on.year)
    personal = {f: getattr(application, f) for f in application.personal_field_names()}
    record = MarriageRecord.objects.create(
        kind=RecordKind.DIVORCE,
        certificate_number=number,
        registered_on=on,
        office=office,
        division=office.division,
        source=MarriageRecord.Source.WINDOW,
        registered_by=actor,
        **personal,
    )
    if application.marriage_record_id:
        MarriageRecord.objects.filter(pk=application.marriage_record_id, dissolved_on__isnull=True).update(
            dissolved_on=on
        )
    application.status, application.closed_on, application.divorce_record = (
        transition.target.value,
        on,
        record,
    )
    application.save(update_fields=["status", "closed_on", "divorce_record"])
    _event(application, actor, transition, f"登记离婚，离婚证 {number}")
    return application


def divorce_lapse_scan(*, today: dt.date | None = None) -> int:
    """Set-based daily scan (《民法典》第一千零七十七条第二款: 未申请的，视为撤回): every pending
    application whose ``register_by`` has passed becomes 视为撤回 — one UPDATE, one bulk insert of timeline
    rows, one audit event."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = DivorceApplication.objects.select_for_update().filter(
            status=DivorceStatus.PENDING, register_by__lt=today
        )
        ids = list(due.values_list("id", flat=True))
        if not ids:
            return 0
        DivorceApplication.objects.filter(pk__in=ids, status=DivorceStatus.PENDING).update(
            status=DivorceStatus.LAPSED, closed_on=today
        )
        DivorceEvent.objects.bulk_create(
            [
                DivorceEvent(
                    application_id=pk,
                    action="lapse",
                    from_status=DivorceStatus.PENDING,
                    to_status=DivorceStatus.LAPSED,
                    message="期满未共同申领离婚证，视为撤回离婚登记申请",
                )
                for pk in ids
            ],
            batch_size=2000,
        )
        event_record(
            actor=None,
            verb="marriage.divorce_lapse_scan",
            object_type="marriage.divorce",
            object_id="scan",
            summary=f"{today:%Y-%m-%d} 离婚申请逾期扫描：{len(ids)} 份视为撤回",
            data={"ids": ids[:1000]},
        )
    return len(ids)
