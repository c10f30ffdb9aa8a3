"""Family care beds and home adaptation: eligibility (capacity level, categories), each step of the
transition table, the provider's area, acceptance photos, the subsidy from parameters or 需人工核定."""
# ruff: noqa: F811, PT018 - fixtures are imported from fixtures_care; paired facts are asserted together

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.common.errors import Conflict, ValidationFailed
from minzheng.eldercare.models import HomeCareEvent
from minzheng.eldercare.services.home_care import StepData, home_care_apply, home_care_transition

from .fixtures_care import PNG, TODAY, far_provider, make_older, provider, set_param  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
DAY = TODAY - dt.timedelta(days=1)


def _go(users, row, code, who="caseworker", **data):
    return home_care_transition(
        actor=users[who],
        project_id=row.pk,
        code=code,
        expected_status=row.status,
        data=StepData(**data),
        today=TODAY,
    )


def _photo():
    return SimpleUploadedFile("验收.png", PNG, content_type="image/png")


def _to_built(users, row, provider, amount="9000.00"):
    row = _go(users, row, "assess", day=DAY, note="卧室加装护理床、呼叫器")
    row = _go(users, row, "contract", day=DAY, provider_id=provider.pk, contract_amount=Decimal(amount))
    return _go(users, row, "build", day=DAY)


def test_family_bed_from_application_to_subsidy(users, make_older, set_param, provider, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    parameter = set_param("eldercare.family_bed.subsidy_per_bed", "3000.00")
    older = make_older(capacity_level="severe", incapacitated=True)
    row = home_care_apply(
        actor=users["caseworker"], older_person_id=older.pk, kind="family_bed", beds=2, today=TODAY
    )
    row = _to_built(users, row, provider)
    with pytest.raises(ValidationFailed, match="验收须上传现场照片"):
        _go(users, row, "accept", day=DAY, note="合格")
    row = _go(users, row, "accept", day=DAY, note="合格", photos=[_photo()])
    assert (row.subsidy_amount, row.subsidy_manual_reason) == (Decimal("6000.00"), "")  # 2 beds × 3,000
    assert row.parameters[0]["id"] == parameter.pk and row.photos.count() == 1
    with pytest.raises(ValidationFailed, match="须由旗县"):
        _go(users, row, "subsidise", day=TODAY)
    row = _go(users, row, "subsidise", who="county", day=TODAY)
    assert row.status == "subsidised"
    assert list(HomeCareEvent.objects.filter(project=row).values_list("action", flat=True)) == [
        "apply",
        "assess",
        "contract",
        "build",
        "accept",
        "subsidise",
    ]


def test_home_adaptation_subsidy_is_capped_by_the_contract_and_manual_without_parameter(
    users, make_older, set_param, provider, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    older = make_older(dibao=True)
    row = home_care_apply(
        actor=users["caseworker"], older_person_id=older.pk, kind="home_adaptation", today=TODAY
    )
    row = _go(
        users,
        _to_built(users, row, provider, "2800.00"),
        "accept",
        day=DAY,
        note="扶手牢固",
        photos=[_photo()],
    )
    assert row.subsidy_amount is None
    assert row.subsidy_manual_reason.startswith("需人工核定：")
    with pytest.raises(ValidationFailed, match="请填写人工核定的补贴金额和核定说明"):
        _go(users, row, "subsidise", who="county", day=TODAY)
    with pytest.raises(ValidationFailed, match="不能超过合同金额"):
        _go(users, row, "subsidise", who="county", day=TODAY, manual_amount=Decimal("3000"), note="按文件")
    row = _go(
        users, row, "subsidise", who="county", day=TODAY, manual_amount=Decimal("2500"), note="旗县核定"
    )
    assert (row.status, row.subsidy_amount, row.manual_note) == ("subsidised", Decimal("2500"), "旗县核定")
    # with a ceiling in force the subsidy is the smaller of ceiling and cost
    set_param("eldercare.home_adaptation.subsidy_ceiling", "3000.00")
    other = make_older(name="钱奶奶", advanced_age=True)
    row = home_care_apply(
        actor=users["caseworker"], older_person_id=other.pk, kind="home_adaptation", today=TODAY
    )
    row = _go(
        users, _to_built(users, row, provider, "2800.00"), "accept", day=DAY, note="合格", photos=[_photo()]
    )
    assert row.subsidy_amount == Decimal("2800.00")


def test_eligibility_area_and_races(users, make_older, provider, far_provider):
    never_assessed = make_older(name="未评估")
    with pytest.raises(ValidationFailed, match="须先完成能力评估"):
        home_care_apply(
            actor=users["caseworker"], older_person_id=never_assessed.pk, kind="family_bed", today=TODAY
        )
    capable = make_older(name="能力完好", capacity_level="intact")
    with pytest.raises(ValidationFailed, match="仅面向经能力评估为失能"):
        home_care_apply(actor=users["caseworker"], older_person_id=capable.pk, kind="family_bed", today=TODAY)
    with pytest.raises(ValidationFailed, match="居家适老化改造面向"):
        home_care_apply(
            actor=users["caseworker"], older_person_id=capable.pk, kind="home_adaptation", today=TODAY
        )
    older = make_older(name="失能", capacity_level="severe", incapacitated=True)
    row = home_care_apply(actor=users["caseworker"], older_person_id=older.pk, kind="family_bed", today=TODAY)
    with pytest.raises(Conflict, match="已有正在办理"):
        home_care_apply(actor=users["caseworker"], older_person_id=older.pk, kind="family_bed", today=TODAY)
    row = _go(users, row, "assess", day=DAY, note="建床")
    with pytest.raises(ValidationFailed, match="服务区域不包括"):
        _go(users, row, "contract", day=DAY, provider_id=far_provider.pk, contract_amount=Decimal("5000"))
    with pytest.raises(ValidationFailed, match="当前状态为“已评估”，不能执行“完工”"):
        _go(users, row, "build", day=DAY)
    with pytest.raises(ValidationFailed, match="须写明理由"):
        _go(users, row, "reject")
    rejected = _go(users, row, "reject", note="家属放弃")
    with pytest.raises(Conflict, match="可能已由他人办理"):
        _go(users, row, "reject", note="again")  # ``row`` still says assessed
    assert rejected.status == "rejected"


def test_every_step_out_of_order_is_refused(users, make_older):
    from minzheng.eldercare.rules import home_care as rules

    older = make_older(name="顺序", dibao=True)
    row = home_care_apply(
        actor=users["caseworker"], older_person_id=older.pk, kind="home_adaptation", today=TODAY
    )
    for transition in rules.TRANSITIONS:
        if "applied" in transition.sources:
            continue
        with pytest.raises(ValidationFailed, match="当前状态为“已申请”"):
            _go(users, row, transition.code, who="county", day=DAY, note="x")
    assert HomeCareEvent.objects.filter(project=row).count() == 1  # the application only
    assert {(s, t.target) for t in rules.TRANSITIONS for s in t.sources} == rules.ALLOWED
