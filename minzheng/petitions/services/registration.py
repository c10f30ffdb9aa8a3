"""Registration of a petition: by staff from any channel (window, letter, phone, transferred) and by the
applicant on the portal; the accept-and-notify limit is computed once, repeat petitions are linked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.common import crypto
from minzheng.common.errors import NotFound, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number, mask_name, mask_phone
from minzheng.common.selectors import working_calendar
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.enrolments.models import Enrolment
from minzheng.monitoring.models import Alert
from minzheng.petitions import rules, selectors
from minzheng.petitions.models import Petition
from minzheng.petitions.rules import Status
from minzheng.petitions.services.common import (
    CONTACT_INDEX,
    ID_INDEX,
    choice_check,
    handler_require,
    limits_of,
    timeline_write,
)
from minzheng.portal.models import PortalAccount
from minzheng.registry.models import Person


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


def _number(petition: Petition) -> None:
    petition.number = f"XF{petition.received_on:%Y}-{petition.pk:07d}"
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
    limits = limits_of(fields["division"], received_on)
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
    timeline_write(petition, actor, "register", message, "", Status.REGISTERED)
    return petition


@transaction.atomic
def petition_register(*, actor: User, data: PetitionData) -> Petition:
    """Register a petition from any channel (《信访工作条例》第二十二条: 登记). The accept-and-notify limit
    (第二十二、二十三条) runs from the day received."""
    handler_require(actor)
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
        "channel": choice_check(data.channel, rules.CHANNEL_LABELS, "channel", "信访渠道"),
        "kind": choice_check(data.kind, rules.KIND_LABELS, "kind", "信访类别"),
        "matter_type": choice_check(data.matter_type, rules.MATTER_LABELS, "matter_type", "事项类型"),
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
        "kind": choice_check(filing.kind, rules.KIND_LABELS, "kind", "类别"),
        "matter_type": choice_check(filing.matter_type, rules.MATTER_LABELS, "matter_type", "事项类型"),
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
