"""定期报告: recipients confirm or update members, income, assets and circumstances; the report feeds the
enrolment's review; a double submission files nothing twice; another household's enrolment is not found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.audit.models import Event
from minzheng.enrolments.models import Review
from minzheng.portal.tests.conftest import OTHER_PHONE, account_for, session_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def dibao(home, enrol):
    return enrol(home, "1350.00", dt.date(2026, 1, 1))


def report_form(home, **fields) -> dict:
    data = {
        f"living_{home.head_id}": "yes", f"change_{home.head_id}": "", "new_members": "孙子 2026 年 3 月出生",
        "monthly_income": "800", "income_note": "打零工", "vehicles": "0", "houses": "1", "savings": "2000",
        "circumstances": "腿伤未愈", "confirm": "on",
    }  # fmt: skip
    data.update(fields)
    return data


def test_the_list_shows_the_open_review_as_due(bound_client, dibao):
    Review.objects.create(
        enrolment=dibao, trigger="schedule", due_on=timezone.localdate() + dt.timedelta(days=10)
    )

    html = bound_client.get("/portal/reports/").content.decode()

    assert f'data-enrolment="{dibao.pk}"' in html
    assert f"请于 {timezone.localdate() + dt.timedelta(days=10):%Y-%m-%d} 前报告" in html
    assert f'href="/portal/reports/{dibao.pk}/"' in html


def test_submitting_attaches_the_report_to_the_open_review(bound_client, home, dibao):
    review = Review.objects.create(enrolment=dibao, trigger="schedule", due_on=timezone.localdate())

    response = bound_client.post(f"/portal/reports/{dibao.pk}/", report_form(home))

    assert response.status_code == 302
    assert response["Location"] == "/portal/reports/"
    review.refresh_from_db()
    today = timezone.localdate().isoformat()
    assert review.report == {
        today: {
            "channel": "portal",
            "account_id": bound_client.account.pk,
            "members": [{"person_id": home.head_id, "name": "李桂兰", "living_here": True, "change": ""}],
            "new_members": "孙子 2026 年 3 月出生",
            "monthly_income": "800.00",
            "income_note": "打零工",
            "assets": {"vehicles": 0, "houses": 1, "savings": "2000.00"},
            "circumstances": "腿伤未愈",
        }
    }
    assert Review.objects.count() == 1
    event = Event.objects.get(verb="portal.self_report")
    assert (event.object_id, event.data["review_id"]) == (str(dibao.pk), review.pk)


def test_without_an_open_review_one_is_opened(bound_client, home, dibao):
    bound_client.post(f"/portal/reports/{dibao.pk}/", report_form(home))

    review = Review.objects.get()
    assert (review.trigger, review.status, review.due_on) == (
        "self_report",
        "open",
        timezone.localdate() + dt.timedelta(days=30),
    )


def test_a_second_submission_the_same_day_files_nothing(bound_client, home, dibao):
    bound_client.post(f"/portal/reports/{dibao.pk}/", report_form(home))
    first = Review.objects.get().report

    again = bound_client.post(f"/portal/reports/{dibao.pk}/", report_form(home, monthly_income="9999"))

    assert again.status_code == 409
    assert "您今天已提交过定期报告，无需重复提交" in again.content.decode()
    assert Review.objects.get().report == first
    assert Event.objects.filter(verb="portal.self_report").count() == 1
    assert "今日已提交" in bound_client.get("/portal/reports/").content.decode()


def test_another_households_enrolment_is_not_found(client, home, other_home, dibao):
    session_for(client, account_for(other_home.head, OTHER_PHONE))

    page = client.get(f"/portal/reports/{dibao.pk}/")
    post = client.post(
        f"/portal/reports/{dibao.pk}/", report_form(home, **{f"living_{other_home.head_id}": "yes"})
    )

    assert page.status_code == post.status_code == 404
    assert Review.objects.count() == 0
    assert "李桂兰" not in client.get("/portal/reports/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"confirm": ""}, "这个字段是必填项。"),
        ({"monthly_income": "-1"}, "确保该值大于或等于0"),
        ({"houses": "x"}, "输入整数"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_filed(bound_client, home, dibao, fields, message):
    response = bound_client.post(f"/portal/reports/{dibao.pk}/", report_form(home, **fields))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert Review.objects.count() == 0


def test_the_form_lists_the_members_with_labels(bound_client, home, dibao):
    html = bound_client.get(f"/portal/reports/{dibao.pk}/").content.decode()

    assert "李桂兰" in html
    assert f'<label for="id_living_{home.head_id}_0" class="check"><input type="radio"' in html
    assert "仍在本户共同生活</label>" in html
    assert '<label for="id_monthly_income">全家目前每月总收入（元）</label>' in html


def test_ended_and_non_reviewed_enrolments_take_no_report(bound_client, home, enrol):
    ended = enrol(home, "500.00", dt.date(2025, 1, 1), status="ended")
    senior = enrol(home, "100.00", dt.date(2025, 1, 1), programme="senior_allowance", person=home.head)

    html = bound_client.get("/portal/reports/").content.decode()

    assert "本户没有需要定期报告的救助。" in html
    for enrolment in (ended, senior):
        assert bound_client.get(f"/portal/reports/{enrolment.pk}/").status_code == 404
