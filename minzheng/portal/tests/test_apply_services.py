"""The online-application services (救助通 part 2): drafts kept between visits, the checks of every section,
the applicant's uploads, and the submission into the applications workflow as the online channel — once,
whatever the clicks."""

# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from minzheng.applications.errors import DuplicateApplication
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.services import ApplicationData, application_create
from minzheng.audit.models import Event
from minzheng.documents.errors import DocumentRefused, DuplicateDocument
from minzheng.documents.models import Document
from minzheng.portal import apply
from minzheng.portal.models import ApplicationDraft, DraftDocument, PortalAccount
from minzheng.portal.rules import NotYours
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    CHILD_ID,
    EXE,
    NEW_ID,
    OTHER_PHONE,
    account,
    fill_bound_dibao,
    home,
    make_account,
    media,
    new_account,
    new_household_values,
    other_home,
    outbox,
    png_bytes,
    stored_files,
    upload,
)
from minzheng.registry.errors import DuplicateIdNumber
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db


# --- drafts ------------------------------------------------------------------------------------------------


def test_a_draft_is_kept_between_visits_and_there_is_one_open_draft_per_programme(account):
    # given a draft with the household confirmed
    draft = apply.draft_start(account=account, workflow="dibao")
    apply.draft_section_save(account=account, pk=draft.pk, section="household",
                             values={"confirmed": True, "note": "女儿已出嫁迁出"})  # fmt: skip

    # when the person comes back and starts 低保 again
    again = apply.draft_start(account=account, workflow="dibao")

    # then it is the same draft with what was saved
    assert again.pk == draft.pk
    assert again.data == {"household": {"confirmed": True, "note": "女儿已出嫁迁出"}}
    assert ApplicationDraft.objects.filter(account=account).count() == 1
    assert apply.missing_sections(again) == [apply.Section.INCOME, apply.Section.ASSETS, apply.Section.PLEDGE]


def test_a_programme_without_an_online_procedure_is_refused(account):
    with pytest.raises(apply.DraftInvalid) as error:
        apply.draft_start(account=account, workflow="margin_household")
    assert error.value.message.startswith("该救助类别不能在网上申请，可网上申请：最低生活保障、")
    assert not ApplicationDraft.objects.exists()


def test_the_allowances_are_applied_for_online_so_none_is_sent_to_the_window():
    assert apply.window_allowances() == []
    assert {w.value for w in apply.ONLINE_SECTIONS} >= {
        "senior_allowance",
        "disability_subsidies",
        "orphan_allowance",
        "de_facto_orphan_allowance",
    }


def test_income_assets_and_pledge_sections_store_checked_values(account):
    draft = apply.draft_start(account=account, workflow="dibao")
    apply.draft_section_save(account=account, pk=draft.pk, section="income",
                             values={"wage": Decimal("800"), "pension": "300.5", "other": None})  # fmt: skip
    apply.draft_section_save(account=account, pk=draft.pk, section="assets",
                             values={"deposit": "2000", "vehicle_count": 1, "vehicle_value": "15000",
                                     "house_count": 1, "house_area": "60"})  # fmt: skip
    draft = apply.draft_section_save(account=account, pk=draft.pk, section="pledge",
                                     values={"pledge": True, "authorisation": True})  # fmt: skip
    assert draft.data["income"] == {"wage": "800.00", "pension": "300.50"}
    assert draft.data["assets"] == {"deposit": "2000.00", "vehicle_count": 1, "vehicle_value": "15000.00",
                                    "house_count": 1, "house_area": "60.00"}  # fmt: skip
    assert set(draft.data["pledge"]) == {"pledge", "authorisation", "signed_at"}


