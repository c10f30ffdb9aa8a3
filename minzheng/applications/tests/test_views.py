"""Application pages through Django's test client: my queue, the list with filters and export, intake and
receipt, the detail with the actions of the user's role and step only, a whole 低保 application walked
through the pages by four users, stale pages, and a village's public notice."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import id_number
from minzheng.applications.exports import LIST_HEADERS, NOTICE_HEADERS, notice_period_text
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Step
from minzheng.applications.services import (
    ApplicationData,
    application_create,
    application_transition,
    home_visit_record,
    verification_record,
)
from minzheng.audit.models import PersonalDataAccess
from minzheng.common.templatetags.due_dates import due_marked
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.models import IncomeRecord
from minzheng.registry.services import staff_relative_register

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TODAY = dt.date.today()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-application-id="(\d+)"', response.content.decode())]


def row_html(response, application) -> str:
    content = response.content.decode()
    start = content.index(f'data-application-id="{application.pk}"')
    return content[start : content.index("</tr>", start)]


def actions(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def wang(household_factory):
    """王五's household: 3,600 of wages over the last year, 300 a month (as in test_dibao_flow)."""
    policy_builtin_load()
    home = household_factory(head_name="王五", id_number=id_number("150102", dt.date(1970, 2, 3), 31))
    IncomeRecord.objects.create(household=home, person=home.head, category="wage", amount=Decimal("3600.00"),
                                period_start=TODAY - dt.timedelta(days=365), period_end=TODAY - dt.timedelta(days=1))  # fmt: skip
    return home


def apply(users, household, who="caseworker", workflow="dibao", **data) -> Application:
    data.setdefault("pledge_signed", True)
    return application_create(actor=users[who], data=ApplicationData(
        workflow=workflow, household_id=household.pk, applicant_id=household.head_id,
        channel=data.pop("channel", "window"), **data))  # fmt: skip


def go(users, application, who, code, **data) -> Application:
    return application_transition(actor=users[who], application_id=application.pk, code=code, data=data)


def set_due(application, step_due_on, overall_due_on=None) -> None:
    """Known dates (this year's calendar), so not provisional."""
    Application.objects.filter(pk=application.pk).update(
        step_due_on=step_due_on,
        overall_due_on=overall_due_on,
        step_due_provisional=False,
        overall_due_provisional=False,
    )


def to_verifying(users, application) -> Application:
    application = go(users, application, "caseworker", "accept")
    application = go(users, application, "caseworker", "start_investigation")
    home_visit_record(actor=users["caseworker"], application_id=application.pk, visited_on=TODAY,
                      investigators=["甲", "乙"], members_present="户主", findings="困难属实")  # fmt: skip
    return go(users, application, "caseworker", "request_verification")


def to_public_notice(users, application) -> Application:
    application = to_verifying(users, application)
    verification_record(
        actor=users["county"], application_id=application.pk, source="bank", outcome="consistent"
    )
    application = go(users, application, "county", "record_verification")
    return go(users, application, "reviewer", "publish_notice", opinion="符合条件")


# --- my queue ---------------------------------------------------------------------------------------------


@pytest.fixture
def queue_cases(users, household_factory):
    """Five applications in Xincheng: one waiting for acceptance, three accepted with different step limits
    (overdue, due tomorrow, due in ten days) and one waiting for the county's verification."""
    homes = [household_factory(head_name=f"户主{n}") for n in range(5)]
    waiting = apply(users, homes[0])
    later, overdue, soon = (go(users, apply(users, home), "caseworker", "accept") for home in homes[1:4])
    set_due(later, TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=40))
    set_due(overdue, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=20))
    set_due(soon, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2))
    verifying = to_verifying(users, apply(users, homes[4]))
    return {"waiting": waiting, "later": later, "overdue": overdue, "soon": soon, "verifying": verifying}


