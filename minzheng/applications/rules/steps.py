"""The vocabulary of the transition tables: steps, channels, levels, requirements, the role sets and the
``Transition`` row with its builder (pure)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Final

from django.db import models

from minzheng.catalogue.roles import Role
from minzheng.common.workdays import Period

DIBAO_MEASURES = "《最低生活保障审核确认办法》"
EP_MEASURES = "《特困人员认定办法》"
TEMPORARY_2018 = "民发〔2018〕23号"
TEMPORARY_2026 = "《关于进一步健全完善临时救助制度的意见》（2026）"
NOTICE_2022 = "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）"
RIGID_MEASURES = "《刚性支出困难家庭认定办法》"
MARGIN_RIGID_IM = "《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）"
SENIOR_IM = "《内蒙古自治区80岁以上低收入老年人高龄津贴发放管理办法》（2012；2017-01-01起普惠）"
DISABILITY_2015 = "国发〔2015〕52号"
ORPHAN_2010 = "国办发〔2010〕54号"
DE_FACTO_2019 = "《关于进一步加强事实无人抚养儿童保障工作的意见》（2019）"
ASSISTANCE_48 = "《社会救助暂行办法》第48条"


class Step(models.TextChoices):
    SUBMITTED = "submitted", "已提交待受理"
    MATERIALS_PENDING = "materials_pending", "待补齐材料"
    ACCEPTED = "accepted", "已受理"
    INVESTIGATING = "investigating", "家庭经济状况调查"
    VERIFYING = "verifying", "信息核对"
    VILLAGE_REVIEW = "village_review", "村（居）委会初审"
    FIRST_REVIEW = "first_review", "乡镇初审"
    TOWNSHIP_REVIEW = "township_review", "乡镇（街道）审核"
    FEDERATION_REVIEW = "federation_review", "县级残联审核"
    PUBLIC_NOTICE = "public_notice", "公示"
    APPRAISAL = "appraisal", "民主评议"
    COUNTY_REVIEW = "county_review", "审核确认"
    CASE_BY_CASE = "case_by_case", "一事一议"
    AID_PAID = "aid_paid", "已先行救助待补办手续"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"
    TERMINATED = "terminated", "已终止"


FINAL_STEPS: Final = frozenset({Step.APPROVED, Step.REJECTED, Step.WITHDRAWN, Step.TERMINATED})
OPEN_STEPS: Final = tuple(s for s in Step if s not in FINAL_STEPS)


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申请"
    ENTRUSTED = "entrusted", "委托申请"
    PROACTIVE = "proactive", "主动发现"


class Level(StrEnum):
    """Where the actor must sit: the household's village (the village committee's first review, taken by
    the village assistant or by the township for the committee), the accepting township (or above it),
    or the confirming county."""

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    CONFIRMING = "confirming"  # the county, or the township when the county delegated confirmation


class Requirement(StrEnum):
    PLEDGE = "pledge"  # 承诺 + 授权核对 signed (审核确认办法第 9 条)
    MATERIALS_LISTED = "materials_listed"  # 一次性告知 lists every missing item (第 10 条)
    HOME_VISIT = "home_visit"  # 入户调查, ≥ 2 investigators (第 16 条)
    VERIFICATION = "verification"  # 信息核对 results entered (第 17 条)
    OPINION = "opinion"  # 初审意见 written (第 19 条)
    NOTICE_ENDED = "notice_ended"  # the 7-day notice is over (第 19 条)
    OBJECTION = "objection"  # an objection was recorded (第 19 条)
    COUNTY_VISIT_IF_FLAGGED = "county_visit_if_flagged"  # 第 20 条: staff relatives, complaints
    REASON = "reason"  # written reasons (第 21 条)
    SELF_CARE = "self_care"  # 特困 self-care assessed (特困人员认定办法第 20–23 条)
    AMOUNT = "amount"  # temporary assistance: amount decided, within the approval ceiling
    SPOT_CHECK_DRAWN = "spot_check_drawn"  # 特困: the county's ≥ 30 % sample drawn (第 16 条)
    MEETING = "meeting"  # 一事一议: the county coordination mechanism's collective decision recorded
    FEDERATION = "federation"  # 两项补贴: the county 残联's review recorded (国发〔2015〕52号)


class Keep:
    """Marker: the target step keeps the running deadline (e.g. 特困's 15 working days to first review)."""


KEEP: Final = Keep()
Due = Period | Keep | None

CASEWORK: Final = frozenset({Role.TOWNSHIP_CASEWORKER})
TOWNSHIP: Final = frozenset({Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER})
TOWNSHIP_LEAD: Final = frozenset({Role.TOWNSHIP_REVIEWER})
COUNTY: Final = frozenset({Role.COUNTY_APPROVER})
CONFIRMERS: Final = frozenset({Role.COUNTY_APPROVER, Role.TOWNSHIP_REVIEWER})  # township only when delegated
TEMPORARY_APPROVERS: Final = frozenset({Role.COUNTY_APPROVER, Role.TOWNSHIP_REVIEWER})  # 暂行办法第 48 条
VILLAGE: Final = frozenset({Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER})  # for the village committee
RECORDERS: Final = TOWNSHIP | COUNTY  # who enters step records (visits, results, objections, extensions)


@dataclass(frozen=True)
class Transition:
    code: str
    label: str
    source: Step
    target: Step
    roles: frozenset[str]
    level: Level
    basis: str
    due: Due = None
    requires: tuple[Requirement, ...] = ()


@dataclass(frozen=True)
class _Row:
    """A transition being written down: ``_t(code, label, source, target).by(roles, level)`` then
    ``.needs(…)``, ``.deadline(…)`` and finally ``.cite(basis)``, which makes the ``Transition``."""

    code: str
    label: str
    source: Step
    target: Step
    roles: frozenset[str] = frozenset()
    level: Level = Level.TOWNSHIP
    due: Due = None
    requires: tuple[Requirement, ...] = ()

    def by(self, roles: frozenset[str], level: Level) -> _Row:
        return replace(self, roles=roles, level=level)

    def needs(self, *requires: Requirement) -> _Row:
        return replace(self, requires=requires)

    def deadline(self, due: Due) -> _Row:
        return replace(self, due=due)

    def cite(self, basis: str) -> Transition:
        return Transition(basis=basis, **{f.name: getattr(self, f.name) for f in fields(self)})


def _t(code: str, label: str, source: Step, target: Step) -> _Row:
    return _Row(code, label, source, target)


V, T, C, CF = Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CONFIRMING
S = Step
R = Requirement
