"""Submission of a draft into the applications workflow as the online channel, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.applications.models import Application
from minzheng.applications.rules import Channel
from minzheng.applications.services import ApplicationData, application_create_online
from minzheng.applications.timeline import timeline_record
from minzheng.benefits.means_test import reference_period
from minzheng.catalogue.programmes import ALLOWANCE_WORKFLOWS, PERSON_WORKFLOWS, Workflow
from minzheng.common import crypto
from minzheng.common.masking import mask_id_number
from minzheng.common.money import yuan
from minzheng.documents import services as documents
from minzheng.portal.apply.drafts import draft_documents, missing_sections, open_draft
from minzheng.portal.apply.household import household_of
from minzheng.portal.apply.programmes import (
    DECLARED_INCOME_MONTHS,
    SECTION_LABELS,
    DraftIncomplete,
    DraftInvalid,
    Section,
)
from minzheng.portal.models import ApplicationDraft, PortalAccount
from minzheng.portal.rules import NotYours
from minzheng.registry.choices import AssetCategory
from minzheng.registry.models import Household, Person
from minzheng.registry.services import (
    ID_INDEX,
    DeclaredAsset,
    DeclaredIncome,
    HouseholdData,
    OnlineMember,
    PersonData,
    declarations_record_online,
    household_create_online,
)

# --- submission ------------------------------------------------------------------------------------------


def _incomplete(draft: ApplicationDraft) -> None:
    missing = missing_sections(draft)
    if missing:
        labels = "、".join(f"“{SECTION_LABELS[s]}”" for s in missing)
        raise DraftIncomplete(f"请先填写{labels}，再提交申请", field=missing[0].value)


def _registered_household(
    account: PortalAccount, draft: ApplicationDraft
) -> tuple[Household, Person, list[Person]]:
    """The household the application is for: the bound person's, or the one the draft declares, created
    now in the registry (the account is then bound to the applicant, who is member 1). The third value
    is the persons registered now, in the draft's order (empty for a bound account)."""
    if account.person_id is not None:
        household = household_of(account)
        if household is None:
            raise DraftInvalid("您目前不在任何家庭中，请到户籍所在地乡镇（街道）窗口申请", field="household")
        return household, Person.objects.get(pk=account.person_id), []
    declared = draft.data["household"]
    phone = crypto.decrypt(account.phone_encrypted)
    members = [
        OnlineMember(
            PersonData(name=m["name"], id_number=crypto.decrypt(m["id_number_encrypted"]),
                       employment_status=m["employment_status"], phone=phone if i == 0 else ""),
            m["relation"],
        )
        for i, m in enumerate(declared["members"])
    ]  # fmt: skip
    household, persons = household_create_online(
        household=HouseholdData(
            hukou_division_code=declared["village_code"], hukou_address=declared["address"]
        ),
        members=members, joined_on=timezone.localdate(), reference=f"草稿 {draft.pk}",
    )  # fmt: skip
    applicant = persons[0]
    _bind(account, applicant)
    return household, applicant, list(persons)


def _subject_id(
    draft: ApplicationDraft, workflow: Workflow, applicant: Person, persons: list[Person]
) -> int | None:
    """特困: the applicant; an allowance: the member chosen in the subject section (a registry person, or
    the declared member registered now); the intake checks who it may be."""
    if workflow not in PERSON_WORKFLOWS:
        return None
    if workflow not in ALLOWANCE_WORKFLOWS:
        return applicant.pk
    key = str(draft.data.get("subject", {}).get("member", ""))
    if key.startswith("p") and key[1:].isdigit():
        return int(key[1:])
    if key.startswith("m") and key[1:].isdigit() and int(key[1:]) < len(persons):
        return persons[int(key[1:])].pk
    raise DraftIncomplete(
        f"请先填写“{SECTION_LABELS[Section.SUBJECT]}”，再提交申请", field=Section.SUBJECT.value
    )


