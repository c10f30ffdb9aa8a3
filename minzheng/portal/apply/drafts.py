"""Drafts of online applications: the account's household, the village chooser, each section checked
and saved between visits, and the photographed papers (checked by the documents services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
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
from minzheng.documents import services as documents
from minzheng.documents.errors import DocumentRefused, DuplicateDocument
from minzheng.portal.apply.programmes import (
    INCOME_CATEGORIES,
    MAX_DRAFT_DOCUMENTS,
    MAX_MEMBERS,
    ONLINE_KINDS,
    ONLINE_SECTIONS,
    AlreadySubmitted,
    DraftInvalid,
    Section,
    workflow_of,
)
from minzheng.portal.models import ApplicationDraft, DraftDocument, PortalAccount
from minzheng.portal.rules import NotYours
from minzheng.registry.choices import EmploymentStatus, IncomeCategory, RelationToHead
from minzheng.registry.models import Household, Membership
from minzheng.registry.services import (
    ID_INDEX,
)

# --- reads: the account's household ---------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    name: str
    id_number_masked: str
    relation: str
    birth_date: dt.date | None


def household_of(account: PortalAccount) -> Household | None:
    """The bound person's current household (their open membership), or ``None``."""
    if account.person_id is None:
        return None
    membership = (
        Membership.objects.select_related("household__hukou_division")
        .filter(person_id=account.person_id, left_on__isnull=True)
        .first()
    )
    return membership.household if membership else None