@pytest.mark.parametrize(
    ("section", "values", "message", "field"),
    [
        ("income", {"wage": "-1"}, "工资性收入须为 0 或正数", "income.wage"),
        ("income", {"wage": "abc"}, "工资性收入不是有效的金额", "income.wage"),
        ("income", {"lottery": "5"}, "未知的收入类别：lottery", "income"),
        ("assets", {"vehicle_count": 100}, "机动车辆数须在 0 到 99 之间", "vehicle_count"),
        ("pledge", {"pledge": True, "authorisation": False},
         "请阅读并勾选承诺书和家庭经济状况核对授权书（《最低生活保障审核确认办法》第 9 条）", "pledge"),
        ("household", {"confirmed": False}, "请核对家庭成员信息后勾选“以上信息属实”，有出入的请在说明中写明",
         "confirmed"),
        ("hardship", {"text": "x"}, "该申请没有这一部分", "section"),
    ],
)  # fmt: skip
def test_a_bad_section_is_refused_and_nothing_is_saved(account, section, values, message, field):
    draft = apply.draft_start(account=account, workflow="dibao")
    with pytest.raises(apply.DraftInvalid) as error:
        apply.draft_section_save(account=account, pk=draft.pk, section=section, values=values)
    assert (error.value.message, error.value.field) == (message, field)
    draft.refresh_from_db()
    assert draft.data == {}


def test_temporary_assistance_asks_for_the_hardship_and_the_amount(account):
    draft = apply.draft_start(account=account, workflow="temporary_emergency")
    assert apply.sections_of(draft) == ("household", "hardship", "documents", "pledge", "submit")
    with pytest.raises(apply.DraftInvalid, match="请说明遭遇的困难情形"):
        apply.draft_section_save(account=account, pk=draft.pk, section="hardship", values={"text": " "})
    draft = apply.draft_section_save(account=account, pk=draft.pk, section="hardship",
                                     values={"text": "房屋失火", "requested_amount": "3000"})  # fmt: skip
    assert draft.data["hardship"] == {"text": "房屋失火", "requested_amount": "3000.00"}


def test_someone_elses_draft_is_not_found(account, other_home):
    other = make_account(OTHER_PHONE, person=other_home.head)
    draft = apply.draft_start(account=other, workflow="dibao")
    with pytest.raises(NotYours, match="未找到该申请草稿"):
        apply.draft_get(account=account, pk=draft.pk)
    with pytest.raises(NotYours):
        apply.draft_section_save(account=account, pk=draft.pk, section="income", values={"wage": "1"})
    draft.refresh_from_db()
    assert draft.data == {}


# --- the household of an applicant who is not in the registry ----------------------------------------------


def test_an_unbound_applicant_types_the_household_and_id_numbers_are_stored_encrypted(new_account):
    draft = apply.draft_start(account=new_account, workflow="dibao")
    draft = apply.draft_section_save(account=new_account, pk=draft.pk, section="household",
                                     values=new_household_values())  # fmt: skip
    household = draft.data["household"]
    assert household["village_code"] == "150102001002"
    assert [(m["name"], m["relation"], m["birth_date"], m["sex"]) for m in household["members"]] == [
        ("王芳", "head", "1975-03-09", "female" if int(NEW_ID[16]) % 2 == 0 else "male"),
        ("王小明", "son", "2012-06-01", "female" if int(CHILD_ID[16]) % 2 == 0 else "male"),
    ]
    assert household["members"][0]["id_number_masked"] == NEW_ID[:4] + "**********" + NEW_ID[-4:]
    assert NEW_ID not in str(draft.data)  # never in clear


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"village_code": "150102001000"}, "请依次选择旗县、乡镇（苏木、街道）和户籍所在村（嘎查、社区）",
         "village_code"),
        ({"address": ""}, "请填写户籍地址（不超过 200 个字）", "address"),
        ({"members": []}, "请至少填写申请人本人", "members"),
        ({"members": [{"name": "王芳", "id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"),
                       "relation": "head", "employment_status": "unemployed"}]},
         "第 1 位成员：身份证号码校验位错误，请核对后重新输入", "members.0.id_number"),
        ({"members": [{"name": "王芳", "id_number": CHILD_ID, "relation": "head",
                       "employment_status": "unemployed"}]},
         "第 1 位成员须为申请人本人，身份证号码须与登录时填写的一致", "members.0.id_number"),
        ({"members": [{"name": "王芳", "id_number": NEW_ID, "relation": "spouse",
                       "employment_status": "unemployed"}]}, "家庭成员中须有且只有一位户主", "members"),
        ({"members": [{"name": "王芳", "id_number": NEW_ID, "relation": "head", "employment_status": "x"}]},
         "第 1 位成员：请选择就业状况", "members.0.employment_status"),
    ],
)  # fmt: skip
def test_a_bad_household_is_refused_with_the_field_at_fault(new_account, overrides, message, field):
    draft = apply.draft_start(account=new_account, workflow="dibao")
    with pytest.raises(apply.DraftInvalid) as error:
        apply.draft_section_save(account=new_account, pk=draft.pk, section="household",
                                 values=new_household_values(**overrides))  # fmt: skip
    assert (error.value.message, error.value.field) == (message, field)


