"""The SMS outbox of the portal: every SMS is a row first, handed to the gateway after commit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from minzheng.applications.models import Application
from minzheng.common import crypto
from minzheng.common.masking import mask_phone
from minzheng.portal import sms
from minzheng.portal.models import SmsMessage, SmsStatus
from minzheng.registry.services import PHONE_INDEX

logger = logging.getLogger("minzheng.portal")


def _sms_dispatch(message_id: int, phone: str, body: str, template: str) -> None:
    """After commit: hand the real text to the gateway and record the outcome on the outbox row."""
    gateway = sms.gateway()
    name = getattr(gateway, "name", type(gateway).__name__)[:40]
    try:
        reference = gateway.send(phone, body, template=template)
    except Exception as exc:  # noqa: BLE001 - any gateway fault (refusal, network, bug) only fails this SMS
        logger.warning("SMS %s failed: %s", message_id, exc)
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsStatus.FAILED, gateway=name, error=str(exc)[:200]
        )
        return
    SmsMessage.objects.filter(pk=message_id).update(
        status=SmsStatus.SENT, gateway=name, gateway_reference=reference[:80], sent_at=timezone.now()
    )


# No savepoint of its own inside the caller's transaction: one INSERT, and a failed one fails the caller's
# transaction (or the savepoint a caller that must survive it takes, as the timeline's notifier does).
@transaction.atomic(savepoint=False)
def sms_send(
    *,
    phone: str,
    template: str,
    body: str,
    application: Application | None = None,
    store_body: str | None = None,
) -> SmsMessage:
    """Queue one SMS: write the outbox row now, send through the configured gateway after commit.

    ``phone`` is an 11-digit mainland mobile number (already validated by the caller). ``store_body``
    replaces the text kept in the database when ``body`` holds a secret (a sign-in code): the gateway
    gets ``body``, the outbox keeps ``store_body``. A gateway failure never rolls back the caller's
    work; the row is marked 发送失败 with the reason.
    """
    message = SmsMessage.objects.create(
        phone_encrypted=crypto.encrypt(phone),
        phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX),
        phone_masked=mask_phone(phone),
        template=template[:40],
        body=(store_body if store_body is not None else body)[:500],
        application=application,
    )
    transaction.on_commit(lambda: _sms_dispatch(message.pk, phone, body, template))
    return message
