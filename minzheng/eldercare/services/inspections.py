"""Writes of the 双随机一公开 inspections (issue 17 §8, part ``institutions``): plans, the recorded draw and
its verification, re-draws with a reason, inspection results and rectification.

The draw: a seed from ``secrets`` (256 bits, hex), both pools read and snapshotted into the ``Draw`` row,
``rules.draw_run`` over them, one ``Inspection`` per drawn institution, and an audit event carrying the
seed, the pools and the outcome — so the audit log alone is enough to re-run it. A plan that has a current
draw is re-drawn only with a reason; the old draw is kept (superseded, linked from the new one) and both
changes are audited. Two people drawing at once: the plan row is locked and the caller names the draw it
saw (``expected_current``), so the second gets a conflict instead of a second draw.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import ROLE_CAPABILITIES, Capability
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.common.scoping import code_in_scope
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.eldercare.models.institutions import (
    Draw,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    Institution,
)
from minzheng.eldercare.rules import institutions as rules
from minzheng.eldercare.rules.institutions import DrawStatus, InspectionStatus, InstitutionStatus
from minzheng.eldercare.services.institutions import require_manage
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.keys.eldercare_institutions import CHECKLIST, RECTIFICATION_WORKING_DAYS
from minzheng.policy.selectors import parameter_value

INSPECTOR_ROLES = tuple(
    sorted(r for r, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_ELDERCARE in caps)
)


def plan_create(
    *,
    actor: User,
    county_code: str,
    year: int,
    round_number: int,
    title: str,
    target_number: int | None,
    target_share: Decimal | None,
    inspectors_per_target: int,
    exclude_own_township: bool,
) -> InspectionPlan:
    """A county's plan (county users only: the draw is the county bureau's)."""
    require_manage(actor)
    county = Division.objects.filter(code=county_code, level=Level.COUNTY).first()
    if county is None or not code_in_scope(actor, county_code):
        raise ValidationFailed("只能为本级管辖的旗县制定检查计划", field="county")
    if (target_number is None) == (target_share is None):
        raise ValidationFailed("请填写抽取机构数或抽取比例（二选一）", field="target_number")
    if target_number is not None and target_number < 1:
        raise ValidationFailed("抽取机构数至少为 1", field="target_number")
    if target_share is not None and not (Decimal(0) < target_share <= Decimal(1)):
        raise ValidationFailed("抽取比例应大于 0、不超过 100%", field="target_share")
    if inspectors_per_target < 1:
        raise ValidationFailed("每家至少派 1 名检查人员", field="inspectors_per_target")
    if not title.strip():
        raise ValidationFailed("请填写计划名称", field="title")
    try:
        with transaction.atomic():
            plan = InspectionPlan.objects.create(
                county=county,
                year=year,
                round=round_number,
                title=title.strip(),
                target_number=target_number,
                target_share=target_share,
                inspectors_per_target=inspectors_per_target,
                exclude_own_township=exclude_own_township,
                created_by=actor,
            )
            event_record(
                actor=actor,
                verb="eldercare.inspection_plan_created",
                object_type="eldercare_inspection_plan",
                object_id=plan.pk,
                division_code=county.code,
                summary=f"制定双随机检查计划 {plan.title}",
            )
    except IntegrityError:
        raise Conflict(f"{county.name} {year} 年第 {round_number} 批检查计划已存在", field="round") from None
    return plan


def _target_pool(county: Division) -> list[rules.PoolMember]:
    """The county's operating institutions, as they are now."""
    rows = Institution.objects.filter(county=county, status=InstitutionStatus.OPERATING).values_list(
        "pk", "name", "township__code"
    )
    return [rules.PoolMember(pk, name, code[:9]) for pk, name, code in rows]


def _inspector_pool(county: Division) -> list[rules.PoolMember]:
    """Active staff of the county (county office and its townships) whose role manages eldercare."""
    rows = User.objects.filter(
        is_active=True, role__in=INSPECTOR_ROLES, division__code__startswith=county.code[:6]
    ).values_list("pk", "full_name", "username", "division__code", "division__level")
    return [
        rules.PoolMember(pk, full_name or username, code[:9] if level >= Level.TOWNSHIP else "")
        for pk, full_name, username, code, level in rows
    ]


