"""Drafts of online applications: reading them and their state, starting and opening one, and the
photographed papers (checked by the documents services). The sections are saved by ``apply.sections``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from minzheng.applications.rules import SUBSIDY_LABELS
from minzheng.catalogue.programmes import Workflow
from minzheng.divisions.models import Division
from minzheng.documents import services as documents
from minzheng.documents.errors import DocumentRefused, DuplicateDocument
from minzheng.portal.apply.household import MemberRow, household_members, household_of, subject_choices
from minzheng.portal.apply.programmes import (
    MAX_DRAFT_DOCUMENTS,
    ONLINE_KINDS,
    ONLINE_SECTIONS,
    AlreadySubmitted,
    Section,
    workflow_of,
)
from minzheng.portal.models import ApplicationDraft, DraftDocument, PortalAccount
from minzheng.portal.rules import NotYours
from minzheng.registry.choices import IncomeCategory, RelationToHead

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
