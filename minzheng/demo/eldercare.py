"""Demo data of eldercare (issue 17), part by part in dependency order: older people before orders, orders
before the settlement."""

from __future__ import annotations

from minzheng.demo import (
    eldercare_care,
    eldercare_institutions,
    eldercare_orders,
    eldercare_people,
    eldercare_settlement,
)


def demo_eldercare_ensure() -> list[str]:
    notes: list[str] = []
    parts = (eldercare_people, eldercare_care, eldercare_orders, eldercare_settlement, eldercare_institutions)
    for part in parts:
        notes += part.demo_ensure()
    return notes
