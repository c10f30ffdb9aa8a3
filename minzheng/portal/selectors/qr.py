"""Household QR codes: what a scanned link leads to, and the staff's printable page (scoped with
``visible_to(actor)`` as every staff read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.common.errors import NotFound
from minzheng.portal.models import HouseholdToken
from minzheng.registry.models import Household

QR_SALT = "portal.qr"


def qr_signed(token: HouseholdToken) -> str:
    """The value in the QR link: the token's random key, signed — never personal data."""
    return signing.dumps(token.key, salt=QR_SALT)


@dataclass(frozen=True)
class QrLookup:
    token: HouseholdToken | None
    problem: str  # "" when valid


def qr_resolve(*, signed_value: str, now: dt.datetime | None = None) -> QrLookup:
    """The household token behind a scanned link, or the reason it cannot be used (tampered, expired,
    revoked). The signature is checked before the database is asked."""
    now = now or timezone.now()
    try:
        key = signing.loads(
            signed_value, salt=QR_SALT, max_age=dt.timedelta(days=settings.PORTAL_QR_DAYS + 1)
        )
    except signing.SignatureExpired:
        return QrLookup(None, _("二维码已过期，请联系乡镇（街道）或村（居）委会重新打印"))
    except signing.BadSignature:
        return QrLookup(None, _("二维码无效，请确认扫描的是民政部门打印的二维码"))
    token = HouseholdToken.objects.select_related("household__hukou_division").filter(key=str(key)).first()
    if token is None or token.revoked_at is not None:
        return QrLookup(None, _("二维码已作废，请联系乡镇（街道）或村（居）委会重新打印"))
    if token.expires_at <= now:
        return QrLookup(None, _("二维码已过期，请联系乡镇（街道）或村（居）委会重新打印"))
    return QrLookup(token, "")


def household_qr_get(*, actor: Any, household_id: int) -> tuple[Household, HouseholdToken | None]:
    """A household the staff member may see, with its valid token (latest issued), if any."""
    household = (
        Household.objects.visible_to(actor)
        .select_related("hukou_division", "head")
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("家庭不存在或不在您的管辖范围内"), field="household")
    token = (
        HouseholdToken.objects.filter(
            household=household, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-issued_at", "-id")
        .first()
    )
    return household, token