def draw_make(
    *,
    actor: User,
    plan_id: int,
    reason: str = "",
    expected_current: int | None = None,
    seed: str | None = None,
) -> Draw:
    """Draw (or re-draw, with a reason) the plan's targets and inspectors. ``seed`` only for tests and
    demo data; otherwise 32 random bytes from ``secrets``."""
    require_manage(actor)
    reason = reason.strip()
    with transaction.atomic():
        locked = InspectionPlan.objects.visible_to(actor).select_for_update().select_related("county")
        plan = locked.filter(pk=plan_id).first()
        if plan is None:
            raise NotFound("检查计划不存在或不在您的管辖范围内")
        current = Draw.objects.filter(plan=plan, status=DrawStatus.CURRENT).first()
        if current is not None:
            _redraw_allowed(current, reason, expected_current)
        elif expected_current is not None:
            raise Conflict("该计划的抽取记录已变化，请刷新后再试")
        targets, inspectors = _target_pool(plan.county), _inspector_pool(plan.county)
        count = rules.target_count(len(targets), number=plan.target_number, share=plan.target_share)
        if count == 0:
            raise ValidationFailed(f"{plan.county.name} 没有正常运营的养老机构，无法抽取")
        seed = seed or secrets.token_hex(32)
        try:
            outcome = rules.draw_run(
                seed=seed,
                targets=targets,
                inspectors=inspectors,
                count=count,
                per_target=plan.inspectors_per_target,
                exclude_own_township=plan.exclude_own_township,
            )
        except rules.DrawImpossible as error:
            raise ValidationFailed(str(error)) from None
        if current is not None:
            _supersede(actor, current, reason)
        draw = Draw.objects.create(
            plan=plan,
            seed=seed,
            target_pool=rules.pool_as_json(targets),
            inspector_pool=rules.pool_as_json(inspectors),
            target_count=count,
            inspectors_per_target=plan.inspectors_per_target,
            exclude_own_township=plan.exclude_own_township,
            result=outcome.as_json(),
            reason=reason if current else "",
            supersedes=current,
            drawn_by=actor,
            drawn_at=timezone.now(),
        )
        _inspections_create(draw, outcome)
        event_record(
            actor=actor,
            verb="eldercare.inspection_redrawn" if current else "eldercare.inspection_drawn",
            object_type="eldercare_draw",
            object_id=draw.pk,
            division_code=plan.county.code,
            summary=f"{plan.title}：随机抽取 {count} 家机构，随机种子 {seed}"
            + (f"，重新抽取理由：{reason}" if current else ""),
            data={
                **draw.record(),
                "plan": plan.pk,
                "reason": draw.reason,
                "supersedes": current.pk if current else None,
            },
        )
    return draw


def _redraw_allowed(current: Draw, reason: str, expected_current: int | None) -> None:
    if expected_current is not None and expected_current != current.pk:
        raise Conflict("该计划已由他人重新抽取，请刷新后查看最新结果")
    if not reason:
        raise ValidationFailed("该计划已抽取过；重新抽取必须填写理由，原抽取记录将保留并作废", field="reason")
    if current.inspections.exclude(
        status__in=(InspectionStatus.PLANNED, InspectionStatus.CANCELLED)
    ).exists():
        raise Conflict("已有机构录入了检查结果，不能重新抽取")


def _supersede(actor: User, current: Draw, reason: str) -> None:
    if not rules.draw_transition_allowed(current.status, DrawStatus.SUPERSEDED):
        raise Conflict("该抽取记录已作废")
    current.status = DrawStatus.SUPERSEDED
    current.save(update_fields=["status"])  # frees the one-current slot before the new draw is inserted
    for inspection in current.inspections.filter(status=InspectionStatus.PLANNED):
        _transition(actor, inspection, InspectionStatus.CANCELLED, f"重新抽取：{reason}")
    event_record(
        actor=actor,
        verb="eldercare.inspection_draw_superseded",
        object_type="eldercare_draw",
        object_id=current.pk,
        division_code=current.plan.county.code,
        summary=f"抽取记录 {current.pk} 因重新抽取作废：{reason}",
        data={"reason": reason, "seed": current.seed},
    )