def _bind(account: PortalAccount, applicant: Person) -> None:
    """Bind the account to the person its own application just registered."""
    account.person, account.bound_at = applicant, timezone.now()
    fields = ["person", "bound_at", "updated_at"]
    if not account.id_number_index:
        number = applicant.id_number
        account.id_number_encrypted = crypto.encrypt(number)
        account.id_number_index = crypto.blind_index(number, purpose=ID_INDEX)
        account.id_number_masked = mask_id_number(number)
        account.name = account.name or applicant.name
        fields += ["id_number_encrypted", "id_number_index", "id_number_masked", "name"]
    try:
        with transaction.atomic():
            account.save(update_fields=fields)
    except IntegrityError:
        raise DraftInvalid(
            "申请人的身份证号码已被其他账号使用，请到乡镇（街道）窗口申请", field="members.0.id_number"
        ) from None


def _declarations(draft: ApplicationDraft, household: Household, today: dt.date) -> None:
    data = draft.data
    if "income" not in data and "assets" not in data:
        return
    start, end = reference_period(today, DECLARED_INCOME_MONTHS)
    incomes = [
        DeclaredIncome(category, yuan(Decimal(amount) * DECLARED_INCOME_MONTHS), start, end,
                       note=f"网上申报：月均 {amount} 元")
        for category, amount in data.get("income", {}).items()
    ]  # fmt: skip
    assets_data = data.get("assets", {})
    assets: list[DeclaredAsset] = []
    if Decimal(assets_data.get("deposit") or 0) > 0:
        assets.append(DeclaredAsset(AssetCategory.DEPOSIT, Decimal(assets_data["deposit"]), today))
    if assets_data.get("vehicle_count"):
        assets.append(DeclaredAsset(AssetCategory.VEHICLE, Decimal(assets_data["vehicle_value"]), today,
                                    quantity=Decimal(assets_data["vehicle_count"]),
                                    description=f"{assets_data['vehicle_count']} 辆"))  # fmt: skip
    if assets_data.get("house_count"):
        assets.append(DeclaredAsset(AssetCategory.HOUSING, Decimal(0), today,
                                    quantity=Decimal(assets_data["house_area"]),
                                    description=f"{assets_data['house_count']} 套"))  # fmt: skip
    declarations_record_online(
        household=household, incomes=incomes, assets=assets, reference=f"草稿 {draft.pk}"
    )


@transaction.atomic
def draft_submit(*, account_id: int, pk: int) -> Application:
    """Submit the draft as an application of the online channel, in one transaction: the household (the
    bound person's, or the declared one registered now), the declared incomes and assets (申请人申报), the
    application (``application_create_online``: the intake rules, one open application per programme),
    the uploads as the application's documents, the draft marked submitted.

    Idempotent: the draft row is locked first, so a second click or tab waits and then gets
    ``AlreadySubmitted`` (exactly one application); a second open application of the programme is refused
    with the intake's ``DuplicateApplication`` message."""
    account = PortalAccount.objects.select_for_update().filter(pk=account_id, is_active=True).first()
    if account is None:
        raise NotYours("未找到该申请草稿", field="draft")
    draft = open_draft(account, pk)
    _incomplete(draft)
    workflow = Workflow(draft.workflow)
    today = timezone.localdate()
    household, applicant, persons = _registered_household(account, draft)
    _declarations(draft, household, today)
    hardship = draft.data.get("hardship", {})
    subject_id = _subject_id(draft, workflow, applicant, persons)
    application = application_create_online(
        account_label=f"救助通 {account.phone_masked}",
        data=ApplicationData(
            workflow=workflow.value, household_id=household.pk, applicant_id=applicant.pk,
            channel=Channel.ONLINE, submitted_on=today,
            subject_id=subject_id, subsidies=tuple(draft.data.get("subject", {}).get("subsidies", ())),
            hardship=hardship.get("text", ""),
            requested_amount=Decimal(requested) if (requested := hardship.get("requested_amount")) else None,
            pledge_signed=True,
        ),
        pledge_signed_at=dt.datetime.fromisoformat(draft.data["pledge"]["signed_at"]),
    )  # fmt: skip
    note = draft.data.get("household", {}).get("note", "")
    if note:
        timeline_record(application, None, "record", "applicant_note", f"申请人对家庭信息的说明：{note}")
    documents.document_attach_online(
        application=application,
        files=[documents.OnlineFile(d.kind, d.original_name, str(d.file.name), d.content_type, d.size,
                                    d.sha256, d.scan_status, d.scanner) for d in draft_documents(draft)],
    )  # fmt: skip
    draft.submitted_at, draft.application = timezone.now(), application
    draft.save(update_fields=["submitted_at", "application", "updated_at"])
    return application
