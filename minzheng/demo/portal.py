"""Demo portal account (救助通) for ``minzheng demo-setup``: one person of the demo township, bound to an
account with the phone on file, so the portal can be tried at once (the code is printed in the server
console by the outbox SMS gateway)."""

from __future__ import annotations

import os

from django.db import transaction
from django.utils import timezone

from minzheng.common import crypto
from minzheng.demo.accounts import demo_township
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.portal.models import PortalAccount
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import Membership, Person


def _candidate(prefix: str) -> Person | None:
    """A living household head with a phone in the township: first one whose household has an active
    enrolment, else any."""
    heads = (
        Membership.objects.filter(
            left_on__isnull=True,
            relation_to_head=RelationToHead.HEAD,
            household__hukou_division__code__startswith=prefix,
            person__death_date__isnull=True,
        )
        .exclude(person__phone_encrypted="")
        .order_by("household_id")
    )
    enrolled = Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).values("household_id")
    membership = heads.filter(household_id__in=enrolled).select_related("person").first()
    membership = membership or heads.select_related("person").first()
    return membership.person if membership else None


@transaction.atomic
def demo_portal_ensure() -> list[str]:
    """Idempotent: keeps an existing demo binding, else binds a new account to a suitable person.
    Returns the lines ``demo-setup`` prints (nothing when the township has no one with a phone)."""
    township = demo_township()
    if township is None:
        return []
    prefix = township.code[:9]
    account = (
        PortalAccount.objects.filter(person__household__hukou_division__code__startswith=prefix)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if account is None:
        person = _candidate(prefix)
        if person is None:
            return []
        phone = person.phone
        account = PortalAccount.objects.filter(phone_index=person.phone_index).first() or PortalAccount(
            phone_encrypted=crypto.encrypt(phone),
            phone_index=person.phone_index,
            phone_masked=person.phone_masked,
        )
        if account.person_id is None:
            account.person = person
            account.name = person.name
            account.id_number_encrypted = person.id_number_encrypted
            account.id_number_index = person.id_number_index
            account.id_number_masked = person.id_number_masked
            account.bound_at = timezone.now()
            account.save()
    phone = crypto.decrypt(account.phone_encrypted)
    port = os.environ.get("PORT", "8000")
    return [
        f"救助通演示：http://127.0.0.1:{port}/portal/ 手机号 {phone}（验证码打印在服务器控制台）"
        f"，已绑定 {account.person.name if account.person else account.name}"
    ]