def test_caseworker_queue_holds_her_steps_nearest_limit_first_with_red_and_orange_badges(users, queue_cases):
    # when the township caseworker opens her queue
    response = client_for(users["caseworker"]).get(reverse("applications:queue"))

    # then the applications she acts on (accept, start the investigation) are listed by step limit,
    # the one without a limit last; the one waiting for the county's verification is not hers
    assert response.status_code == 200
    cases = queue_cases
    assert listed(response) == [cases["overdue"].pk, cases["soon"].pk, cases["later"].pk, cases["waiting"].pk]
    overdue_row, soon_row = row_html(response, cases["overdue"]), row_html(response, cases["soon"])
    assert 'data-urgency="overdue"' in overdue_row
    assert (TODAY - dt.timedelta(days=1)).isoformat() in overdue_row
    assert 'data-urgency="due_soon"' in soon_row
    assert 'data-urgency="overdue"' not in soon_row
    assert "data-urgency" not in row_html(response, cases["later"])
    assert "最低生活保障" in soon_row
    assert "户主3" in soon_row
    assert "锡林南路社区居委会" in soon_row
    assert "已受理" in soon_row


def test_county_queue_holds_only_the_verification_and_reviewer_queue_is_empty(users, queue_cases):
    county = client_for(users["county"]).get(reverse("applications:queue"))
    reviewer = client_for(users["reviewer"]).get(reverse("applications:queue"))

    assert listed(county) == [queue_cases["verifying"].pk]
    assert "信息核对" in row_html(county, queue_cases["verifying"])
    assert listed(reviewer) == []
    assert "没有待办的申请" in text(reviewer)


# --- list, filters, export, supervisors' summary ----------------------------------------------------------


@pytest.fixture
def listing(users, household_factory):
    """Xincheng: a 低保 application submitted ten days ago, an accepted one whose step is overdue, a staff
    relative's small-fast temporary application; Taibus: one 低保 application."""
    first = household_factory(head_name="赵一", id_number=id_number("150102", dt.date(1981, 1, 1), 41))
    second = household_factory(division_code="150102001002", head_name="钱二",
                               id_number=id_number("150102", dt.date(1982, 2, 2), 43))  # fmt: skip
    third = household_factory(head_name="孙三", id_number=id_number("150102", dt.date(1983, 3, 3), 45))
    far = household_factory(actor=users["taibus_caseworker"], division_code="152527201206", head_name="李四")
    staff_relative_register(actor=users["caseworker"], relative=third.head, relation="sibling", staff_name="孙经办",
                            staff_position="assistance_staff", staff_division_code="150102001000")  # fmt: skip
    old = apply(users, first, submitted_on=TODAY - dt.timedelta(days=10))
    late = go(users, apply(users, second), "caseworker", "accept")
    set_due(late, TODAY - dt.timedelta(days=2), TODAY + dt.timedelta(days=20))
    relative = apply(users, third, workflow="temporary_small_fast", hardship="火灾", channel="entrusted",
                     entrusted_name="孙四", entrusted_relation="亲属")  # fmt: skip
    taibus = apply(users, far, who="taibus_caseworker")
    return {"old": old, "late": late, "relative": relative, "taibus": taibus}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["relative", "late", "old"]),
        ("workflow=dibao", ["late", "old"]),
        ("workflow=temporary_small_fast", ["relative"]),
        ("step=accepted", ["late"]),
        ("channel=entrusted", ["relative"]),
        ("deadline=overdue", ["late"]),
        ("deadline=on_time", ["relative", "old"]),
        ("staff_relative=on", ["relative"]),
        ("division=150102001", ["relative", "late", "old"]),
        ("division=152527", []),
        (f"submitted_to={(TODAY - dt.timedelta(days=1)).isoformat()}", ["old"]),
        (f"submitted_from={TODAY.isoformat()}", ["relative", "late"]),
        ("sort=submitted", ["old", "late", "relative"]),
        ("sort=due", ["late", "old", "relative"]),
    ],
)
def test_list_filters_and_sorts_within_the_users_jurisdiction(users, listing, query, expected):
    response = client_for(users["county"]).get(f"{reverse('applications:list')}?{query}")

    assert response.status_code == 200
    assert listed(response) == [listing[key].pk for key in expected]


