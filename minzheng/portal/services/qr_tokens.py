"""Household QR tokens: staff issue (and revoke) the signed, expiring link printed for a household."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.portal import rules
from minzheng.portal.models import HouseholdToken
from minzheng.registry.models import Household


def _qr_household(actor: User, household_id: int) -> Household:
    if not actor.can(rules.QR_ISSUE_CAPABILITY):
        raise PermissionDenied("您的角色无权签发或撤销家庭二维码", code="forbidden")
    household = (
        Household.objects.visible_to(actor).select_for_update().select_related("hukou_division")
        .filter(pk=household_id).first()
    )  # fmt: skip
    if household is None:
        raise NotFound("家庭不存在或不在您的管辖范围内", field="household")
    return household


def _revoke_all(household: Household, actor: User, now: dt.datetime) -> int:
    return HouseholdToken.objects.filter(household=household, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )


@transaction.atomic
def household_token_issue(*, actor: User, household_id: int) -> HouseholdToken:
    """A new QR token for a household the actor may see, valid ``PORTAL_QR_DAYS``; earlier tokens of the
    household are revoked (one printed code is valid at a time). The key is random; the QR carries it
    signed, never personal data."""
    household = _qr_household(actor, household_id)
    now = timezone.now()
    revoked = _revoke_all(household, actor, now)
    token = HouseholdToken.objects.create(
        household=household,
        key=secrets.token_hex(16),
        issued_by=actor,
        expires_at=now + dt.timedelta(days=settings.PORTAL_QR_DAYS),
    )
    event_record(
        actor=actor,
        verb="portal.qr_issue",
        object_type="registry.household",
        object_id=household.pk,
        division_code=household.hukou_division.code,
        summary=f"签发家庭二维码（有效至 {timezone.localtime(token.expires_at):%Y-%m-%d}）",
        data={"token_id": token.pk, "revoked": revoked},
    )
    return token


@transaction.atomic
def household_token_revoke(*, actor: User, household_id: int) -> int:
    """Revoke every valid QR token of the household; returns how many were revoked."""
    household = _qr_household(actor, household_id)
    revoked = _revoke_all(household, actor, timezone.now())
    if revoked:
        event_record(
            actor=actor,
            verb="portal.qr_revoke",
            object_type="registry.household",
            object_id=household.pk,
            division_code=household.hukou_division.code,
            summary="撤销家庭二维码",
            data={"revoked": revoked},
        )
    return revoked
