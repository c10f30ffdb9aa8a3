"""The organisation's own account (ADR 0034): set up by the registrar, signed in by credit code + password.

Never a staff ``User``: the session holds only the account id (``organisations.auth``). Five wrong passwords
lock the account for 15 minutes; the message never tells whether the code exists.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.credit_code import credit_code_normalise
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.masking import mask_phone
from minzheng.organisations.models import OrganisationAccount
from minzheng.organisations.services.common import mobile_check, organisation_locked, registrar_check

MAX_FAILURES = 5
LOCK_MINUTES = 15
SIGN_IN_REFUSED = "统一社会信用代码或密码不正确"


@transaction.atomic
def account_set(
    *, actor: User, organisation_id: int, password: str, phone: str, ip_address: str | None = None
) -> OrganisationAccount:
    """Create the organisation's account or reset its password and phone (the registrar hands them over)."""
    registrar_check(actor)
    organisation = organisation_locked(actor, organisation_id)
    phone = mobile_check(phone)
    try:
        validate_password(password)
    except DjangoValidationError as error:
        raise ValidationFailed("；".join(error.messages), field="password") from None
    account, _created = OrganisationAccount.objects.update_or_create(
        organisation=organisation,
        defaults={
            "password": make_password(password),
            "phone_encrypted": crypto.encrypt(phone) if phone else "",
            "phone_masked": mask_phone(phone) if phone else "",
            "is_active": True,
            "failed_attempts": 0,
            "locked_until": None,
        },
    )
    event_record(
        actor=actor,
        verb="organisation.account_set",
        object_type="organisation",
        object_id=organisation.pk,
        division_code=organisation.division.code,
        summary=f"设置社会组织账号：{organisation.name}",
        ip_address=ip_address,
    )
    return account


def account_authenticate(
    *, credit_code: str, password: str, now: dt.datetime | None = None
) -> OrganisationAccount:
    """The active, unlocked account whose code and password match; failures are counted in their own
    transaction so a refusal still locks after five tries."""
    now = now or timezone.now()
    code = credit_code_normalise(credit_code)
    refusal = ""
    with transaction.atomic():  # the failure count commits even though the sign-in is refused
        account = (
            OrganisationAccount.objects.select_for_update()
            .select_related("organisation")
            .filter(organisation__credit_code=code, is_active=True)
            .first()
        )
        if account is None:
            check_password(password, make_password(None))  # same work as a real check: no timing hint
            refusal = SIGN_IN_REFUSED
        elif account.locked_until and account.locked_until > now:
            minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
            refusal = f"密码错误次数过多，请 {minutes} 分钟后再试"
        elif not check_password(password, account.password):
            failures = account.failed_attempts + 1
            locked = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            OrganisationAccount.objects.filter(pk=account.pk).update(
                failed_attempts=0 if locked else failures, locked_until=locked
            )
            refusal = SIGN_IN_REFUSED
        else:
            OrganisationAccount.objects.filter(pk=account.pk).update(
                failed_attempts=0, locked_until=None, last_sign_in_at=now
            )
    if refusal or account is None:
        raise PermissionDenied(refusal or SIGN_IN_REFUSED)
    return account
