"""Fixtures of the enrolment tests: approved applications and enrolments made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture
def approved(users, household_factory, divisions):
    """Make an approved application (as the approval step leaves it) for a new household."""
    from minzheng.applications.models import Application

    def make(programme: str = "dibao", **fields):
        household = fields.pop("household", None) or household_factory()
        workflow = {"temporary_assistance": "temporary_small_fast"}.get(programme, programme)
        values = {
            "workflow": workflow,
            "programme": programme,
            "household": household,
            "applicant": household.head,
            "division": divisions["street"],
            "channel": "window",
            "submitted_on": dt.date(2026, 10, 8),
            "step": "approved",
            "decided_on": dt.date(2026, 11, 20),
            "number": None,
        }
        if programme == "extreme_poverty_support":
            values["subject"] = household.head
        if programme in ("dibao", "extreme_poverty_support"):
            values |= {
                "monthly_amount": Decimal("1350.00"),
                "starts_month": dt.date(2026, 12, 1),
                "level": "A",
            }
        values |= fields
        application = Application.objects.create(**values)
        application.number = f"150102-2026-{application.pk:07d}"
        application.save(update_fields=["number"])
        return application

    return make


@pytest.fixture
def dibao_enrolment(users, approved):
    from minzheng.applications.services import enrolment_from_application

    def make(**fields):
        return enrolment_from_application(actor=users["county"], application=approved("dibao", **fields))

    return make