def test_list_number_search_and_htmx_partial(users, listing):
    # when the number's serial part is searched through htmx
    serial = listing["late"].number.rsplit("-", 1)[1]
    response = client_for(users["caseworker"]).get(
        reverse("applications:list"), {"number": serial}, HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="application-results",
    )  # fmt: skip

    # then only the results card comes back, with the one application
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<div class="card" id="application-results"')
    assert listed(response) == [listing["late"].pk]
    assert 'data-urgency="overdue"' in row_html(response, listing["late"])


def test_list_refuses_a_bad_date_range_with_a_chinese_message(users, listing):
    response = client_for(users["caseworker"]).get(
        reverse("applications:list"), {"submitted_from": "2026-03-01", "submitted_to": "2026-02-01"}
    )

    assert response.status_code == 422
    assert "申请日期至：结束日期不能早于开始日期" in text(response)
    assert listed(response) == []


def test_export_writes_the_filtered_list_with_masked_id_numbers_only(users, listing):
    # when the caseworker exports the 低保 applications
    response = client_for(users["caseworker"]).get(
        reverse("applications:export"), {"workflow": "dibao", "sort": "submitted"}
    )

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name("救助申请").to_python()
    )
    old, late = Application.objects.get(pk=listing["old"].pk), Application.objects.get(pk=listing["late"].pk)
    assert rows[0] == list(LIST_HEADERS)
    assert rows[1] == [
        old.number, "最低生活保障", "赵一", old.applicant.id_number_masked, "赵一", 1, "海拉尔东路街道",
        "锡林南路社区居委会", "窗口受理", TODAY - dt.timedelta(days=10), "", "已提交待受理", "", "", "", "", "", "",
    ]  # fmt: skip
    assert rows[2] == [
        late.number, "最低生活保障", "钱二", late.applicant.id_number_masked, "钱二", 1, "海拉尔东路街道",
        "东风路社区居委会", "窗口受理", TODAY, TODAY, "已受理", TODAY - dt.timedelta(days=2),
        TODAY + dt.timedelta(days=20), "已超期", "", "", "",
    ]  # fmt: skip
    assert len(rows) == 3
    assert re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", rows[1][3])
    access = PersonalDataAccess.objects.get(actor=users["caseworker"], purpose="export")
    assert access.record_count == 2


def test_supervisors_see_open_and_overdue_counts_one_level_down(users, listing):
    county = client_for(users["county"]).get(reverse("applications:list"))
    region = client_for(users["region"]).get(reverse("applications:list"))
    caseworker = client_for(users["caseworker"]).get(reverse("applications:list"))

    def counts(response) -> list[tuple[str, str, str]]:
        return re.findall(
            r'<tr data-division="(\d+)">.*?data-count="open">(\d+)</td>.*?data-count="overdue">(\d+)</td>',
            text(response), flags=re.S,
        )  # fmt: skip

    assert counts(county) == [("150102001000", "3", "1")]
    assert counts(region) == [("150100000000", "3", "1"), ("152500000000", "1", "0")]
    assert 'id="summary-chart-data"' in text(region)
    assert '<a href="?division=1501">呼和浩特市</a>' in text(region)
    followed = client_for(users["region"]).get(f"{reverse('applications:list')}?division=1501")
    assert listed(followed) == [listing["relative"].pk, listing["late"].pk, listing["old"].pk]
    assert counts(caseworker) == []
    assert 'id="division-summary"' not in text(caseworker)


# --- intake and receipt -----------------------------------------------------------------------------------