# --- uploads -------------------------------------------------------------------------------------------------


def test_a_photo_is_checked_and_stored_with_the_draft_and_can_be_removed(
    account, media, django_capture_on_commit_callbacks
):
    draft = apply.draft_start(account=account, workflow="dibao")
    content = png_bytes()
    document = apply.draft_document_add(account=account, pk=draft.pk, kind="household_register",
                                        file=upload("户口簿.png", content, "application/octet-stream"))  # fmt: skip
    document.refresh_from_db()
    assert (document.kind, document.original_name, document.content_type, document.size) == (
        "household_register",
        "户口簿.png",
        "image/png",
        len(content),
    )
    assert (document.scan_status, document.scanner) == ("clean", "eicar")
    assert stored_files(media) == [media / document.file.name]

    with django_capture_on_commit_callbacks(execute=True):
        apply.draft_document_remove(account=account, pk=draft.pk, document_id=document.pk)
    assert not DraftDocument.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("程序.jpg", EXE, "document_type", "文件内容不是允许的类型（仅限 JPEG、PNG、WebP、HEIC 图片或 PDF）"),
        ("空.png", b"", "document_empty", "文件为空，请重新选择"),
        ("照片.pdf", png_bytes(), "document_extension_mismatch",
         "文件扩展名“.pdf”与文件内容（PNG）不符，请核对后重新上传"),
    ],
)  # fmt: skip
def test_a_wrong_file_is_refused_and_nothing_is_stored(account, media, name, content, code, message):
    draft = apply.draft_start(account=account, workflow="dibao")
    with pytest.raises(DocumentRefused) as error:
        apply.draft_document_add(account=account, pk=draft.pk, kind="identity", file=upload(name, content))
    assert (error.value.code, error.value.message) == (code, message)
    assert not DraftDocument.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_photo_is_refused(account, media, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    draft = apply.draft_start(account=account, workflow="dibao")
    with pytest.raises(DocumentRefused) as error:
        apply.draft_document_add(account=account, pk=draft.pk, kind="identity",
                                 file=upload("大图.png", png_bytes(size=(300, 300)) + b"\x00" * 2048))  # fmt: skip
    assert (error.value.code, error.value.message) == ("document_too_large", "文件超过 1 KB 上限")
    assert stored_files(media) == []


def test_the_same_photo_twice_and_an_office_only_kind_are_refused(account, media):
    draft = apply.draft_start(account=account, workflow="dibao")
    apply.draft_document_add(account=account, pk=draft.pk, kind="identity", file=upload("a.png", png_bytes()))
    with pytest.raises(DuplicateDocument, match="已上传过相同内容的文件，不能重复上传"):
        apply.draft_document_add(
            account=account, pk=draft.pk, kind="income", file=upload("b.png", png_bytes())
        )
    with pytest.raises(DocumentRefused, match="请选择材料类别"):
        apply.draft_document_add(account=account, pk=draft.pk, kind="decision",
                                 file=upload("c.png", png_bytes("blue")))  # fmt: skip
    assert DraftDocument.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_an_infected_photo_is_refused_and_the_refusal_is_audited(account, media):
    from minzheng.documents.scanning import EICAR

    draft = apply.draft_start(account=account, workflow="dibao")
    with pytest.raises(DocumentRefused, match="文件未通过病毒扫描（Eicar-Test-Signature），已拒收"):
        apply.draft_document_add(account=account, pk=draft.pk, kind="identity",
                                 file=upload("x.jpg", b"\xff\xd8\xff\xe0" + EICAR))  # fmt: skip
    event = Event.objects.get(verb="document.infected")
    assert (event.object_type, event.object_id, event.actor) == ("application_draft", str(draft.pk), None)
    assert stored_files(media) == []


# --- submission ------------------------------------------------------------------------------------------------


def test_a_bound_dibao_draft_becomes_an_online_application_with_declarations_and_documents(
    account, home, media
):
    pk = fill_bound_dibao(account)
    apply.draft_document_add(account=account, pk=pk, kind="identity", file=upload("身份证.png", png_bytes()))

    application = apply.draft_submit(account_id=account.pk, pk=pk)

    assert (application.workflow, application.channel, application.step) == ("dibao", "online", "submitted")
    assert (application.household_id, application.applicant_id, application.created_by) == (
        home.pk,
        home.head_id,
        None,
    )
    assert application.division.code == "150102001000"
    assert application.pledge_signed_at is not None
    assert application.pledge_recorded_by is None
    assert application.number == f"150102-{dt.date.today().year}-{application.pk:07d}"
    [line] = ApplicationEvent.objects.filter(application=application, kind="transition")
    assert (line.code, line.message, line.actor, line.to_step) == (
        "submit",
        "网上申请：申请人提交",
        None,
        "submitted",
    )
    incomes = IncomeRecord.objects.filter(household=home).order_by("category")
    assert [(i.category, i.amount, i.source, i.recorded_by) for i in incomes] == [
        ("pension", Decimal("3606.00"), "declared", None),
        ("wage", Decimal("9600.00"), "declared", None),
    ]
    assets = AssetRecord.objects.filter(household=home).order_by("category")
    assert [(a.category, a.value, a.quantity) for a in assets] == [
        ("deposit", Decimal("2000.00"), None),
        ("housing", Decimal("0.00"), Decimal("60.00")),
    ]
    [document] = Document.objects.filter(application=application)
    assert (document.kind, document.uploaded_by, document.uploaded_online, document.step) == (
        "identity",
        None,
        True,
        "submitted",
    )
    assert default_storage.exists(document.file.name)
    draft = ApplicationDraft.objects.get(pk=pk)
    assert draft.submitted_at is not None
    assert draft.application == application
    assert Event.objects.filter(verb="application.created_online", object_id=str(application.pk)).exists()


def test_a_second_submission_of_the_same_draft_creates_nothing(account):
    pk = fill_bound_dibao(account)
    first = apply.draft_submit(account_id=account.pk, pk=pk)
    with pytest.raises(apply.AlreadySubmitted) as error:
        apply.draft_submit(account_id=account.pk, pk=pk)
    assert (error.value.message, error.value.application_id, error.value.code) == (
        "该申请已提交，请勿重复提交",
        first.pk,
        "already_submitted",
    )
    assert Application.objects.count() == 1
    assert IncomeRecord.objects.count() == 2


def test_an_open_application_of_the_programme_refuses_a_new_one_with_the_intake_message(account, home, users):
    application_create(actor=users["caseworker"], data=ApplicationData(
        workflow="dibao", household_id=home.pk, applicant_id=home.head_id, channel="window"))  # fmt: skip
    pk = fill_bound_dibao(account)
    with pytest.raises(DuplicateApplication, match="该家庭已有办理中的“最低生活保障”申请，不能重复申请"):
        apply.draft_submit(account_id=account.pk, pk=pk)
    assert Application.objects.count() == 1
    assert not IncomeRecord.objects.exists()  # the declarations rolled back with it
    assert ApplicationDraft.objects.get(pk=pk).submitted_at is None


def test_an_incomplete_draft_names_the_missing_sections(account):
    draft = apply.draft_start(account=account, workflow="dibao")
    with pytest.raises(apply.DraftIncomplete) as error:
        apply.draft_submit(account_id=account.pk, pk=draft.pk)
    assert (error.value.message, error.value.field) == (
        "请先填写“申请人与家庭”、“收入”、“财产”、“承诺与授权”，再提交申请",
        "household",
    )
    assert not Application.objects.exists()


def test_an_unbound_applicant_registers_the_household_on_submission_and_is_bound(new_account, users):
    draft = apply.draft_start(account=new_account, workflow="extreme_poverty_support")
    save = apply.draft_section_save
    save(account=new_account, pk=draft.pk, section="household", values=new_household_values())
    save(account=new_account, pk=draft.pk, section="income", values={})
    save(account=new_account, pk=draft.pk, section="assets", values={})
    save(account=new_account, pk=draft.pk, section="pledge", values={"pledge": True, "authorisation": True})

    application = apply.draft_submit(account_id=new_account.pk, pk=draft.pk)

    household = Household.objects.get(pk=application.household_id)
    members = list(Person.objects.filter(household=household).order_by("pk"))
    assert [(p.name, p.birth_date) for p in members] == [
        ("王芳", dt.date(1975, 3, 9)),
        ("王小明", dt.date(2012, 6, 1)),
    ]
    assert (household.head, household.member_count) == (members[0], 2)
    assert (household.hukou_division.code, household.hukou_address, household.created_by) == (
        "150102001002",
        "东风路 8 号",
        None,
    )
    assert [p.phone for p in members] == ["15011112222", ""]
    assert (application.applicant, application.subject) == (members[0], members[0])  # 特困: the applicant
    new_account.refresh_from_db()
    assert new_account.person == members[0]
    assert new_account.bound_at is not None
    assert not IncomeRecord.objects.exists()  # declared nothing
    assert not AssetRecord.objects.exists()
    # the township sees it in its jurisdiction
    assert Application.objects.visible_to(users["caseworker"]).filter(pk=application.pk).exists()


def test_a_member_already_in_the_registry_is_refused_without_saying_who_or_where(
    new_account, household_factory, users
):
    household_factory(head_name="王小明", id_number=CHILD_ID, division_code="152527201206",
                      actor=users["taibus_caseworker"])  # fmt: skip
    draft = apply.draft_start(account=new_account, workflow="dibao")
    save = apply.draft_section_save
    save(account=new_account, pk=draft.pk, section="household", values=new_household_values())
    save(account=new_account, pk=draft.pk, section="income", values={})
    save(account=new_account, pk=draft.pk, section="assets", values={})
    save(account=new_account, pk=draft.pk, section="pledge", values={"pledge": True, "authorisation": True})
    households = Household.objects.count()
    with pytest.raises(DuplicateIdNumber) as error:
        apply.draft_submit(account_id=new_account.pk, pk=draft.pk)
    assert error.value.message == (
        "第 2 位家庭成员的身份证号码已在民政系统登记，不能在网上重复登记；"
        "请用登记的手机号登录后绑定，或到户籍所在地乡镇（街道）窗口办理"
    )
    assert "太仆寺" not in error.value.message
    assert "王小明" not in error.value.message
    assert Household.objects.count() == households
    assert not Application.objects.exists()
    assert PortalAccount.objects.get(pk=new_account.pk).person is None