def household_members(household: Household) -> list[MemberRow]:
    rows = (
        Membership.objects.filter(household=household, left_on__isnull=True)
        .select_related("person")
        .order_by("joined_on", "id")
    )
    return [
        MemberRow(m.person.name, m.person.id_number_masked, RelationToHead(m.relation_to_head).label,
                  m.person.birth_date)
        for m in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class SubjectChoice:
    """A member an allowance may be applied for: ``key`` is ``p<person id>`` for the registry household of a
    bound account, ``m<index>`` for a member declared in the draft (registered on submission)."""

    key: str
    name: str
    id_number_masked: str
    relation: str
    birth_date: dt.date | None
    is_applicant: bool


def subject_choices(*, account: PortalAccount, draft: ApplicationDraft) -> list[SubjectChoice]:
    """The household's members, the applicant first among equals: the registry's for a bound account, the
    declared ones otherwise (empty until the household section is saved)."""
    household = household_of(account)
    if household is not None:
        rows = (
            Membership.objects.filter(household=household, left_on__isnull=True)
            .select_related("person")
            .order_by("joined_on", "id")
        )
        return [
            SubjectChoice(f"p{m.person_id}", m.person.name, m.person.id_number_masked,
                          RelationToHead(m.relation_to_head).label, m.person.birth_date,
                          m.person_id == account.person_id)
            for m in rows
        ]  # fmt: skip
    return [
        SubjectChoice(f"m{i}", m["name"], m["id_number_masked"], RelationToHead(m["relation"]).label,
                      dt.date.fromisoformat(m["birth_date"]), i == 0)
        for i, m in enumerate(draft.data.get("household", {}).get("members", []))
    ]  # fmt: skip


def division_options(*, parent_code: str = "") -> list[tuple[str, str]]:
    """The village chooser, county → township → village: the current counties (no parent), or the current
    divisions directly below ``parent_code``. Division names are public facts, not scoped."""
    current = Division.objects.filter(abolished_on__isnull=True)
    if not parent_code:
        rows = current.filter(level=Level.COUNTY).select_related("parent").order_by("code")
        return [(d.code, f"{d.parent.name} {d.name}" if d.parent else d.name) for d in rows]
    return list(current.filter(parent__code=parent_code).order_by("code").values_list("code", "name"))


def village_path(code: str) -> tuple[str, str]:
    """The county and township codes above a village (to show the chooser where it was left)."""
    village = Division.objects.select_related("parent__parent").filter(code=code, level=Level.VILLAGE).first()
    if village is None or village.parent is None or village.parent.parent is None:
        return "", ""
    return village.parent.parent.code, village.parent.code


# --- reads: drafts ----------------------------------------------------------------------------------------


def draft_list(*, account: PortalAccount) -> QuerySet[ApplicationDraft]:
    return (
        ApplicationDraft.objects.filter(account=account)
        .select_related("application", "account")
        .order_by("-updated_at")
    )


def draft_get(*, account: PortalAccount, pk: int) -> ApplicationDraft:
    draft = (
        ApplicationDraft.objects.select_related("application", "account")
        .filter(pk=pk, account=account)
        .first()
    )
    if draft is None:
        raise NotYours("未找到该申请草稿", field="draft")
    return draft


def draft_documents(draft: ApplicationDraft) -> list[DraftDocument]:
    return list(draft.documents.order_by("uploaded_at", "id"))


def sections_of(draft: ApplicationDraft) -> tuple[Section, ...]:
    return ONLINE_SECTIONS[Workflow(draft.workflow)]


def section_done(draft: ApplicationDraft, section: Section) -> bool:
    """A section counts as filled once saved; documents are optional (the township asks for what is
    missing in one notice, 审核确认办法第 10 条); the pledge must be signed."""
    if section == Section.DOCUMENTS:
        return True
    if section == Section.SUBMIT:
        return draft.submitted_at is not None
    if section == Section.PLEDGE:
        return bool(draft.data.get("pledge", {}).get("signed_at"))
    if section == Section.HOUSEHOLD:  # saved for a bound account, or with members when not bound
        household = draft.data.get("household", {})
        return bool(household.get("confirmed") if draft.account.person_id else household.get("members"))
    return section.value in draft.data


def missing_sections(draft: ApplicationDraft) -> list[Section]:
    return [s for s in sections_of(draft) if s != Section.SUBMIT and not section_done(draft, s)]


def next_section(draft: ApplicationDraft, section: Section) -> Section:
    order = sections_of(draft)
    return order[min(order.index(section) + 1, len(order) - 1)]


@dataclass(frozen=True)
class DraftSummary:
    """What the summary page (and the API) shows of a draft: masked ID numbers only."""

    members: list[MemberRow]
    village: str
    address: str
    note: str
    incomes: list[tuple[str, Decimal]]
    monthly_income: Decimal
    assets: list[tuple[str, str]]
    hardship: str
    requested_amount: Decimal | None
    pledge_signed_at: str
    subject: str = ""  # the allowances: the member applied for (name and masked ID number)
    subsidies: tuple[str, ...] = ()  # 残疾人两项补贴: the labels of the subsidies applied for


def draft_summary(*, account: PortalAccount, draft: ApplicationDraft) -> DraftSummary:
    data = draft.data
    household = data.get("household", {})
    bound = household_of(account)
    if bound is not None:
        members = household_members(bound)
        village = bound.hukou_division.name
        address = bound.hukou_address
    else:
        members = [
            MemberRow(m["name"], m["id_number_masked"], RelationToHead(m["relation"]).label,
                      dt.date.fromisoformat(m["birth_date"]))
            for m in household.get("members", [])
        ]  # fmt: skip
        division = Division.objects.filter(code=household.get("village_code", "")).first()
        village = division.name if division else ""
        address = household.get("address", "")
    incomes = [(IncomeCategory(k).label, Decimal(v)) for k, v in data.get("income", {}).items()]
    assets = data.get("assets", {})
    asset_lines = [
        (label, value)
        for label, value in (
            ("银行存款", f"{assets['deposit']} 元" if Decimal(assets.get("deposit") or 0) else ""),
            ("机动车辆", f"{assets['vehicle_count']} 辆，约 {assets['vehicle_value']} 元"
             if assets.get("vehicle_count") else ""),
            ("房屋", f"{assets['house_count']} 套，共 {assets['house_area']} ㎡"
             if assets.get("house_count") else ""),
        )
        if value
    ]  # fmt: skip
    hardship = data.get("hardship", {})
    requested = hardship.get("requested_amount")
    chosen = data.get("subject", {})
    subject = next(
        (f"{c.name}（{c.id_number_masked}）" for c in subject_choices(account=account, draft=draft)
         if c.key == chosen.get("member")), "",
    ) if chosen else ""  # fmt: skip
    return DraftSummary(
        members=members, village=village, address=address, note=household.get("note", ""), incomes=incomes,
        monthly_income=sum((amount for _, amount in incomes), Decimal("0.00")), assets=asset_lines,
        hardship=hardship.get("text", ""), requested_amount=Decimal(requested) if requested else None,
        pledge_signed_at=data.get("pledge", {}).get("signed_at", ""), subject=subject,
        subsidies=tuple(SUBSIDY_LABELS[c] for c in chosen.get("subsidies", []) if c in SUBSIDY_LABELS),
    )  # fmt: skip


# --- writes: drafts --------------------------------------------------------------------------------------


@transaction.atomic
def draft_start(*, account: PortalAccount, workflow: str) -> ApplicationDraft:
    """The account's open draft of ``workflow``, created when there is none (one open draft per account
    and workflow, a partial unique index: two tabs starting at once get the same draft)."""
    chosen = workflow_of(workflow)
    existing = ApplicationDraft.objects.filter(
        account=account, workflow=chosen.value, submitted_at__isnull=True
    )
    draft = existing.first()
    if draft is not None:
        return draft
    try:
        with transaction.atomic():
            return ApplicationDraft.objects.create(account=account, workflow=chosen.value, data={})
    except IntegrityError:
        return existing.get()


def open_draft(account: PortalAccount, pk: int, *, lock: bool = True) -> ApplicationDraft:
    drafts = ApplicationDraft.objects.filter(pk=pk, account=account)
    draft = (drafts.select_for_update() if lock else drafts).first()
    if draft is None:
        raise NotYours("未找到该申请草稿", field="draft")
    if draft.submitted_at is not None:
        raise AlreadySubmitted(draft.application_id)
    return draft


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
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 50:
        raise DraftInvalid(f"第 {index + 1} 位成员：请填写姓名（不超过 50 个字）", field=f"{where}.name")
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


def _upload_allowed(account: PortalAccount, pk: int, kind: str, *, lock: bool) -> ApplicationDraft:
    draft = open_draft(account, pk, lock=lock)
    if kind not in ONLINE_KINDS:
        raise DocumentRefused("请选择材料类别", field="kind", code="document_kind")
    if draft.documents.count() >= MAX_DRAFT_DOCUMENTS:
        raise DocumentRefused(
            f"每份申请最多上传 {MAX_DRAFT_DOCUMENTS} 份材料", field="file", code="document_count"
        )
    return draft


def draft_document_add(*, account: PortalAccount, pk: int, kind: str, file: Any,
                       ip_address: str | None = None) -> DraftDocument:  # fmt: skip
    """A photographed paper added to the draft, checked exactly like a staff upload (documents services:
    type from the bytes, size limit, virus scan) before anything is stored; the same content twice in one
    draft is refused. The scan runs outside the storing transaction, so the audit event of an infected
    file survives the refusal (as for staff uploads)."""
    draft = _upload_allowed(account, pk, kind, lock=False)
    upload = documents.upload_read(file)
    if draft.documents.filter(sha256=upload.checked.sha256).exists():
        raise DuplicateDocument("已上传过相同内容的文件，不能重复上传", field="file")
    outcome, scanner = documents.upload_scan(
        data=upload.data, name=upload.name, sha256=upload.checked.sha256, actor=None,
        object_type="application_draft", object_id=draft.pk, division_code="",
        subject=f"网上申请草稿 {draft.pk}", ip_address=ip_address,
    )  # fmt: skip
    with transaction.atomic():
        draft = _upload_allowed(
            account, pk, kind, lock=True
        )  # locked now; a second tab may have submitted meanwhile
        checked = upload.checked
        document = DraftDocument(
            draft=draft, kind=kind, original_name=upload.name, content_type=checked.file_type.value,
            size=checked.size, sha256=checked.sha256, scan_status=outcome.status, scanner=scanner,
        )  # fmt: skip
        document.file.save(f"upload.{upload.checked.extension}", ContentFile(upload.data), save=False)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:  # the same file from a second tab a moment ago
            document.file.storage.delete(str(document.file.name))
            raise DuplicateDocument("已上传过相同内容的文件，不能重复上传", field="file") from None
        draft.save(update_fields=["updated_at"])
    return document


@transaction.atomic
def draft_document_remove(*, account: PortalAccount, pk: int, document_id: int) -> None:
    """Take a paper out of the open draft; its file is deleted once the removal is committed (nothing of
    the draft has reached the office yet)."""
    draft = open_draft(account, pk)
    document = draft.documents.filter(pk=document_id).first()
    if document is None:
        raise NotYours("未找到该材料", field="document")
    name, storage = str(document.file.name), document.file.storage
    document.delete()
    draft.save(update_fields=["updated_at"])
    transaction.on_commit(lambda: storage.delete(name))