def test_intake_registers_the_application_and_shows_its_number(users, wang):
    client = client_for(users["caseworker"])
    url = f"{reverse('applications:create')}?household={wang.pk}"

    # given the form lists the household's members as applicants
    form = client.get(url)
    assert form.status_code == 200
    assert f'<option value="{wang.head_id}">王五（{wang.head.id_number_masked}）</option>' in text(form)

    # when the caseworker registers a window application with the signed pledge
    response = client.post(url, {"workflow": "dibao", "applicant": wang.head_id, "channel": "window",
                                 "pledge_signed": "on"}, follow=True)  # fmt: skip

    # then it exists, and the detail page says its number
    application = Application.objects.get(household=wang)
    assert response.redirect_chain == [(reverse("applications:detail", args=[application.pk]), 302)]
    assert f"已登记申请，申请编号：{application.number}" in text(response)
    assert application.step == Step.SUBMITTED
    assert application.pledge_signed_at is not None
    assert list(application.events.values_list("code", flat=True)) == ["submit"]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (
            {"workflow": "dibao", "channel": "entrusted"},
            422,
            "委托申请须登记受托人姓名和身份（审核确认办法第 6 条）",
        ),
        ({"workflow": "dibao", "channel": "proactive"}, 422, "主动发现须注明线索来源（预警、走访等）"),
        ({"workflow": "temporary_small_fast", "channel": "window"}, 422, "请说明遭遇的困难情形"),
        ({"workflow": "dibao", "channel": "window", "submitted_on": "2099-01-01"}, 422, "日期不能晚于今天"),
        ({"workflow": "", "channel": "window"}, 422, "这个字段是必填项。"),
    ],
)
def test_intake_errors_are_shown_in_chinese_and_nothing_is_written(users, wang, data, status, message):
    response = client_for(users["caseworker"]).post(
        f"{reverse('applications:create')}?household={wang.pk}", {"applicant": wang.head_id, **data}
    )

    assert response.status_code == status
    assert message in text(response)
    assert Application.objects.count() == 0


def test_a_second_open_application_is_refused_on_the_form(users, wang):
    apply(users, wang)
    response = client_for(users["caseworker"]).post(
        f"{reverse('applications:create')}?household={wang.pk}",
        {"workflow": "dibao", "applicant": wang.head_id, "channel": "window"},
    )

    assert response.status_code == 409
    assert 'id="form-errors"' in text(response)
    assert "该家庭已有办理中的“最低生活保障”申请，不能重复申请" in text(response)
    assert Application.objects.count() == 1


def test_intake_is_refused_to_the_county_and_for_a_household_out_of_scope(users, wang, household_factory):
    far = household_factory(actor=users["taibus_caseworker"], division_code="152527201206", head_name="李四")

    county = client_for(users["county"]).get(f"{reverse('applications:create')}?household={wang.pk}")
    outside = client_for(users["caseworker"]).get(f"{reverse('applications:create')}?household={far.pk}")

    assert county.status_code == 403
    assert outside.status_code == 404


def test_receipt_prints_number_programme_applicant_and_the_missing_materials(users, wang):
    application = go(users, apply(users, wang), "caseworker", "request_materials",
                     missing_materials="户口簿复印件\n残疾证")  # fmt: skip

    response = client_for(users["caseworker"]).get(reverse("applications:receipt", args=[application.pk]))

    assert response.status_code == 200
    content = text(response)
    assert f'<td id="receipt-number" class="fs-3 fw-bold">{application.number}</td>' in content
    assert '<td id="receipt-applicant">王五</td>' in content
    assert "最低生活保障" in content
    assert "海拉尔东路街道" in content
    assert "<li>户口簿复印件</li><li>残疾证</li>" in content
    assert 'id="receipt-due"' not in content  # not accepted yet: no decision date known
    assert wang.head.id_number_masked not in content


# --- detail: only the user's actions ----------------------------------------------------------------------


def test_detail_shows_only_the_actions_of_the_users_role_at_this_step(users, wang):
    application = apply(users, wang)
    url = reverse("applications:detail", args=[application.pk])

    caseworker = client_for(users["caseworker"]).get(url)
    county = client_for(users["county"]).get(url)
    reviewer = client_for(users["reviewer"]).get(url)

    # the caseworker accepts or lists the missing materials (and may record a withdrawal)
    assert actions(caseworker) == ["accept", "request_materials", "withdraw"]
    assert ">受理</button>" in text(caseworker)
    assert ">一次性告知补齐材料</button>" in text(caseworker)
    assert 'name="missing_materials"' in text(caseworker)
    assert 'name="expected_step" value="submitted"' in text(caseworker)
    # the county has no step to take here; only ending the procedure (审核确认办法第 29 条) is open to it
    assert actions(county) == ["terminate"]
    assert 'id="no-actions"' in text(county)
    assert ">受理</button>" not in text(county)
    assert actions(reviewer) == ["withdraw"]
    assert wang.head.id_number_masked in text(caseworker)


