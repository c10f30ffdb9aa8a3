"""Writes of providers (issue 17 §4): register and edit (credit code checked, GB 32100-2015), service
areas, workers (with a CARE_PROVIDER login made through the accounts service), the priced catalogue and
the status. Edits are for users with MANAGE_ELDERCARE whose jurisdiction holds the registering county."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from minzheng.accounts.models import User
from minzheng.accounts.services import StaffData, user_create
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability, Role
from minzheng.common import crypto
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.masking import mask_bank_account, mask_phone
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import ProviderStatus, ServiceKind, ServiceUnit
from minzheng.eldercare.models import CareWorker, Provider, ProviderArea, ServiceItem
from minzheng.eldercare.rules.providers import credit_code_check, significant_prefix
from minzheng.registry.services import BANK_INDEX


def _require(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.can(Capability.MANAGE_ELDERCARE):
        raise PermissionDenied("您的角色无权管理养老服务机构")


def _editable(actor: Any, provider_id: int) -> Provider:
    _require(actor)
    provider = Provider.objects.visible_to(actor).select_for_update().filter(pk=provider_id).first()
    if provider is None:
        raise NotFound("服务机构不存在或不由您的辖区登记管理")
    return provider


def _audit(actor: Any, provider: Provider, verb: str, summary: str, ip: str | None) -> None:
    event_record(
        actor=actor,
        verb=f"eldercare.provider.{verb}",
        object_type="provider",
        object_id=provider.pk,
        division_code=provider.division.code,
        summary=f"{provider.name}：{summary}",
        ip_address=ip,
    )


@dataclass(frozen=True)
class ProviderData:
    name: str
    credit_code: str
    division_code: str
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    bank_name: str = ""
    bank_account_name: str = ""
    bank_account: str = ""


def _apply(provider: Provider, actor: Any, data: ProviderData) -> None:
    if not data.name.strip():
        raise ValidationFailed("请填写机构名称", field="name")
    try:
        provider.credit_code = credit_code_check(data.credit_code)
    except ValueError as error:
        raise ValidationFailed(str(error), field="credit_code") from None
    division = Division.objects.filter(code=data.division_code, abolished_on__isnull=True).first()
    if division is None or division.level > 3:
        raise ValidationFailed("登记旗县应为旗县（市、区）或以上区划", field="division")
    if not getattr(actor, "scope_prefix", "") or not division.code.startswith(actor.scope_prefix):
        raise PermissionDenied(f"{division.name}不在您的管辖范围内，不能在此登记服务机构", field="division")
    phone = data.contact_phone.strip()
    if phone and (not phone.isdigit() or len(phone) not in (11, 12)):
        raise ValidationFailed("联系电话应为 11 位手机号或 12 位固定电话（含区号）", field="contact_phone")
    account = data.bank_account.replace(" ", "")
    if account and (not account.isdigit() or not 12 <= len(account) <= 30):
        raise ValidationFailed("银行账号应为 12–30 位数字", field="bank_account")
    provider.name = data.name.strip()[:100]
    provider.division = division
    provider.address = data.address.strip()[:200]
    provider.contact_name = data.contact_name.strip()[:50]
    if phone:
        provider.contact_phone_encrypted, provider.contact_phone_masked = (
            crypto.encrypt(phone),
            mask_phone(phone),
        )
    provider.bank_name = data.bank_name.strip()[:60]
    provider.bank_account_name = data.bank_account_name.strip()[:100]
    if account:
        provider.bank_account_encrypted = crypto.encrypt(account)
        provider.bank_account_index = crypto.blind_index(account, purpose=BANK_INDEX)
        provider.bank_account_masked = mask_bank_account(account)


def _save(provider: Provider) -> None:
    try:
        with transaction.atomic():
            provider.save()
    except IntegrityError:
        raise Conflict(
            f"统一社会信用代码 {provider.credit_code} 已登记，不能重复登记", field="credit_code"
        ) from None


@transaction.atomic
def provider_create(*, actor: Any, data: ProviderData, ip_address: str | None = None) -> Provider:
    _require(actor)
    provider = Provider()
    _apply(provider, actor, data)
    if Provider.objects.filter(credit_code=provider.credit_code).exists():
        raise Conflict(f"统一社会信用代码 {provider.credit_code} 已登记，不能重复登记", field="credit_code")
    _save(provider)
    _audit(actor, provider, "created", "登记服务机构", ip_address)
    return provider


@transaction.atomic
def provider_update(*, actor: Any, pk: int, data: ProviderData, ip_address: str | None = None) -> Provider:
    provider = _editable(actor, pk)
    _apply(provider, actor, data)
    if Provider.objects.filter(credit_code=provider.credit_code).exclude(pk=pk).exists():
        raise Conflict(f"统一社会信用代码 {provider.credit_code} 已由其他机构登记", field="credit_code")
    _save(provider)
    _audit(actor, provider, "updated", "修改机构信息", ip_address)
    return provider


@transaction.atomic
def provider_status_set(
    *, actor: Any, pk: int, status: str, reason: str, ip_address: str | None = None
) -> Provider:
    """Active ↔ suspended (暂停派单) or ended (已退出); a suspended provider receives no new dispatch."""
    provider = _editable(actor, pk)
    if status not in ProviderStatus.values:
        raise ValidationFailed("请选择状态", field="status")
    if status == provider.status:
        raise Conflict(f"机构状态已是“{ProviderStatus(status).label}”（可能已被他人修改）", field="status")
    if status != ProviderStatus.ACTIVE and len(reason.strip()) < 4:
        raise ValidationFailed("请写明暂停或退出的原因（至少 4 个字）", field="reason")
    before = provider.get_status_display()
    provider.status = status
    provider.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        provider,
        "status",
        f"状态由“{before}”改为“{provider.get_status_display()}”：{reason}",
        ip_address,
    )
    return provider


@transaction.atomic
def provider_area_add(
    *, actor: Any, pk: int, division_code: str, ip_address: str | None = None
) -> ProviderArea:
    provider = _editable(actor, pk)
    division = Division.objects.filter(code=division_code, abolished_on__isnull=True).first()
    if division is None or division.level not in (3, 4):
        raise ValidationFailed("服务区域应为旗县（市、区）或乡镇（街道、苏木）", field="division")
    area, created = ProviderArea.objects.get_or_create(provider=provider, division=division)
    if not created:
        raise Conflict(f"{division.name}已在服务区域内", field="division")
    _audit(actor, provider, "area_added", f"增加服务区域 {division.name}", ip_address)
    return area


@transaction.atomic
def provider_area_remove(*, actor: Any, pk: int, area_id: int, ip_address: str | None = None) -> None:
    provider = _editable(actor, pk)
    area = ProviderArea.objects.select_related("division").filter(pk=area_id, provider=provider).first()
    if area is None:
        raise NotFound("服务区域不存在")
    name = area.division.name
    area.delete()
    _audit(actor, provider, "area_removed", f"移除服务区域 {name}", ip_address)


@dataclass(frozen=True)
class ItemData:
    kind: str
    name: str
    unit: str
    price: str
    co_payment: str = "0"
    standard_minutes: int = 60
    active: bool = True


def _money(raw: str, field: str, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip() or "0")
    except InvalidOperation:
        raise ValidationFailed(f"{label}应为金额（元）", field=field) from None
    if value < 0 or value != value.quantize(Decimal("0.01")) or value > Decimal("100000"):
        raise ValidationFailed(f"{label}应在 0 到 100000 元之间，最多两位小数", field=field)
    return value


@transaction.atomic
def item_save(
    *, actor: Any, pk: int, data: ItemData, item_id: int | None = None, ip_address: str | None = None
) -> ServiceItem:
    """Add or edit a priced item. Orders already placed keep their price (fixed at placing)."""
    provider = _editable(actor, pk)
    if data.kind not in ServiceKind.values:
        raise ValidationFailed("请选择服务类别", field="kind")
    if data.unit not in ServiceUnit.values:
        raise ValidationFailed("请选择计价单位", field="unit")
    if not data.name.strip():
        raise ValidationFailed("请填写服务项目名称", field="name")
    price = _money(data.price, "price", "单价")
    co_payment = _money(data.co_payment, "co_payment", "个人自付")
    if co_payment > price:
        raise ValidationFailed("个人自付不能高于单价", field="co_payment")
    if not 5 <= int(data.standard_minutes) <= 720:
        raise ValidationFailed("标准服务时长应在 5 到 720 分钟之间", field="standard_minutes")
    item = ServiceItem(provider=provider) if item_id is None else provider.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound("服务项目不存在")
    item.kind, item.name, item.unit = data.kind, data.name.strip()[:60], data.unit
    item.price, item.co_payment = price, co_payment
    item.standard_minutes, item.active = int(data.standard_minutes), data.active
    item.save()
    _audit(
        actor,
        provider,
        "item_saved",
        f"服务项目 {item.name}：{price} 元/{item.get_unit_display()}",
        ip_address,
    )
    return item


@transaction.atomic
def item_active_set(
    *, actor: Any, pk: int, item_id: int, active: bool, ip_address: str | None = None
) -> ServiceItem:
    """Stop (停售) or resume an item; placed orders keep it, new orders cannot choose a stopped one."""
    provider = _editable(actor, pk)
    item = provider.items.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound("服务项目不存在")
    item.active = active
    item.save(update_fields=["active", "updated_at"])
    _audit(
        actor,
        provider,
        "item_active",
        f"服务项目 {item.name}：{'恢复在售' if active else '停售'}",
        ip_address,
    )
    return item


@transaction.atomic
def worker_create(
    *,
    actor: Any,
    pk: int,
    name: str,
    phone: str = "",
    username: str = "",
    password: str = "",
    ip_address: str | None = None,
) -> CareWorker:
    """Add a worker; with ``username`` and ``password`` also a login of role 养老服务机构人员 at the
    provider's county, made by the accounts service (which requires the right to manage staff)."""
    provider = _editable(actor, pk)
    if not name.strip():
        raise ValidationFailed("请填写服务人员姓名", field="name")
    phone = phone.strip()
    if phone and (not phone.isdigit() or len(phone) != 11):
        raise ValidationFailed("手机号应为 11 位数字", field="phone")
    user = None
    if username.strip():
        if not actor.can(Capability.MANAGE_USERS):
            raise PermissionDenied(
                "您的角色不能创建登录账号：请系统管理员在“工作人员管理”中创建角色为养老服务机构人员的账号，"
                "再在此关联",
                field="username",
            )
        user = user_create(
            actor=actor,
            username=username.strip(),
            password=password,
            ip_address=ip_address,
            data=StaffData(name.strip(), Role.CARE_PROVIDER, provider.division.code),
        )
    worker = CareWorker.objects.create(
        provider=provider,
        name=name.strip()[:50],
        user=user,
        phone_encrypted=crypto.encrypt(phone) if phone else "",
        phone_masked=mask_phone(phone) if phone else "",
    )
    _audit(actor, provider, "worker_added", f"增加服务人员 {worker.name}", ip_address)
    return worker


