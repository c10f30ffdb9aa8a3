"""Reads of the portal account: sign-in limits and the household the signed-in person belongs to.

A person sees only the household they currently belong to (``account_household``), whatever id a URL or an
API call names (ADR 0020).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.portal import rules
from minzheng.portal.models import PortalAccount, SignInCode, SignInFailure
from minzheng.registry.models import Household, Membership

# --- sign-in ---------------------------------------------------------------------------------------------


def sign_in_send_history(*, phone_index: str, ip_address: str | None, now: dt.datetime) -> rules.SendHistory:
    hour_ago = now - rules.HOUR
    codes = SignInCode.objects.filter(phone_index=phone_index)
    last = codes.order_by("-created_at").values_list("created_at", flat=True).first()
    by_ip = (
        SignInCode.objects.filter(ip_address=ip_address, created_at__gt=hour_ago).count() if ip_address else 0
    )
    return rules.SendHistory(
        last_sent_at=last,
        phone_sent_last_hour=codes.filter(created_at__gt=hour_ago).count(),
        ip_sent_last_hour=by_ip,
    )


def sign_in_locked_until(*, phone_index: str, now: dt.datetime) -> dt.datetime | None:
    """When the phone's lockout ends, or ``None`` (``rules.locked_until`` over the last failures)."""
    window = now - rules.HOUR - dt.timedelta(minutes=rules.LOCK_MINUTES)
    failures = list(
        SignInFailure.objects.filter(phone_index=phone_index, failed_at__gt=window).values_list(
            "failed_at", flat=True
        )
    )
    return rules.locked_until(failures, now)


# --- the account's household -----------------------------------------------------------------------------


def account_household(*, account: PortalAccount) -> Household | None:
    """The household the account's person belongs to now (open membership), or ``None``."""
    if account.person_id is None:
        return None
    membership = (
        Membership.objects.filter(person_id=account.person_id, left_on__isnull=True)
        .select_related("household__hukou_division")
        .first()
    )
    return membership.household if membership else None


def account_household_require(*, account: PortalAccount) -> Household:
    household = account_household(account=account)
    if household is None:
        raise rules.NotYours(_("未找到您所在的家庭，请联系乡镇（街道）或村（居）委会"), field="household")
    return household


def account_is_member(*, account: PortalAccount, household_id: int) -> bool:
    """The account's person is a current member of the household."""
    if account.person_id is None:
        return False
    return Membership.objects.filter(
        person_id=account.person_id, household_id=household_id, left_on__isnull=True
    ).exists()


def township_of(division: Division) -> Division:
    """The township (乡镇/街道) of a village, or the division itself above village level."""
    if division.level == Level.VILLAGE and division.parent_id is not None:
        parent = Division.objects.filter(pk=division.parent_id).first()
        return parent or division
    return division