def test_detail_is_a_404_outside_the_jurisdiction(users, wang):
    application = apply(users, wang)

    response = client_for(users["taibus_caseworker"]).get(
        reverse("applications:detail", args=[application.pk])
    )

    assert response.status_code == 404


def test_staff_relative_application_carries_the_badge(users, wang):
    staff_relative_register(actor=users["caseworker"], relative=wang.head, relation="sibling", staff_name="王经办",
                            staff_position="assistance_staff", staff_division_code="150102001000")  # fmt: skip
    application = apply(users, wang)

    response = client_for(users["caseworker"]).get(reverse("applications:detail", args=[application.pk]))

    assert 'id="staff-relative-badge"' in text(response)
    assert "近亲属备案" in text(response)


# --- a whole 低保 application through the pages -----------------------------------------------------------


def act(client, application_pk, code, step, **data):
    return client.post(
        reverse("applications:act", args=[application_pk, code]), {"expected_step": step, **data}
    )


def test_dibao_walk_through_the_pages_by_caseworker_county_and_reviewer(users, wang):
    caseworker, county, reviewer = (client_for(users[who]) for who in ("caseworker", "county", "reviewer"))
    response = caseworker.post(f"{reverse('applications:create')}?household={wang.pk}",
                               {"workflow": "dibao", "applicant": wang.head_id, "channel": "window"})  # fmt: skip
    application = Application.objects.get(household=wang)
    detail = reverse("applications:detail", args=[application.pk])
    assert response.status_code == 302
    assert response["Location"] == detail
    pk = application.pk

    def step() -> str:
        return Application.objects.get(pk=pk).step

    # accepting needs the signed pledge (审核确认办法第 9 条): the form asks for it
    refused = act(caseworker, pk, "accept", "submitted")
    assert refused.status_code == 422
    assert "申请人尚未签署承诺书和家庭经济状况核对授权书（审核确认办法第 9 条）" in text(refused)
    assert step() == Step.SUBMITTED
    response = act(caseworker, pk, "accept", "submitted", pledge_signed="on")
    assert (response.status_code, response["Location"]) == (302, detail)
    assert "已办理“受理”，当前环节：已受理" in text(caseworker.get(detail))
    assert act(caseworker, pk, "start_investigation", "accepted").status_code == 302

    # the verification cannot be requested before the home visit
    refused = act(caseworker, pk, "request_verification", "investigating")
    assert refused.status_code == 422
    assert "尚无入户调查记录（至少 2 名调查人员，审核确认办法第 16 条）" in text(refused)
    visit = {"visited_on": TODAY.isoformat(), "investigators": "张调查、李调查", "members_present": "王五",
             "findings": "无劳动能力，收入微薄"}  # fmt: skip
    assert caseworker.post(reverse("applications:home_visit", args=[pk]), visit).status_code == 302
    assert act(caseworker, pk, "request_verification", "investigating").status_code == 302

    # the county enters the verification result and closes the verification
    page = county.get(detail)
    assert actions(page) == ["record_verification", "terminate"]
    assert 'data-record="verification"' in text(page)
    result = {"source": "bank", "outcome": "consistent", "detail": "无存款"}
    assert county.post(reverse("applications:verification", args=[pk]), result).status_code == 302
    assert act(county, pk, "record_verification", "verifying").status_code == 302

    # the reviewer publishes; an objection during the notice leads to a democratic appraisal
    assert (
        act(reviewer, pk, "publish_notice", "first_review", opinion="符合低保条件，拟纳入").status_code == 302
    )
    objection = {"received_on": TODAY.isoformat(), "content": "邻居反映有经营收入"}
    assert caseworker.post(reverse("applications:objection", args=[pk]), objection).status_code == 302
    assert '<dd class="col-7 col-md-9" id="extension-reason">公示有异议</dd>' in text(caseworker.get(detail))
    assert act(reviewer, pk, "hold_appraisal", "public_notice", opinion="评议认为符合条件").status_code == 302
    assert act(reviewer, pk, "submit_after_appraisal", "appraisal").status_code == 302
    assert step() == Step.COUNTY_REVIEW

    # the county confirms; the amount comes from the benefit engine
    assert actions(county.get(detail)) == ["approve", "reject", "terminate"]
    assert act(county, pk, "approve", "county_review").status_code == 302
    page = county.get(detail)
    assert page.status_code == 200
    assert '<dd class="col-7 col-md-3 fs-3 fw-bold" id="monthly-amount">540.00 元</dd>' in text(page)
    assert '<span class="badge bg-green text-green-fg fs-4" id="step-badge">已批准</span>' in text(page)
    assert 'id="reasons-table"' in text(page)
    assert actions(page) == []
    codes = list(ApplicationEvent.objects.filter(application_id=pk).values_list("code", flat=True))
    assert codes == ["submit", "accept", "start_investigation", "home_visit", "request_verification",
                     "verification", "record_verification", "publish_notice", "objection", "extend",
                     "hold_appraisal", "submit_after_appraisal", "approve", "enrolled"]  # fmt: skip


