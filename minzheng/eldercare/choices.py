"""The closed vocabularies of eldercare (docs/glossary.md, 智慧养老). Labels are what users read."""

from __future__ import annotations

from django.db import models


class ServiceKind(models.TextChoices):
    """Home and community services (居家社区养老服务) the source reports name; a bureau's catalogue of
    government-purchased services maps onto these."""

    MEAL = "meal", "助餐"
    CLEANING = "cleaning", "助洁"
    BATHING = "bathing", "助浴"
    MEDICAL = "medical", "助医"
    MOBILITY = "mobility", "助行"
    COMPANIONSHIP = "companionship", "精神慰藉"
    DAY_CARE = "day_care", "日间照料"
    NURSING = "nursing", "康复护理"
    EMERGENCY = "emergency", "紧急救援"


class ServiceUnit(models.TextChoices):
    TIMES = "times", "次"
    HOURS = "hours", "小时"
    MEALS = "meals", "餐"
    DAYS = "days", "天"


class OrderChannel(models.TextChoices):
    PORTAL = "portal", "网上下单（本人或家属）"
    CASEWORKER = "caseworker", "工作人员代下单"
    PLAN = "plan", "固定服务计划"


class OrderStatus(models.TextChoices):
    PLACED = "placed", "待派单"
    DISPATCHED = "dispatched", "已派单"
    IN_SERVICE = "in_service", "服务中"
    SERVED = "served", "待确认"
    CONFIRMED = "confirmed", "已确认"
    DISPUTED = "disputed", "有异议"
    NO_SHOW = "no_show", "未上门"
    CANCELLED = "cancelled", "已取消"


class ConfirmationChannel(models.TextChoices):
    PORTAL = "portal", "网上确认"
    SMS = "sms", "短信验证码确认"
    STAFF = "staff", "工作人员回访确认"


class ProviderStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停派单"
    ENDED = "ended", "已退出"


class ContactRelation(models.TextChoices):
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER_RELATIVE = "other_relative", "其他亲属"
    NEIGHBOUR = "neighbour", "邻居"
    VILLAGE_STAFF = "village_staff", "村（社区）工作人员"
    OTHER = "other", "其他"
