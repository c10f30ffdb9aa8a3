"""The sections of a draft, each checked and saved between visits (``Section``): the household, the person
an allowance is for, income, assets, the hardship, the pledge."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.applications.rules import CHILD_AGE, SUBSIDY_LABELS
from minzheng.benefits.facts import age_on
from minzheng.catalogue.programmes import CHILD_WORKFLOWS, Workflow
from minzheng.common import crypto
from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number
from minzheng.common.money import yuan
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.portal.apply.drafts import draft_get, open_draft, sections_of
from minzheng.portal.apply.household import household_of, subject_choices
from minzheng.portal.apply.programmes import INCOME_CATEGORIES, MAX_MEMBERS, DraftInvalid, Section
from minzheng.portal.models import ApplicationDraft, PortalAccount
from minzheng.registry.choices import EmploymentStatus, RelationToHead
from minzheng.registry.rules import normalise_person_name
from minzheng.registry.services import ID_INDEX


def _money(value: Any, field: str, label: str) -> Decimal:
    try:
        amount = yuan(Decimal(str(value if value not in (None, "") else "0")))
    except (InvalidOperation, TypeError):
        raise DraftInvalid(f"{label}不是有效的金额", field=field) from None
    if amount < 0 or amount >= Decimal("10000000000"):
        raise DraftInvalid(f"{label}须为 0 或正数", field=field)
    return amount


def _count(value: Any, field: str, label: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise DraftInvalid(f"{label}须为整数", field=field) from None
    if not 0 <= number <= 99:
        raise DraftInvalid(f"{label}须在 0 到 99 之间", field=field)
    return number


def _member(index: int, raw: Mapping[str, Any], claimed_index: str) -> dict[str, Any]:
    where = f"members.{index}"
    try:
        name = normalise_person_name(str(raw.get("name") or ""), field=f"{where}.name")
    except ValidationFailed as error:
        raise DraftInvalid(f"第 {index + 1} 位成员：{error.message}", field=f"{where}.name") from None
    try:
        resident = parse_resident_id(str(raw.get("id_number") or ""), field=f"{where}.id_number")
    except ValidationFailed as error:
        raise DraftInvalid(f"第 {index + 1} 位成员：{error.message}", field=error.field) from None
    relation = str(raw.get("relation") or "")
    if relation not in RelationToHead.values:
        raise DraftInvalid(f"第 {index + 1} 位成员：请选择与户主关系", field=f"{where}.relation")
    employment = str(raw.get("employment_status") or "")
    if employment not in EmploymentStatus.values:
        raise DraftInvalid(f"第 {index + 1} 位成员：请选择就业状况", field=f"{where}.employment_status")
    if (
        index == 0
        and claimed_index
        and crypto.blind_index(resident.number, purpose=ID_INDEX) != claimed_index
    ):
        raise DraftInvalid(
            "第 1 位成员须为申请人本人，身份证号码须与登录时填写的一致", field=f"{where}.id_number"
        )
    return {
        "name": name, "id_number_encrypted": crypto.encrypt(resident.number),
        "id_number_masked": mask_id_number(resident.number), "birth_date": resident.birth_date.isoformat(),
        "sex": resident.sex.value, "relation": relation, "employment_status": employment,
        "index": crypto.blind_index(resident.number, purpose=ID_INDEX),
    }  # fmt: skip


def _household_section(account: PortalAccount, values: Mapping[str, Any]) -> dict[str, Any]:
    note = str(values.get("note") or "").strip()[:500]
    if account.person_id is not None:
        if household_of(account) is None:
            raise DraftInvalid("您目前不在任何家庭中，请到户籍所在地乡镇（街道）窗口申请", field="household")
        if not values.get("confirmed"):
            raise DraftInvalid(
                "请核对家庭成员信息后勾选“以上信息属实”，有出入的请在说明中写明", field="confirmed"
            )
        return {"confirmed": True, "note": note}
    village_code = str(values.get("village_code") or "").strip()
    if not Division.objects.filter(
        code=village_code, level=Level.VILLAGE, abolished_on__isnull=True
    ).exists():
        raise DraftInvalid(
            "请依次选择旗县、乡镇（苏木、街道）和户籍所在村（嘎查、社区）", field="village_code"
        )
    address = str(values.get("address") or "").strip()
    if not address or len(address) > 200:
        raise DraftInvalid("请填写户籍地址（不超过 200 个字）", field="address")
    raw_members = [m for m in values.get("members") or [] if any(str(v or "").strip() for v in m.values())]
    if not raw_members:
        raise DraftInvalid("请至少填写申请人本人", field="members")
    if len(raw_members) > MAX_MEMBERS:
        raise DraftInvalid(f"家庭成员最多 {MAX_MEMBERS} 人", field="members")
    members = [_member(i, raw, account.id_number_index) for i, raw in enumerate(raw_members)]
    indexes = [m.pop("index") for m in members]
    if len(set(indexes)) != len(indexes):
        raise DraftInvalid("家庭成员中有重复的身份证号码", field="members")
    if sum(1 for m in members if m["relation"] == RelationToHead.HEAD) != 1:
        raise DraftInvalid("家庭成员中须有且只有一位户主", field="members")
    return {"village_code": village_code, "address": address, "members": members, "note": note}


def _income_section(values: Mapping[str, Any]) -> dict[str, str]:
    section: dict[str, str] = {}
    for category in INCOME_CATEGORIES:
        amount = _money(values.get(category.value), f"income.{category.value}", str(category.label))
        if amount:
            section[category.value] = str(amount)
    unknown = set(values) - {c.value for c in INCOME_CATEGORIES}
    if unknown:
        raise DraftInvalid(f"未知的收入类别：{'、'.join(sorted(unknown))}", field="income")
    return section


def _assets_section(values: Mapping[str, Any]) -> dict[str, str | int]:
    vehicles = _count(values.get("vehicle_count"), "vehicle_count", "机动车辆数")
    houses = _count(values.get("house_count"), "house_count", "房屋套数")
    return {
        "deposit": str(_money(values.get("deposit"), "deposit", "银行存款")),
        "vehicle_count": vehicles,
        "vehicle_value": str(
            _money(values.get("vehicle_value") if vehicles else 0, "vehicle_value", "车辆价值")
        ),
        "house_count": houses,
        "house_area": str(_money(values.get("house_area") if houses else 0, "house_area", "房屋面积")),
    }


def _hardship_section(values: Mapping[str, Any]) -> dict[str, str]:
    text = str(values.get("text") or "").strip()
    if not text:
        raise DraftInvalid("请说明遭遇的困难情形", field="text")
    if len(text) > 200:
        raise DraftInvalid("困难情形不超过 200 个字", field="text")
    requested = values.get("requested_amount")
    amount = _money(requested, "requested_amount", "申请金额") if requested not in (None, "") else None
    return {"text": text, "requested_amount": str(amount) if amount else ""}


def _subject_section(
    account: PortalAccount, draft: ApplicationDraft, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The member an allowance is for; for children the applicant is the guardian (2019 opinion; 孤儿 the
    same shape), so the child is someone else under 18; 两项补贴 name the subsidies applied for (one or
    both). The intake checks the same again on submission."""
    workflow = Workflow(draft.workflow)
    choices = {c.key: c for c in subject_choices(account=account, draft=draft)}
    if not choices:
        raise DraftInvalid("请先填写“申请人与家庭”，再选择申请对象", field="household")
    chosen = choices.get(str(values.get("member") or ""))
    if chosen is None:
        raise DraftInvalid("请选择申请对象（共同生活的家庭成员）", field="member")
    if workflow in CHILD_WORKFLOWS:
        if chosen.is_applicant:
            raise DraftInvalid(
                "孤儿、事实无人抚养儿童保障由监护人申请：请选择儿童，您为其监护人", field="member"
            )
        if chosen.birth_date is None or age_on(chosen.birth_date, timezone.localdate()) >= CHILD_AGE:
            raise DraftInvalid(f"申请对象须为未满 {CHILD_AGE} 周岁的儿童", field="member")
    named = {str(code) for code in values.get("subsidies") or ()}
    if named - set(SUBSIDY_LABELS):
        raise DraftInvalid("请从列出的补贴中选择", field="subsidies")
    if workflow != Workflow.DISABILITY_SUBSIDIES:
        return {"member": chosen.key}
    subsidies = [code for code in SUBSIDY_LABELS if code in named]
    if not subsidies:
        raise DraftInvalid(
            "请选择申请的补贴：困难残疾人生活补贴、重度残疾人护理补贴（可同时申请）", field="subsidies"
        )
    return {"member": chosen.key, "subsidies": subsidies}