def test_a_stale_page_gets_the_chinese_message_and_nothing_is_written(users, wang):
    application = apply(users, wang)
    caseworker = client_for(users["caseworker"])
    assert act(caseworker, application.pk, "accept", "submitted").status_code == 302
    events = ApplicationEvent.objects.filter(application=application).count()

    # when the same page (still showing 已提交待受理) is submitted again
    response = act(caseworker, application.pk, "accept", "submitted")

    # then
    assert response.status_code == 409
    message = f"申请 {application.number} 当前处于“已受理”环节，不能办理“受理”（可能已由他人办理，请刷新）"
    assert f'<div class="alert alert-danger" role="alert" id="action-error">{message}</div>' in text(response)
    assert ApplicationEvent.objects.filter(application=application).count() == events
    assert actions(response) == ["start_investigation", "withdraw"]


def test_an_action_posted_by_the_wrong_role_is_refused(users, wang):
    application = apply(users, wang)

    response = act(client_for(users["county"]), application.pk, "accept", "submitted")

    assert response.status_code == 403
    assert "您的角色不能办理“受理”" in text(response)
    assert Application.objects.get(pk=application.pk).step == Step.SUBMITTED


def test_a_withdrawal_needs_the_reason_in_writing(users, wang):
    application = apply(users, wang)

    response = act(client_for(users["caseworker"]), application.pk, "withdraw", "submitted", reason="  ")

    assert response.status_code == 422
    assert "请填写理由" in text(response)
    assert Application.objects.get(pk=application.pk).step == Step.SUBMITTED


# --- public notice ----------------------------------------------------------------------------------------


def test_public_notice_lists_name_size_and_programme_without_id_numbers(users, wang, household_factory):
    application = to_public_notice(users, apply(users, wang))
    other_village = household_factory(division_code="150102001002", head_name="钱二")
    to_public_notice(users, apply(users, other_village))
    client = client_for(users["caseworker"])

    response = client.get(reverse("applications:notice"), {"village": "150102001001"})

    assert response.status_code == 200
    content = text(response)
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>(.*?)</td>\s*<td class=\"text-end\">(\d+)</td>\s*<td>(.*?)</td>",
                      content)  # fmt: skip
    assert rows == [("1", "王五", "1", "最低生活保障")]
    start, end = application.notice_starts_on.isoformat(), application.notice_ends_on.isoformat()
    assert f"{start} 至 {end}" in content
    assert "钱二" not in content
    assert wang.head.id_number not in content
    assert wang.head.id_number_masked not in content
    assert re.search(r"\d{14}[\dXx]", content) is None  # no whole ID number
    assert re.search(r"\d{4}\*{6,}", content) is None  # nor a masked one

    export = client.get(reverse("applications:notice"), {"village": "150102001001", "format": "xlsx"})
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_name("公示名单").to_python()
    )
    # the amount is the engine's proposal as of the notice's first day, the same figure as on the page
    page_amount = re.findall(r'<td class="text-end">([^<]*)</td>', content)[1]
    assert re.fullmatch(r"\d+\.\d\d", page_amount)
    assert rows == [
        list(NOTICE_HEADERS),
        [1, "王五", 1, "最低生活保障", float(page_amount), notice_period_text(application)],
    ]


