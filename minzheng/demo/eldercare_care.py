"""Demo data of eldercare services (issue 17 §3, §5, §6): parameter stand-ins, entitlements in each state,
visits (one overdue, one finding a risk) with the overdue scan, a family care bed and a home adaptation.

Runs after the people part has refreshed older people (demo-setup order: people → care → …); without
``OlderPerson`` rows it does nothing. Everything is written through the services as the demo logins of the
demo township (``demo/accounts.py``), so events, audit and alerts are real. Idempotent: a part already
present is not added again; seconds, not minutes.

The parameter stand-ins are **演示数据：非政策文件，仅供试用**, status 未确认 (like ``demo/parameters.py``),
set for the 盟市 of the demo township from 2026-01-01. The figures of 重度残疾老年人 are left open on
purpose so an entitlement 需人工核定 shows in the demo.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Role
from minzheng.common.errors import DomainError
from minzheng.eldercare.choices import ProviderStatus
from minzheng.eldercare.models import (
    HomeCareProject,
    OlderPerson,
    Provider,
    ProviderArea,
    ServiceEntitlement,
    VisitRecord,
)
from minzheng.eldercare.rules.entitlements import categories_met
from minzheng.eldercare.services import entitlements, home_care, visits
from minzheng.eldercare.services.care_common import flags_of
from minzheng.policy.models import Parameter

DEMO_SOURCE = "演示数据：非政策文件，仅供试用（智慧养老服务）"
DEMO_VALID_FROM = dt.date(2026, 1, 1)
DEMO_NOTE = "演示参数（未确认），正式使用前请按本地文件替换"
HOURS = {
    "extreme_poverty": 30,
    Programme.DIBAO.value: 12,
    "incapacitated": 20,
    "advanced_age_alone": 10,
    "bereaved_parent": 12,
}
AMOUNTS = {
    "extreme_poverty": "600.00",
    Programme.DIBAO.value: "240.00",
    "incapacitated": "400.00",
    "advanced_age_alone": "200.00",
    "bereaved_parent": "240.00",
}
INTERVALS = {"lives_alone": 7, "empty_nest": 30, "left_behind": 14, "bereaved_parent": 14, "advanced_age": 30}
# a 1×1 PNG: the demo's acceptance photo
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _entry(key: str, division: str, value: Any) -> dict[str, Any]:
    return {
        "key": key,
        "division": division,
        "urban_rural": "",
        "valid_from": DEMO_VALID_FROM.isoformat(),
        "valid_to": None,
        "value": value,
        "status": "unconfirmed",
        "source": DEMO_SOURCE,
        "note": DEMO_NOTE,
    }


def _parameters_ensure(league: str) -> int:
    from minzheng.policy.services import parameter_import  # noqa: PLC0415 - demo-only dependency

    if Parameter.objects.filter(division__code=league, key__startswith="eldercare.visit.").exists():
        return 0
    entries = [
        *(_entry(f"eldercare.entitlement.monthly_hours.{c}", league, v) for c, v in HOURS.items()),
        *(_entry(f"eldercare.entitlement.monthly_amount.{c}", league, v) for c, v in AMOUNTS.items()),
        _entry("eldercare.entitlement.township_review_days", league, 10),
        _entry("eldercare.entitlement.county_approval_days", league, 10),
        *(_entry(f"eldercare.visit.interval_days.{c}", league, v) for c, v in INTERVALS.items()),
        _entry("eldercare.family_bed.subsidy_per_bed", league, "3000.00"),
        _entry("eldercare.home_adaptation.subsidy_ceiling", league, "5000.00"),
    ]
    document = {"format_version": 1, "kind": "minzheng.policy-parameters", "parameters": entries}
    return parameter_import(
        actor=None, text=json.dumps(document, ensure_ascii=False), skip_existing_chains=True
    ).created


def _users() -> dict[str, User] | None:
    wanted = {"assistant": Role.VILLAGE_ASSISTANT, "caseworker": Role.TOWNSHIP_CASEWORKER}
    wanted |= {"reviewer": Role.TOWNSHIP_REVIEWER, "county": Role.COUNTY_APPROVER}
    found = {u.username: u for u in User.objects.filter(username__in=wanted).select_related("division")}
    if any(name not in found or found[name].role != role for name, role in wanted.items()):
        return None
    return found


def _entitlements_ensure(people: list[OlderPerson], users: dict[str, User], today: dt.date) -> int:
    """Six applications walked to applied, returned, reviewed, approved (twice, one 人工核定) and rejected."""
    if ServiceEntitlement.objects.filter(older_person__in=people).exists():
        return 0
    eligible = [(p, categories_met(flags_of(p))) for p in people]
    eligible = [(p, met) for p, met in eligible if met][:7]
    plan = ["applied", "returned", "reviewed", "approved", "approved", "rejected", "manual"]
    made = 0
    for (older, met), target in zip(eligible, plan, strict=False):
        category = next((c for c in met if c.value != "severe_disability"), met[0]).value
        if target == "manual":
            if "severe_disability" not in {c.value for c in met}:
                continue
            category = "severe_disability"
        try:
            row = entitlements.entitlement_apply(
                actor=users["caseworker"],
                older_person_id=older.pk,
                category=category,
                today=today,
                note="本人申请",
            )
            made += 1
            _walk(row, target, users, today)
        except DomainError:
            continue  # the demo skips a person it cannot walk (e.g. a figure missing in that league)
    return made


def _walk(row: ServiceEntitlement, target: str, users: dict[str, User], today: dt.date) -> None:
    def step(code: str, who: str, reason: str = "", decision: Any = None) -> ServiceEntitlement:
        return entitlements.entitlement_transition(
            actor=users[who],
            entitlement_id=row.pk,
            code=code,
            expected_status=row.status,
            reason=reason,
            decision=decision,
            today=today,
        )

    if target == "applied":
        return
    if target == "returned":
        step("return", "reviewer", "请补充户籍证明复印件")
        return
    row = step("review", "reviewer")
    if target == "rejected":
        step("county_reject", "county", "已享受同类机构养老服务，不重复保障")
    elif target == "approved":
        step("approve", "county")
    elif target == "manual":
        decision = entitlements.Decision(
            manual_hours=15, manual_note="演示：旗县民政局集体研究确定（人工核定）"
        )
        step("approve", "county", decision=decision)


def _visits_ensure(people: list[OlderPerson], users: dict[str, User], today: dt.date) -> int:
    """Visits of the assistant's village: most visited recently, one long ago (overdue), one risk."""
    visits.visit_schedule_refresh(today=today)
    if VisitRecord.objects.filter(older_person__in=people).exists():
        return 0
    village = users["assistant"].division
    mine = [p for p in people if village is not None and p.division_id == village.pk]
    listed = [p for p in mine if p.lives_alone or p.empty_nest or p.advanced_age or p.left_behind][:12]
    made = 0
    for n, older in enumerate(listed):
        overdue = n == 0
        risk = n == 1
        day = today - dt.timedelta(days=60 if overdue else 1 + n % 5)
        data = visits.VisitData(
            visited_on=day,
            living_conditions="独自居住，室内整洁" if not risk else "独自居住，厨房燃气灶老化",
            health="血压偏高，按时服药",
            risk_found=risk,
            safety_risks="燃气软管老化开裂，有泄漏风险" if risk else "",
            needs="希望每周助洁一次",
            findings="精神状态良好" if not risk else "已提醒关闭燃气总阀，联系子女更换软管",
            follow_up="下次探访复查" if risk else "",
        )
        try:
            visits.visit_record(actor=users["assistant"], older_person_id=older.pk, data=data, today=today)
            made += 1
        except DomainError:
            continue
    visits.visits_overdue_scan(today=today)
    return made


