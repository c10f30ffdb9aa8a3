"""The portal account: one-time sign-in codes by SMS and binding the account to a registry person.

Messages never reveal whether a phone number has an account, or anything about a registry person beyond
what the signed-in person typed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_id_number, mask_phone
from minzheng.portal import rules, selectors
from minzheng.portal.models import PortalAccount, SignInCode, SignInFailure
from minzheng.portal.services.outbox import sms_send
from minzheng.registry.models import Person
from minzheng.registry.rules import normalise_person_name
from minzheng.registry.services import ID_INDEX, PHONE_INDEX

CODE_INDEX = "portal_sign_in_code"
SMS_SIGN_IN = "sign_in_code"


def code_hash(phone: str, code: str) -> str:
    """Keyed hash of a code for one phone (the blind-index key; the code itself is never stored)."""
    return crypto.blind_index(f"{phone}\x00{code}", purpose=CODE_INDEX)


def _phone_index(phone: str) -> str:
    return crypto.blind_index(phone, purpose=PHONE_INDEX)


def _serialise_phone(phone_index: str) -> None:
    """Two requests for the same phone at once wait for each other (rate limits stay exact)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"portal:{phone_index}"])


@transaction.atomic
def sign_in_code_send(*, phone: str, ip_address: str | None = None) -> SignInCode:
    """Send a 6-digit one-time code to ``phone`` (any valid mainland mobile: whether an account exists is
    never revealed). Limits (``rules.send_refusal``): one code a minute, five an hour per phone, twenty an
    hour per network address; a locked phone gets none. The code is stored only as a keyed hash; the
    outbox keeps the text with the code masked. Raises ``ValidationFailed``, ``RateLimited``,
    ``SignInLocked``."""
    phone = rules.phone_normalise(phone)
    index = _phone_index(phone)
    _serialise_phone(index)
    now = timezone.now()
    if selectors.sign_in_locked_until(phone_index=index, now=now) is not None:
        raise rules.SignInLocked(rules.LOCKED_MESSAGE, field="phone")
    history = selectors.sign_in_send_history(phone_index=index, ip_address=ip_address, now=now)
    refusal = rules.send_refusal(history, now)
    if refusal is not None:
        raise rules.RateLimited(refusal, field="phone")
    code = f"{secrets.randbelow(10**rules.CODE_LENGTH):0{rules.CODE_LENGTH}d}"
    ttl = settings.PORTAL_CODE_TTL_SECONDS
    row = SignInCode.objects.create(
        phone_index=index,
        code_hash=code_hash(phone, code),
        expires_at=now + dt.timedelta(seconds=ttl),
        ip_address=ip_address,
    )
    text = (
        "【救助通】您的登录验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。"
    )
    sms_send(
        phone=phone,
        template=SMS_SIGN_IN,
        body=text.format(code=code, minutes=max(1, ttl // 60)),
        store_body=text.format(code="******", minutes=max(1, ttl // 60)),
    )
    return row


def _check_code(row: SignInCode | None, phone: str, code: str, now: dt.datetime) -> str:
    """Why ``code`` does not sign in (``""`` when it does); counts a wrong attempt on the row."""
    if row is None:
        return "请先获取验证码"
    if row.used_at is not None:
        return "验证码已使用，请重新获取"
    if row.expires_at <= now:
        return "验证码已过期，请重新获取"
    maximum = settings.PORTAL_CODE_MAX_ATTEMPTS
    if row.attempts >= maximum:
        return rules.wrong_code_message(0)
    if hmac.compare_digest(row.code_hash, code_hash(phone, code)):
        return ""
    row.attempts += 1
    row.save(update_fields=["attempts"])
    return rules.wrong_code_message(maximum - row.attempts)


def _account_for(phone: str, index: str, now: dt.datetime) -> PortalAccount:
    account = PortalAccount.objects.select_for_update().filter(phone_index=index).first()
    if account is None:
        try:
            with transaction.atomic():
                account = PortalAccount.objects.create(
                    phone_encrypted=crypto.encrypt(phone), phone_index=index, phone_masked=mask_phone(phone)
                )
        except IntegrityError:  # the same phone signing in twice at once
            account = PortalAccount.objects.select_for_update().get(phone_index=index)
    return account


def sign_in_code_verify(*, phone: str, code: str, ip_address: str | None = None) -> PortalAccount:
    """Check the latest code sent to ``phone``; on success mark it used and return the phone's account
    (created on first sign-in), binding it when its claimed ID now matches the registry.

    Wrong codes count: ``PORTAL_CODE_MAX_ATTEMPTS`` wrong tries burn the code, ten failures of one phone
    within an hour lock it for 15 minutes (``rules.locked_until``). Unlike other services, the failure
    counters are written before ``SignInFailed``/``SignInLocked`` is raised — they are the point of it;
    nothing else is written then."""
    phone = rules.phone_normalise(phone)
    code = (code or "").strip()
    if not (len(code) == rules.CODE_LENGTH and code.isdigit()):
        raise ValidationFailed("请输入 6 位数字验证码", field="code", code="code_format")
    index = _phone_index(phone)
    now = timezone.now()
    account: PortalAccount | None = None
    with transaction.atomic():
        _serialise_phone(index)
        if selectors.sign_in_locked_until(phone_index=index, now=now) is not None:
            raise rules.SignInLocked(rules.LOCKED_MESSAGE, field="code")
        row = (
            SignInCode.objects.select_for_update()
            .filter(phone_index=index)
            .order_by("-created_at", "-id")
            .first()
        )
        problem = _check_code(row, phone, code, now)
        if problem.startswith("验证码错误"):
            SignInFailure.objects.create(phone_index=index, ip_address=ip_address)
            if selectors.sign_in_locked_until(phone_index=index, now=now) is not None:
                problem = rules.LOCKED_MESSAGE
        if not problem and row is not None:
            row.used_at = now
            row.save(update_fields=["used_at"])
            account = _account_for(phone, index, now)
    if problem or account is None:
        error = rules.SignInLocked if problem == rules.LOCKED_MESSAGE else rules.SignInFailed
        raise error(problem, field="code")
    return _signed_in(account, now, ip_address)


@transaction.atomic
def _signed_in(account: PortalAccount, now: dt.datetime, ip_address: str | None) -> PortalAccount:
    if not account.is_active:
        raise rules.SignInFailed("该账号已停用，请联系乡镇（街道）或村（居）委会", field="phone")
    account.last_sign_in_at = now
    account.save(update_fields=["last_sign_in_at", "updated_at"])
    event_record(
        actor=None,
        verb="portal.sign_in",
        object_type="portal.account",
        object_id=account.pk,
        summary=f"救助通登录：{account.phone_masked}",
        ip_address=ip_address,
    )
    if account.person_id is None and account.id_number_index:
        person = Person.objects.filter(
            id_number_index=account.id_number_index, name=account.name, phone_index=account.phone_index
        ).first()
        if person is not None:
            _bind(account, person, now, ip_address)
    return account


# --- binding the ID number ----------------------------------------------------------------------------------

MISMATCH_PHONE = "您的手机号与登记信息不一致，请携带身份证到乡镇（街道）或村（居）委会更新联系电话后再绑定"


def _bind(account: PortalAccount, person: Person, now: dt.datetime, ip_address: str | None) -> None:
    account.person = person
    account.bound_at = now
    account.save(update_fields=["person", "bound_at", "updated_at"])
    household = person.household
    event_record(
        actor=None,
        verb="portal.bind",
        object_type="portal.account",
        object_id=account.pk,
        division_code=household.hukou_division.code if household else "",
        summary=f"救助通账号 {account.phone_masked} 绑定人员 {person.pk}",
        data={"person_id": person.pk},
        ip_address=ip_address,
    )


@transaction.atomic
def account_bind(
    *, account: PortalAccount, name: str, id_number: str, ip_address: str | None = None
) -> PortalAccount:
    """Bind the account to the registry person with this ID number when the name matches and the phone on
    file is the signed-in phone (the phone proves it is that person). A person not in the registry: the
    name and ID number are kept as a claim (``person`` stays empty) for an online application.

    Refusals say no more than needed: another account holds the ID (“该身份证号码已绑定其他手机号”), the
    name does not match, or the phone on file differs or is empty (``MISMATCH_PHONE``)."""
    name = normalise_person_name(name)
    resident = parse_resident_id(id_number)
    id_index = crypto.blind_index(resident.number, purpose=ID_INDEX)
    account = PortalAccount.objects.select_for_update().get(pk=account.pk)
    if account.person_id is not None:
        raise rules.AlreadyBound(
            "您的账号已绑定身份信息，如需更改请联系乡镇（街道）或村（居）委会", field="id_number"
        )
    if PortalAccount.objects.filter(id_number_index=id_index).exclude(pk=account.pk).exists():
        raise Conflict("该身份证号码已绑定其他手机号", field="id_number", code="id_number_taken")
    person = (
        Person.objects.select_related("household__hukou_division").filter(id_number_index=id_index).first()
    )
    if person is not None and person.name != name:
        raise rules.BindingRefused("姓名或身份证号码与登记信息不一致，请核对后重新填写", field="name")
    if person is not None and person.phone_index != account.phone_index:
        raise rules.BindingRefused(MISMATCH_PHONE, field="phone")
    account.name = name
    account.id_number_encrypted = crypto.encrypt(resident.number)
    account.id_number_index = id_index
    account.id_number_masked = mask_id_number(resident.number)
    try:
        with transaction.atomic():
            account.save(update_fields=["name", "id_number_encrypted", "id_number_index", "id_number_masked",
                                        "updated_at"])  # fmt: skip
    except IntegrityError:
        raise Conflict("该身份证号码已绑定其他手机号", field="id_number", code="id_number_taken") from None
    now = timezone.now()
    if person is not None:
        _bind(account, person, now, ip_address)
    else:
        event_record(
            actor=None,
            verb="portal.claim",
            object_type="portal.account",
            object_id=account.pk,
            summary=f"救助通账号 {account.phone_masked} 登记身份（登记系统中暂无此人）",
            ip_address=ip_address,
        )
    return account