def _pledge_section(values: Mapping[str, Any]) -> dict[str, Any]:
    if not (values.get("pledge") and values.get("authorisation")):
        raise DraftInvalid(
            "请阅读并勾选承诺书和家庭经济状况核对授权书（《最低生活保障审核确认办法》第 9 条）",
            field="pledge",
        )
    return {"pledge": True, "authorisation": True, "signed_at": timezone.now().isoformat()}


@transaction.atomic
def draft_section_save(
    *, account: PortalAccount, pk: int, section: str, values: Mapping[str, Any]
) -> ApplicationDraft:
    """Save one section of the draft (already shaped by the form or schema); refuses what the registry or
    the application would refuse later (ID numbers by GB 11643, one head, a current village, amounts)."""
    draft = open_draft(account, pk)
    try:
        chosen = Section(section)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in sections_of(draft) or chosen in (Section.DOCUMENTS, Section.SUBMIT):
        raise DraftInvalid("该申请没有这一部分", field="section")
    builders = {
        Section.HOUSEHOLD: lambda: _household_section(account, values),
        Section.SUBJECT: lambda: _subject_section(account, draft, values),
        Section.INCOME: lambda: _income_section(values),
        Section.ASSETS: lambda: _assets_section(values),
        Section.HARDSHIP: lambda: _hardship_section(values),
        Section.PLEDGE: lambda: _pledge_section(values),
    }
    draft.data = {**draft.data, chosen.value: builders[chosen]()}
    draft.save(update_fields=["data", "updated_at"])
    return draft


@transaction.atomic
def draft_sections_save(
    *, account: PortalAccount, pk: int, sections: Mapping[str, Mapping[str, Any]]
) -> ApplicationDraft:
    """Several sections at once (the API's PUT), in the order of the form: all are saved, or none."""
    draft = draft_get(account=account, pk=pk)
    for section in sections_of(draft):
        if section.value in sections:
            draft = draft_section_save(
                account=account, pk=pk, section=section.value, values=sections[section.value]
            )
    unknown = set(sections) - {s.value for s in sections_of(draft)}
    if unknown:
        raise DraftInvalid("该申请没有这一部分", field=sorted(unknown)[0])
    return draft