def _provider(users: dict[str, User]) -> Provider | None:
    township = users["caseworker"].division
    if township is None:
        return None
    for provider in Provider.objects.filter(status=ProviderStatus.ACTIVE).prefetch_related("areas__division"):
        if any(township.code.startswith(a.division.short_code) for a in provider.areas.all()):
            return provider
    county = users["county"].division
    demo: Provider | None = Provider.objects.filter(credit_code="91150102MA7DE3H00K").first()
    if demo is None and county is not None:
        demo = Provider.objects.create(
            name="（演示）安居适老化改造服务中心",
            credit_code="91150102MA7DE3H00K",
            division=county,
            status=ProviderStatus.ACTIVE,
        )
        ProviderArea.objects.get_or_create(provider=demo, division=township)
    return demo


def _home_care_ensure(people: list[OlderPerson], users: dict[str, User], today: dt.date) -> int:
    if HomeCareProject.objects.filter(older_person__in=people).exists():
        return 0
    provider = _provider(users)
    made = 0
    bed = next((p for p in people if p.incapacitated and p.capacity_level), None)
    adapt = next(
        (
            p
            for p in people
            if p.pk != getattr(bed, "pk", None) and (p.dibao or p.extreme_poverty or p.advanced_age)
        ),
        None,
    )
    for older, kind, through in ((bed, "family_bed", "subsidise"), (adapt, "home_adaptation", "accept")):
        if older is None:
            continue
        try:
            row = home_care.home_care_apply(
                actor=users["caseworker"], older_person_id=older.pk, kind=kind, today=today
            )
            made += 1
            _home_care_walk(row, through, provider, users, today)
        except DomainError:
            continue
    return made


def _home_care_walk(
    row: HomeCareProject, through: str, provider: Provider | None, users: dict[str, User], today: dt.date
) -> None:
    day = today - dt.timedelta(days=1)

    def step(code: str, who: str = "caseworker", **data: Any) -> HomeCareProject:
        return home_care.home_care_transition(
            actor=users[who],
            project_id=row.pk,
            code=code,
            expected_status=row.status,
            data=home_care.StepData(**data),
            today=today,
        )

    row = step("assess", day=day, note="卧室加装护理床、床边扶手和紧急呼叫器")
    if provider is None:
        return
    row = step("contract", day=day, provider_id=provider.pk, contract_amount=Decimal("4800.00"))
    row = step("build", day=day)
    photo = SimpleUploadedFile("验收照片.png", PNG, content_type="image/png")
    row = step("accept", day=day, note="设施安装牢固，使用培训已完成", photos=[photo])
    if through == "subsidise":
        step("subsidise", "county", day=today)


def demo_ensure() -> list[str]:
    """What this part adds to the demo; returns notes for the demo-setup output."""
    users = _users()
    caseworker = users["caseworker"] if users else None
    if users is None or caseworker is None or caseworker.division is None:
        return []
    people = list(OlderPerson.objects.visible_to(caseworker).filter(active=True).order_by("id")[:400])
    if not people:
        return []
    today = timezone.localdate()
    league = caseworker.division.code[:4] + "00000000"
    created = _parameters_ensure(league)
    made = (
        _entitlements_ensure(people, users, today),
        _visits_ensure(people, users, today),
        _home_care_ensure(people, users, today),
    )
    if not created and not any(made):
        return []
    return [
        f"智慧养老服务（演示参数 {created} 项，{DEMO_SOURCE}，未确认）：服务资格 {made[0]} 件，"
        f"探访记录 {made[1]} 条，家庭养老床位和适老化改造 {made[2]} 件"
    ]
