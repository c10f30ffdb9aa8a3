"""Policy-parameter keys of eldercare (issue 17), one module per part so the parts stay apart."""

from __future__ import annotations

from minzheng.policy.keydefs import ParameterKey
from minzheng.policy.keys import (
    eldercare_assessment,
    eldercare_institutions,
    eldercare_orders,
    eldercare_services,
    eldercare_settlement,
)

KEYS: tuple[ParameterKey, ...] = (
    *eldercare_assessment.KEYS,
    *eldercare_services.KEYS,
    *eldercare_orders.KEYS,
    *eldercare_settlement.KEYS,
    *eldercare_institutions.KEYS,
)