def linkable_logins(provider: Provider) -> list[User]:
    """Active logins of role 养老服务机构人员 in the provider's county not yet linked to a worker: made by the
    staff administrator on 工作人员管理, then linked here by the eldercare staff."""
    prefix = significant_prefix(provider.division.code)
    return list(
        User.objects.filter(role=Role.CARE_PROVIDER, is_active=True, division__code__startswith=prefix)
        .filter(care_worker__isnull=True)
        .order_by("username")[:200]
    )


@transaction.atomic
def worker_login_link(
    *, actor: Any, pk: int, worker_id: int, user_id: int, ip_address: str | None = None
) -> CareWorker:
    """Link an existing login of role 养老服务机构人员 (in the provider's county, not linked elsewhere) to a
    worker, so the worker's phone pages show that worker's orders."""
    provider = _editable(actor, pk)
    worker = provider.workers.select_for_update().filter(pk=worker_id).first()
    if worker is None:
        raise NotFound("服务人员不存在")
    if worker.user_id is not None:
        raise Conflict(f"{worker.name}已有登录账号", field="user")
    user = next((u for u in linkable_logins(provider) if u.pk == user_id), None)
    if user is None:
        raise ValidationFailed(
            "该账号不存在、不是养老服务机构人员、不在机构登记旗县或已关联其他服务人员", field="user"
        )
    worker.user = user
    worker.save(update_fields=["user", "updated_at"])
    _audit(
        actor, provider, "worker_login", f"服务人员 {worker.name} 关联登录账号 {user.username}", ip_address
    )
    return worker


@transaction.atomic
def worker_active_set(
    *, actor: Any, pk: int, worker_id: int, active: bool, ip_address: str | None = None
) -> CareWorker:
    provider = _editable(actor, pk)
    worker = provider.workers.filter(pk=worker_id).first()
    if worker is None:
        raise NotFound("服务人员不存在")
    worker.active = active
    worker.save(update_fields=["active", "updated_at"])
    _audit(
        actor,
        provider,
        "worker_active",
        f"服务人员 {worker.name}：{'在岗' if active else '离岗'}",
        ip_address,
    )
    return worker
