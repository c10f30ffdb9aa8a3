"""Demo data of eldercare: institutions (issue 17 §8). Idempotent (nothing is added once the demo county has
an institution); seconds, not minutes.

In the demo county (新城区): four institutions (公办, 公建民营, 民办 and one 暂停收住) in its townships,
residents chosen among the county's registry people aged 60+ (a 特困 person in 集中供养 where the demo
has one), a few of them discharged, so the occupancy chart has a year of figures; the demo parameter of the
rectification deadline (演示数据, 未确认); a 2026 plan drawn once and re-drawn with a reason (both draws
audited, the first kept as superseded), and its inspections recorded as 合格, 限期整改 (overdue) and
不合格 (rectified) — so every institutions page, the overdue list and the public results page have rows.
The draw is moved 60 days back (demo only) so the inspections can be dated in the past.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from minzheng.accounts.models import User
from minzheng.catalogue.programmes import Programme
from minzheng.common.months import add_months
from minzheng.demo.accounts import COUNTY_CODE
from minzheng.demo.parameters import DEMO_SOURCE, DEMO_VALID_FROM
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.eldercare.models.institutions import Draw, Inspection, Institution, Resident
from minzheng.eldercare.rules.institutions import BUILTIN_CHECKLIST
from minzheng.eldercare.services import inspections
from minzheng.eldercare.services.institutions import InstitutionData, institution_save
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.policy.keys.eldercare_institutions import RECTIFICATION_WORKING_DAYS
from minzheng.policy.models import Parameter
from minzheng.registry.models import Person

# name, kind, beds, nursing beds, care levels, status
INSTITUTIONS = (
    ("新城区社会福利院", "public", 60, 30, ["self_care", "partial", "dependent", "dementia"], "operating"),
    ("新城区颐康养老服务中心", "public_private", 40, 20, ["self_care", "partial", "dependent"], "operating"),
    ("康乐老年公寓", "private", 30, 6, ["self_care", "partial"], "operating"),
    ("夕阳红托老所", "private", 12, 0, ["self_care"], "suspended"),
)


def _credit_code(number: int) -> str:
    body = f"52150102MJ{number:07d}"  # 5 民政, 2 民办非企业单位, 150102 新城区
    return body + uscc.calc_check_digit(body)


def _rectification_parameter(county: Division) -> None:
    if Parameter.objects.filter(key=RECTIFICATION_WORKING_DAYS).exists():
        return
    from minzheng.policy.services import parameter_import

    entry = {
        "key": RECTIFICATION_WORKING_DAYS,
        "division": county.code[:4] + "00000000",  # the demo county's league, as the demo supplement does
        "urban_rural": "",
        "valid_from": DEMO_VALID_FROM.isoformat(),
        "valid_to": None,
        "value": 20,
        "status": "unconfirmed",
        "source": f"{DEMO_SOURCE}（智慧养老）",
        "note": "演示补充参数，正式使用前请按本地文件替换",
    }
    document = {"format_version": 1, "kind": "minzheng.policy-parameters", "parameters": [entry]}
    parameter_import(actor=None, text=json.dumps(document, ensure_ascii=False))


def _institutions(actor: User, county: Division) -> list[Institution]:
    townships = list(
        Division.objects.filter(parent=county, level=Level.TOWNSHIP, abolished_on__isnull=True).order_by(
            "code"
        )
    )
    made = []
    for number, (name, kind, beds, nursing, levels, status) in enumerate(INSTITUTIONS, start=1):
        township = townships[(number - 1) % len(townships)]
        data = InstitutionData(
            name=name,
            credit_code=_credit_code(number),
            kind=kind,
            permit_kind="filing" if number != 1 else "licence",
            township_code=township.code,
            address=f"{township.name}演示路{number}号",
            beds_total=beds,
            nursing_beds=nursing,
            care_levels=levels,
            staff_total=beds // 3 + 2,
            carers=beds // 5 + 1,
            permit_number=f"新民养备{2021 + number}00{number}号",
            permit_on=dt.date(2020 + number, 3, 1),
            status=status,
        )
        made.append(institution_save(actor=actor, data=data))
    return made


def _residents(homes: list[Institution], county: Division, today: dt.date) -> int:
    """Older people of the county spread over the open institutions, one bulk insert."""
    cutoff = add_months(today, -60 * 12)  # 60 years old (《老年人权益保障法》第二条)
    open_homes = [h for h in homes if h.status == "operating"]
    wanted = sum(h.beds_total // 3 for h in open_homes)
    extreme = dict(
        Enrolment.objects.filter(
            programme=Programme.EXTREME_POVERTY_SUPPORT,
            status=EnrolmentStatus.ACTIVE,
            person__isnull=False,
            household__hukou_division__code__startswith=county.code[:6],
        ).values_list("person_id", "pk")
    )
    candidates = Person.objects.filter(
        household__hukou_division__code__startswith=county.code[:6], birth_date__lte=cutoff
    ).exclude(pk__in=Resident.objects.filter(left_on__isnull=True).values("person_id"))
    # 特困 people first, so 集中供养 shows in the demo
    people = list(candidates.filter(pk__in=list(extreme)).order_by("pk").values_list("pk", flat=True))
    people += list(
        candidates.exclude(pk__in=list(extreme)).order_by("pk").values_list("pk", flat=True)[:wanted]
    )
    people = people[:wanted]
    # round robin over the open institutions, so each has residents however few older people there are
    slots = [
        (home, slot)
        for slot in range(max(h.beds_total // 3 for h in open_homes))
        for home in open_homes
        if slot < home.beds_total // 3
    ]
    rows = []
    for cursor, (person, (home, slot)) in enumerate(zip(people, slots, strict=False), start=1):
        admitted = today - dt.timedelta(days=30 + (cursor * 37) % 330)
        left = admitted + dt.timedelta(days=45 + slot * 3) if cursor % 6 == 5 else None
        gone = left is not None and left < today
        rows.append(
            Resident(
                institution=home,
                person_id=person,
                admitted_on=admitted,
                left_on=left if gone else None,
                leave_reason="返家居住" if gone else "",
                care_level=home.care_levels[slot % len(home.care_levels)],
                institutional_support=person in extreme,
                enrolment_id=extreme.get(person),
            )
        )
    Resident.objects.bulk_create(rows)
    return len(rows)


def _inspections(actor: User, checker: User, county: Division, today: dt.date) -> int:
    plan = inspections.plan_create(
        actor=actor,
        county_code=county.code,
        year=today.year,
        round_number=1,
        title=f"{today.year}年第一批双随机抽查",
        target_number=3,
        target_share=None,
        inspectors_per_target=2,
        exclude_own_township=True,
    )
    first = inspections.draw_make(actor=actor, plan_id=plan.pk)
    draw = inspections.draw_make(
        actor=checker,
        plan_id=plan.pk,
        reason="演示：原抽中的检查人员须回避，经分管领导同意重新抽取",
        expected_current=first.pk,
    )
    drawn_at = timezone.now() - dt.timedelta(days=60)
    Draw.objects.filter(pk__in=[first.pk, draw.pk]).update(drawn_at=drawn_at)
    planned = list(Inspection.objects.filter(draw=draw).order_by("pk"))
    met = {code: "met" for code, _ in BUILTIN_CHECKLIST}
    outcomes = (
        ("passed", met, ""),
        ("rectify", {**met, "fall": "not_met"}, "部分走廊未安装扶手，卫生间无防滑措施"),
        (
            "failed",
            {**met, "basic_rules": "not_met", "management": "not_met"},
            "消防通道堵塞，未开展应急演练",
        ),
    )
    for inspection, (result, answers, findings) in zip(planned, outcomes, strict=False):
        inspections.inspection_record(
            actor=actor,
            inspection_id=inspection.pk,
            inspected_on=today - dt.timedelta(days=50),
            answers=answers,
            findings=findings,
            result=result,
            today=today,
        )
        if result == "failed":
            inspections.inspection_rectify(
                actor=actor,
                inspection_id=inspection.pk,
                rectified_on=today - dt.timedelta(days=20),
                note="已清理消防通道并组织全员应急演练",
                today=today,
            )
    return len(planned)


def demo_ensure() -> list[str]:
    """What this part adds to the demo; returns notes for the demo-setup output."""
    county = Division.objects.filter(code=COUNTY_CODE).first()
    actor = User.objects.filter(username="county").first()
    checker = User.objects.filter(username="checker").first() or actor
    if county is None or actor is None or checker is None:
        return []
    if Institution.objects.filter(county=county).exists():
        return []
    today = timezone.localdate()
    with transaction.atomic():
        _rectification_parameter(county)
        homes = _institutions(actor, county)
        residents = _residents(homes, county, today)
        inspected = _inspections(actor, checker, county, today)
    beds = sum(h.beds_total for h in homes)
    return [
        f"养老机构（演示）：{county.name} {len(homes)} 家、床位 {beds} 张、入住老人 {residents} 人；"
        f"双随机抽查 1 个计划（重新抽取 1 次），检查 {inspected} 家"
    ]


__all__ = ["demo_ensure"]
