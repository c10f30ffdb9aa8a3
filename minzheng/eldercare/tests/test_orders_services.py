"""Order services on the database: placing (duplicates give one order), dispatch (outside the area refused),
check-in/out with flags, confirmation (twice → one), review of flagged orders, SMS code, complaint,
plan generation (idempotent), the no-show scan."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.audit.models import Event
from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.eldercare.models import OrderEvent, ServiceOrder
from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.services import orders as services
from minzheng.eldercare.services import orders_confirm as confirm
from minzheng.eldercare.services import orders_evv as evv
from minzheng.eldercare.services import orders_plans as plans
from minzheng.eldercare.tests.fixtures_orders import *  # noqa: F403
from minzheng.eldercare.tests.fixtures_orders import HOME, meal, tiny_jpeg, window

S = rules.S


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", tiny_jpeg(), content_type="image/jpeg")


def at_home() -> evv.Location:
    return evv.Location(str(HOME[0]), str(HOME[1]))


def place(family, older, provider, hours: float = 0.25):
    start, end = window(hours)
    return services.order_place(
        older_person_id=older.pk,
        item_id=meal(provider).pk,
        window_start=start,
        window_end=end,
        account=family,
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_family_places_once_even_when_submitting_twice(family, older, provider):
    order, created = place(family, older, provider)
    again, created_again = place(family, older, provider)
    assert created
    assert not created_again
    assert again.pk == order.pk
    assert ServiceOrder.objects.count() == 1
    assert (order.amount, order.co_payment, order.subsidy) == (
        Decimal("15.00"),
        Decimal("3.00"),
        Decimal("12.00"),
    )
    assert order.channel == "portal"
    assert order.ordered_by_account == family


def test_an_account_cannot_order_for_a_stranger(older, provider, divisions):
    from minzheng.common import crypto
    from minzheng.portal.models import PortalAccount

    stranger = PortalAccount.objects.create(
        phone_encrypted="", phone_index=crypto.blind_index("1", purpose="x")
    )
    with pytest.raises(Exception, match="不能为这位老人下单"):
        place(stranger, older, provider)


def test_dispatch_outside_the_area_is_refused_with_the_place(family, older, provider, far_provider, users):
    order, _ = place(family, older, provider)
    with pytest.raises(
        ValidationFailed, match="宝昌镇养老服务站”的服务区域不包括锡林南路社区居委会（150102001001）"
    ):
        services.order_dispatch(actor=users["caseworker"], order_id=order.pk, provider_id=far_provider.pk)
    order.refresh_from_db()
    assert order.status == S.PLACED


def test_dispatch_twice_the_second_gets_a_clear_refusal(family, older, provider, users):
    order, _ = place(family, older, provider)
    services.order_dispatch(actor=users["caseworker"], order_id=order.pk)
    with pytest.raises(Conflict, match="订单当前状态为“已派单”"):
        services.order_dispatch(actor=users["reviewer"], order_id=order.pk)
    assert OrderEvent.objects.filter(order=order, to_status=S.DISPATCHED).count() == 1


def serve(order, users, worker, location=None):
    services.order_dispatch(actor=users["caseworker"], order_id=order.pk)
    services.order_assign(actor=worker.user, order_id=order.pk, worker_id=worker.pk)
    evv.order_check_in(actor=worker.user, order_id=order.pk, location=location or at_home(), photo=photo())
    return evv.order_check_out(
        actor=worker.user, order_id=order.pk, location=location or at_home(), photo=photo()
    )


def test_check_in_and_out_at_home_confirm_twice_confirms_once(
    family, older, provider, users, worker, evv_parameters
):
    order, _ = place(family, older, provider)
    served = serve(order, users, worker)
    assert served.status == S.SERVED
    assert served.check_in_distance_m == 0
    assert served.flags == [rules.SHORT_SERVICE]  # seconds of service against 30 standard minutes
    assert served.check_in_photo.startswith("eldercare/orders/")
    # short service is flagged: the family's confirmation waits for the township
    held, message = confirm.order_confirm(order_id=order.pk, channel="portal", rating=5, account=family)
    assert held.status == S.SERVED
    assert "核验后生效" in message
    confirmed = confirm.order_review(actor=users["caseworker"], order_id=order.pk, decision="accepted")
    assert confirmed.status == S.CONFIRMED
    assert confirmed.confirmed_via == "portal"
    again, message = confirm.order_confirm(order_id=order.pk, channel="portal", account=family)
    assert again.status == S.CONFIRMED
    assert message == "该订单已确认，无需重复确认"
    assert OrderEvent.objects.filter(order=order, to_status=S.CONFIRMED).count() == 1


def test_far_check_in_is_flagged_and_shown_in_words(family, older, provider, users, worker, evv_parameters):
    order, _ = place(family, older, provider)
    far = evv.Location("40.852000", "111.749000")  # ~1.1 km north
    served = serve(order, users, worker, far)
    assert rules.FAR_FROM_HOME in served.flags
    assert served.check_in_distance_m == 1112
    assert "签到或签退地点离老人住址过远" in rules.flag_words(served.flags)


def test_no_location_needs_a_reason(family, older, provider, users, worker, evv_parameters):
    order, _ = place(family, older, provider)
    services.order_dispatch(actor=users["caseworker"], order_id=order.pk)
    services.order_assign(actor=worker.user, order_id=order.pk, worker_id=worker.pk)
    with pytest.raises(ValidationFailed, match="未能取得定位"):
        evv.order_check_in(actor=worker.user, order_id=order.pk, location=evv.Location(), photo=photo())
    done = evv.order_check_in(
        actor=worker.user, order_id=order.pk, location=evv.Location(reason="手机定位失败"), photo=photo()
    )
    assert rules.LOCATION_MISSING in done.flags
    assert done.check_in_location_note == "手机定位失败"


def test_missing_parameters_flag_manual_determination(family, older, provider, users, worker):
    order, _ = place(family, older, provider)
    served = serve(order, users, worker)
    assert served.flags == [rules.PARAMETER_MISSING]


def test_sms_code_confirms_with_an_attempt_limit(
    family, older, provider, users, worker, evv_parameters, outbox, django_capture_on_commit_callbacks
):
    order, _ = place(family, older, provider, hours=0.25)
    served = serve(order, users, worker)
    confirm.order_review(actor=users["caseworker"], order_id=served.pk, decision="accepted")
    with django_capture_on_commit_callbacks(execute=True):
        masked = confirm.order_sms_code_send(actor=worker.user, order_id=order.pk)
    assert masked == "139****1111"
    code = re.search(r"验证码 (\d{6})", outbox[-1].body).group(1)
    with pytest.raises(ValidationFailed, match="还可以再试 4 次"):
        confirm.order_sms_code_verify(
            actor=worker.user, order_id=order.pk, code="000000" if code != "000000" else "1"
        )
    done, message = confirm.order_sms_code_verify(actor=worker.user, order_id=order.pk, code=code)
    assert done.status == S.CONFIRMED
    assert done.confirmed_via == "sms"
    _again, message = confirm.order_sms_code_verify(actor=worker.user, order_id=order.pk, code=code)
    assert message == "该订单已确认，无需重复确认"


def test_a_complaint_puts_the_order_in_dispute(family, older, provider, users, worker, evv_parameters):
    order, _ = place(family, older, provider)
    serve(order, users, worker)
    disputed = confirm.order_complain(order_id=order.pk, reason="饭菜是凉的", account=family)
    assert disputed.status == S.DISPUTED
    assert disputed.dispute_reason == "饭菜是凉的"
    resolved = confirm.order_dispute_resolve(
        actor=users["caseworker"], order_id=order.pk, outcome=S.CANCELLED, note="核实未按标准送餐"
    )
    assert resolved.status == S.CANCELLED


def test_plan_generation_is_idempotent(older, provider, users):
    monday = plans.week_monday(timezone.localdate()) + dt.timedelta(days=7)
    plan = plans.plan_create(
        actor=users["caseworker"],
        older_person_id=older.pk,
        item_id=provider.items.get(kind="cleaning").pk,
        weekdays="2,5",
        start_time=dt.time(9),
        valid_from=monday,
    )
    assert plans.plans_generate(week_start=monday) == 2
    assert plans.plans_generate(week_start=monday) == 0
    orders = ServiceOrder.objects.filter(plan=plan).order_by("window_start")
    assert [o.window_start.date() for o in orders] == [
        monday + dt.timedelta(days=1),
        monday + dt.timedelta(days=4),
    ]
    assert OrderEvent.objects.filter(order__plan=plan).count() == 2
    assert orders[0].number == rules.plan_order_number(plan.pk, timezone.localtime(orders[0].window_start))


def test_no_show_scan_marks_late_dispatched_orders(
    family, older, provider, users, evv_parameters, outbox, django_capture_on_commit_callbacks
):
    order, _ = place(family, older, provider, hours=0.25)
    services.order_dispatch(actor=users["caseworker"], order_id=order.pk)
    assert confirm.orders_no_show_scan(now=order.window_end + dt.timedelta(minutes=60)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm.orders_no_show_scan(now=order.window_end + dt.timedelta(minutes=61)) == 1
    assert outbox[-1].phone == "13900001111"
    assert "服务人员未按时上门" in outbox[-1].body
    order.refresh_from_db()
    assert order.status == S.NO_SHOW
    assert Event.objects.filter(verb="eldercare.orders.no_show_scan").count() == 2