def _inspections_create(draw: Draw, outcome: rules.DrawOutcome) -> None:
    inspections = Inspection.objects.bulk_create(
        [Inspection(draw=draw, institution_id=target) for target, _ in outcome.assignments]
    )
    through = Inspection.inspectors.through
    through.objects.bulk_create(
        [
            through(inspection_id=inspection.pk, user_id=user_id)
            for inspection, (_, inspector_ids) in zip(inspections, outcome.assignments, strict=True)
            for user_id in inspector_ids
        ]
    )


def draw_verify(*, actor: User, draw_id: int) -> rules.Verification:
    """Re-run a recorded draw from its row (seed and snapshotted pools) and record that it was checked."""
    draw = Draw.objects.visible_to(actor).select_related("plan__county").filter(pk=draw_id).first()
    if draw is None:
        raise NotFound("抽取记录不存在或不在您的管辖范围内")
    verification = rules.draw_verify(draw.record())
    event_record(
        actor=actor,
        verb="eldercare.inspection_draw_verified",
        object_type="eldercare_draw",
        object_id=draw.pk,
        division_code=draw.plan.county.code,
        summary=f"复核抽取记录 {draw.pk}：{'结果一致' if verification.same else '结果不一致'}",
        data={
            "same": verification.same,
            "problem": verification.problem,
            "differences": verification.differences,
        },
    )
    return verification


# --- inspections -----------------------------------------------------------------------------------------


def checklist_for(county_code: str, on_date: dt.date) -> tuple[tuple[tuple[str, str], ...], str]:
    """The county's configured checklist, else the built-in GB 38600-2019 headings (UNCONFIRMED)."""
    try:
        resolved = parameter_value(CHECKLIST, county_code, on_date)
    except ParameterMissing:
        return rules.BUILTIN_CHECKLIST, rules.BUILTIN_CHECKLIST_SOURCE
    return rules.checklist_from_parameter(resolved.value), resolved.source or "本地检查清单"


def rectification_due(county_code: str, inspected_on: dt.date) -> tuple[dt.date | None, bool, str]:
    """(due date, provisional, note): the parameter's working days after the inspection day
    (``common.workdays``), or no date and a 需人工核定 note naming the missing parameter."""
    try:
        days = int(parameter_value(RECTIFICATION_WORKING_DAYS, county_code, inspected_on).value)
    except ParameterMissing:
        return None, False, "需人工核定：未设定“养老机构检查限期整改的期限”参数，请人工填写整改期限"
    due = due_date(inspected_on, WorkingDays(days), working_calendar())
    return due.due_on, due.provisional, f"检查日后 {days} 个工作日"


def _transition(actor: User, inspection: Inspection, target: str, note: str = "") -> None:
    source = inspection.status
    if not rules.inspection_transition_allowed(source, target):
        raise Conflict(
            f"该检查当前为“{InspectionStatus(source).label}”，不能改为“{InspectionStatus(target).label}”"
            "（可能已由他人办理，请刷新）"
        )
    inspection.status = target
    inspection.save()
    InspectionEvent.objects.create(
        inspection=inspection,
        from_status=source,
        to_status=target,
        actor=actor,
        occurred_at=timezone.now(),
        note=note[:300],
    )
    event_record(
        actor=actor,
        verb=f"eldercare.inspection_{target}",
        object_type="eldercare_inspection",
        object_id=inspection.pk,
        division_code=inspection.institution.township.code,
        summary=f"{inspection.institution.name}：{InspectionStatus(target).label}"
        + (f"（{note}）" if note else ""),
        data={"from": source, "to": target, "result": inspection.result},
    )