def test_public_notice_of_a_village_out_of_scope_is_refused(users):
    response = client_for(users["caseworker"]).get(
        reverse("applications:notice"), {"village": "152527201206"}
    )

    assert response.status_code == 422
    assert "未找到该村（社区），或其不在您的管辖范围内" in text(response)


# --- record forms, temporary amounts, query counts --------------------------------------------------------


def test_extension_with_one_of_the_listed_reasons(users, wang):
    application = go(users, apply(users, wang), "caseworker", "accept")
    before = application.overall_due_on
    client = client_for(users["caseworker"])
    assert 'data-record="extend"' in text(client.get(reverse("applications:detail", args=[application.pk])))

    response = client.post(
        reverse("applications:extend", args=[application.pk]), {"reason": "hard_investigation"}
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.extension_reason == "hard_investigation"
    assert application.overall_due_on > before
    page = text(client.get(reverse("applications:detail", args=[application.pk])))
    assert '<dd class="col-7 col-md-9" id="extension-reason">调查核实难度较大</dd>' in page
    assert 'data-record="extend"' not in page  # extended once: to 45 working days at most


def test_verification_result_is_refused_to_the_township(users, wang):
    application = to_verifying(users, apply(users, wang))

    response = client_for(users["caseworker"]).post(
        reverse("applications:verification", args=[application.pk]),
        {"source": "bank", "outcome": "consistent"},
    )

    assert response.status_code == 403
    assert "信息核对由县级民政部门办理" in text(response)
    assert application.verifications.count() == 0


def test_small_fast_temporary_assistance_is_approved_with_its_amount(users, wang, temporary_figures):
    application = go(users, apply(users, wang, workflow="temporary_small_fast", hardship="火灾"), "caseworker",
                     "accept")  # fmt: skip
    client = client_for(users["caseworker"])
    page = client.get(reverse("applications:detail", args=[application.pk]))
    assert actions(page) == ["approve", "reject", "withdraw"]
    assert 'name="amount" min="0.01" step="0.01" class="form-control" id="approve-amount"' in text(page)

    response = act(client, application.pk, "approve", "accepted", amount="300.00")

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.step, application.one_off_amount) == (Step.APPROVED, Decimal("300.00"))
    page = text(client.get(reverse("applications:detail", args=[application.pk])))
    assert '<dd class="col-7 col-md-3 fs-3 fw-bold" id="one-off-amount">300.00 元</dd>' in page


def test_list_and_queue_queries_do_not_grow_with_the_rows(users, household_factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(users["caseworker"])

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    apply(users, household_factory(head_name="甲"))
    # the first page fills the cache of the division choices (registry.selectors.division_filter_choices)
    (queries(reverse("applications:list")), queries(reverse("applications:queue")))
    one = (queries(reverse("applications:list")), queries(reverse("applications:queue")))
    for name in ("乙", "丙", "丁"):
        apply(users, household_factory(head_name=name))
    four = (queries(reverse("applications:list")), queries(reverse("applications:queue")))

    assert four == one


def test_receipt_of_an_accepted_application_gives_the_decision_date(users, wang):
    application = go(users, apply(users, wang), "caseworker", "accept")

    response = client_for(users["caseworker"]).get(reverse("applications:receipt", args=[application.pk]))

    due = due_marked(application.overall_due_on, application.overall_due_provisional, "Y年n月j日")
    assert f'<td id="receipt-due">{due}前作出决定</td>' in text(response)
    assert 'id="receipt-missing"' not in text(response)
