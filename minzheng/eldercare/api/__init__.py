"""The eldercare API under /api/v1/eldercare/ (django-ninja): one router per part."""

from __future__ import annotations

from ninja import Router

from minzheng.eldercare.api import (
    assessment,
    dashboard,
    entitlements,
    home_care,
    institutions,
    orders,
    people,
    providers,
    settlement,
    visits,
)

router = Router(tags=["智慧养老"])
router.add_router("", people.router)
router.add_router("", assessment.router)
router.add_router("", entitlements.router)
router.add_router("", providers.router)
router.add_router("", orders.router)
router.add_router("", visits.router)
router.add_router("", home_care.router)
router.add_router("", settlement.router)
router.add_router("", institutions.router)
router.add_router("", dashboard.router)