def _locked(actor: User, inspection_id: int) -> Inspection:
    inspection = (
        Inspection.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("draw__plan__county", "institution__township")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise NotFound("检查记录不存在或不在您的管辖范围内")
    return inspection


def inspection_record(
    *,
    actor: User,
    inspection_id: int,
    inspected_on: dt.date,
    answers: dict[str, str],
    findings: str,
    result: str,
    today: dt.date,
    manual_due_on: dt.date | None = None,
) -> Inspection:
    """Record the checklist, findings and result. 限期整改/不合格 get the deadline from the parameter; when it
    is missing the caller's ``manual_due_on`` is taken (人工核定) or the record is refused."""
    require_manage(actor)
    if result not in rules.InspectionResult.values:
        raise ValidationFailed("请选择检查结果", field="result")
    if inspected_on > today:
        raise ValidationFailed("检查日期不能晚于今天", field="inspected_on")
    with transaction.atomic():
        inspection = _locked(actor, inspection_id)
        if inspected_on < timezone.localdate(inspection.draw.drawn_at):
            raise ValidationFailed("检查日期不能早于抽取日期", field="inspected_on")
        items, source = checklist_for(inspection.draw.plan.county.code, inspected_on)
        missing = [label for code, label in items if answers.get(code) not in rules.ChecklistAnswer.values]
        if missing:
            raise ValidationFailed(f"检查清单还有 {len(missing)} 项未填写：{missing[0]}", field="checklist")
        failed = [code for code, _ in items if answers[code] == rules.ChecklistAnswer.NOT_MET]
        if result == rules.InspectionResult.PASSED and failed:
            raise ValidationFailed("检查清单有不符合项，结果不能为合格", field="result")
        if rules.needs_rectification(result) and not findings.strip():
            raise ValidationFailed("限期整改或不合格时请填写发现的问题", field="findings")
        due_on, provisional, note = None, False, ""
        if rules.needs_rectification(result):
            due_on, provisional, note = rectification_due(inspection.draw.plan.county.code, inspected_on)
            if due_on is None and manual_due_on is None:
                raise ValidationFailed(note, field="manual_due_on", code="needs_manual_determination")
            if due_on is None and manual_due_on is not None:
                if manual_due_on <= inspected_on:
                    raise ValidationFailed("整改期限应晚于检查日期", field="manual_due_on")
                due_on, note = manual_due_on, "人工核定（未设定期限参数）"
        inspection.inspected_on, inspection.findings, inspection.result = (
            inspected_on,
            findings.strip(),
            result,
        )
        inspection.checklist = [
            {"code": code, "label": label, "answer": answers[code]} for code, label in items
        ]
        inspection.checklist_source = source[:200]
        inspection.rectification_due_on, inspection.due_provisional, inspection.due_note = (
            due_on,
            provisional,
            note,
        )
        _transition(actor, inspection, InspectionStatus.RECORDED, str(rules.InspectionResult(result).label))
    return inspection


def inspection_rectify(
    *, actor: User, inspection_id: int, rectified_on: dt.date, note: str, today: dt.date
) -> Inspection:
    """Record the rectification of an institution found 限期整改 or 不合格 (late ones too: the list shows
    them as overdue until then, and the public page shows the date)."""
    require_manage(actor)
    if not note.strip():
        raise ValidationFailed("请填写整改情况", field="note")
    if rectified_on > today:
        raise ValidationFailed("整改完成日期不能晚于今天", field="rectified_on")
    with transaction.atomic():
        inspection = _locked(actor, inspection_id)
        if not rules.needs_rectification(inspection.result):
            raise Conflict("该检查结果为合格，无需整改")
        if inspection.inspected_on and rectified_on < inspection.inspected_on:
            raise ValidationFailed("整改完成日期不能早于检查日期", field="rectified_on")
        inspection.rectified_on, inspection.rectification_note = rectified_on, note.strip()
        _transition(actor, inspection, InspectionStatus.RECTIFIED, f"整改完成于 {rectified_on:%Y-%m-%d}")
    return inspection


def draw_summary(draw: Draw) -> dict[str, Any]:
    """Names for the outcome (for pages): ``[{target, name, inspectors: [names]}]`` from the snapshot."""
    targets = {m["id"]: m["name"] for m in draw.target_pool}
    people = {m["id"]: m["name"] for m in draw.inspector_pool}
    return {
        "rows": [
            {
                "target": a["target"],
                "name": targets.get(a["target"], "—"),
                "inspectors": [people.get(i, "—") for i in a["inspectors"]],
            }
            for a in draw.result
        ]
    }
