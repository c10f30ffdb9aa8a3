"""SMS gateways for the portal (救助通): one small interface, a development outbox and an HTTP adapter.

The platform never talks to an SMS provider directly: ``services.sms_send`` writes the outbox row
(``SmsMessage``) and, after the transaction commits, hands the text to ``gateway().send(...)``.
Which gateway is used is a deployment fact, ``settings.PORTAL_SMS_GATEWAY`` (a dotted path):

* ``minzheng.portal.sms.OutboxGateway`` (default, development and tests): keeps every message in the
  module-level list ``outbox`` (like ``django.core.mail.outbox``) and prints it to the console logger
  ``minzheng.portal.sms``, so a developer reads the sign-in code in the server console.
* ``minzheng.portal.sms.HttpGateway``: a skeleton for a real provider. It POSTs
  ``{"phone": ..., "content": ..., "template": ...}`` as JSON to ``PORTAL_SMS_HTTP_URL`` with
  ``Authorization: Bearer <PORTAL_SMS_HTTP_KEY>`` and expects ``2xx`` with a JSON body holding a
  message id (``{"id": "..."}`` or ``{"message_id": "..."}``). Providers that sign requests differently
  (Aliyun, Tencent Cloud …) get a subclass overriding ``request_for``/``reference_from``; see
  docs/portal.md.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minzheng.portal.sms")


class SmsGatewayError(Exception):
    """The gateway could not take the message (network error, refused, bad answer)."""


class SmsGateway(Protocol):
    name: str

    def send(self, phone: str, body: str, *, template: str = "") -> str:
        """Send ``body`` to ``phone`` (11 digits); return the gateway's reference for the message."""
        ...


@dataclass(frozen=True)
class OutboxEntry:
    phone: str
    body: str
    template: str
    reference: str


# Every message sent through OutboxGateway in this process, oldest first (tests clear it).
outbox: list[OutboxEntry] = []


class OutboxGateway:
    """Development and test backend: nothing leaves the machine; the text goes to ``outbox`` and the log."""

    name = "outbox"

    def send(self, phone: str, body: str, *, template: str = "") -> str:
        reference = f"outbox-{uuid.uuid4().hex[:12]}"
        outbox.append(OutboxEntry(phone=phone, body=body, template=template, reference=reference))
        logger.warning("[短信 %s → %s] %s", template or "-", phone, body)
        return reference


class HttpGateway:
    """A real provider reached over HTTP(S) with a JSON POST (skeleton; see the module docstring)."""

    name = "http"

    def __init__(self, url: str | None = None, key: str | None = None, timeout: float = 10.0) -> None:
        self.url = url if url is not None else settings.PORTAL_SMS_HTTP_URL
        self.key = key if key is not None else settings.PORTAL_SMS_HTTP_KEY
        self.timeout = timeout

    def request_for(self, phone: str, body: str, template: str) -> urllib.request.Request:
        payload = json.dumps({"phone": phone, "content": body, "template": template}, ensure_ascii=False)
        return urllib.request.Request(  # noqa: S310 - the URL is a deployment setting, checked below
            self.url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
            },
        )

    def reference_from(self, answer: dict[str, Any]) -> str:
        reference = answer.get("id") or answer.get("message_id")
        if not reference:
            raise SmsGatewayError("短信通道未返回消息编号")
        return str(reference)

    def send(self, phone: str, body: str, *, template: str = "") -> str:
        if not self.url.startswith(("https://", "http://")):
            raise SmsGatewayError("未配置短信通道地址（PORTAL_SMS_HTTP_URL）")
        request = self.request_for(phone, body, template)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310 - scheme checked
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"短信通道拒绝发送（HTTP {exc.code}）") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsGatewayError(f"无法连接短信通道：{exc}") from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as exc:
            raise SmsGatewayError("短信通道的应答不是 JSON") from exc
        if not isinstance(answer, dict):
            raise SmsGatewayError("短信通道的应答格式不正确")
        return self.reference_from(answer)


def gateway() -> SmsGateway:
    """The configured gateway (``settings.PORTAL_SMS_GATEWAY``), a new instance per call."""
    cls = import_string(settings.PORTAL_SMS_GATEWAY)
    instance: SmsGateway = cls()
    return instance
