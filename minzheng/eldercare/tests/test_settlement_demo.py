"""The settlement demo: the previous month of the demo county's busiest provider, approved; idempotent."""

from __future__ import annotations

import pytest

from minzheng.demo import eldercare_settlement
from minzheng.eldercare.models import Settlement
from minzheng.eldercare.rules.settlement import SettlementStatus

from .fixtures_settlement import at, care, order_make  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_demo_settles_last_month_once(care, make_user):  # noqa: F811
    assert eldercare_settlement.demo_ensure() == []  # no "checker" login yet: nothing
    make_user("checker", "county_approver", care["maker"].division)
    assert "没有已确认的服务订单" in eldercare_settlement.demo_ensure()[0]
    order_make(care["olders"][0], care["meal"], at(care["month"], 5))
    order_make(care["olders"][1], care["meal"], at(care["month"], 6))
    notes = eldercare_settlement.demo_ensure()
    statement = Settlement.objects.get()
    assert statement.status == SettlementStatus.APPROVED
    assert notes == [f"养老服务结算：安康居家养老服务中心{care['month'].year}年{care['month'].month}月结算单 "
                     f"{statement.number}（已审核（锁定），2 笔，24.00 元）"]  # fmt: skip
    assert eldercare_settlement.demo_ensure() == notes
    assert Settlement.objects.count() == 1
