"""Demo 信访 matters (issue 20) for ``minzheng demo-setup``: a few in each state in the demo county, filed
through the ordinary services as the demo logins, so the register, a matter's actions, the dashboard, the
portal and the public Q&A are never empty. One complaint names the demo township caseworker (they never see
it); one matter was received 25 days ago and never accepted, so the scan marks it overdue and escalates it.

Idempotent: nothing is filed once any petition exists. Works on PostgreSQL and on the embedded SQLite
database.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.common.identity import make_resident_id
from minzheng.demo.accounts import demo_divisions
from minzheng.petitions import services
from minzheng.petitions.models import Petition
from minzheng.petitions.scan import petitions_parameters_load, petitions_scan
from minzheng.portal.models import PortalAccount

# (subject, kind, matter type, channel, the state to take it to)
MATTERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("低保申请被退回，认为收入核算有误", "complaint", "assistance", "window", "registered"),
    ("临时救助金额偏低", "complaint", "assistance", "letter", "accepted"),
    ("低保金本月未到账", "complaint", "payment", "phone", "assigned"),
    ("特困供养人员护理费标准咨询", "question", "policy", "phone", "handling"),
    ("居家养老服务未按约上门", "complaint", "eldercare", "window", "extended"),
    ("低保边缘家庭如何认定", "question", "policy", "window", "replied"),
    ("申请材料要求过多", "suggestion", "other", "letter", "evaluated"),
    ("高龄津贴发放时间", "question", "policy", "phone", "closed"),
    ("要求恢复已停发的低保", "complaint", "assistance", "letter", "review_requested"),
    ("反映土地承包纠纷", "complaint", "other", "window", "not_accepted"),
)
PUBLIC = {
    "低保边缘家庭如何认定": (
        "什么样的家庭可以认定为低保边缘家庭？",
        "家庭人均收入低于当地低保标准1.5倍、且财产状况符合规定的家庭，可申请认定为低保边缘家庭，向户籍所在地乡镇（街道）提出申请。",
    ),
    "高龄津贴发放时间": (
        "高龄津贴什么时候发放？",
        "高龄津贴按月发放，一般在每月下旬通过社会保障卡发放到本人账户。",
    ),
}


def _walk(petition: Petition, target: str, handler: User, caseworker: User, township_code: str) -> None:
    """Take a registered matter through the services to ``target``."""
    pk = petition.pk
    if target == "registered":
        return
    if target == "not_accepted":
        services.petition_decline(
            actor=handler,
            pk=pk,
            expected_status="registered",
            notice="该事项属于农村土地承包纠纷，请向农业农村部门反映。",
        )
        return
    order = [
        "accepted",
        "assigned",
        "handling",
        "extended",
        "replied",
        "evaluated",
        "closed",
        "review_requested",
    ]
    steps = order[: order.index(target) + 1]
    if target in ("replied", "evaluated", "closed", "review_requested"):
        steps = [s for s in steps if s != "extended"]
    for step in steps:
        status = Petition.objects.values_list("status", flat=True).get(pk=pk)
        if step == "accepted":
            services.petition_accept(
                actor=handler,
                pk=pk,
                expected_status=status,
                notice="您反映的事项已依法受理，将于60日内办结。",
            )
        elif step == "assigned":
            services.petition_assign(
                actor=handler,
                pk=pk,
                expected_status=status,
                division_code=township_code,
                handler_id=caseworker.pk,
            )
        elif step == "handling":
            services.petition_start(actor=caseworker, pk=pk, expected_status=status)
        elif step == "extended":
            services.petition_extend(
                actor=caseworker,
                pk=pk,
                expected_status=status,
                days=20,
                reason="需向服务机构和老人家属核实上门记录",
            )
        elif step == "replied":
            public = PUBLIC.get(petition.subject)
            services.petition_reply(
                actor=caseworker, pk=pk, expected_status=status, text="经核查，已按政策规定答复如下：……",
                publishable=public is not None, public_question=public[0] if public else "",
                public_answer=public[1] if public else "",
            )  # fmt: skip
        elif step == "evaluated":
            services.petition_evaluate(actor=handler, pk=pk, expected_status=status, satisfaction="satisfied")
        elif step == "closed":
            services.petition_close(actor=handler, pk=pk, expected_status=status)
        elif step == "review_requested":
            services.petition_review_request(
                actor=handler, pk=pk, expected_status=status, reason="对处理意见不服"
            )


@transaction.atomic
def demo_petitions_ensure() -> list[str]:
    petitions_parameters_load()
    if Petition.objects.exists():
        return []
    places = demo_divisions()
    handler = User.objects.filter(username="petitions").first()
    caseworker = User.objects.filter(username="caseworker").first()
    if handler is None or caseworker is None:
        return []
    township_code = places["township"].code
    today = timezone.localdate()
    for n, (subject, kind, matter, channel, target) in enumerate(MATTERS):
        number = make_resident_id("150102", dt.date(1960 + n, 3, 1 + n), 300 + n)
        petition = services.petition_register(
            actor=handler,
            data=services.PetitionData(
                channel=channel, kind=kind, matter_type=matter, subject=subject, content=subject,
                name=f"演示信访人{n + 1}", id_number=number, phone=f"1390000{n:04d}",
                received_on=today - dt.timedelta(days=min(n, 5)),
            ),
        )  # fmt: skip
        _walk(petition, target, handler, caseworker, township_code)
    # a repeat of the first matter (same petitioner, same matter type): linked to it
    services.petition_register(
        actor=handler,
        data=services.PetitionData(
            channel="letter", kind="complaint", matter_type="assistance", subject="再次反映低保收入核算问题",
            content="上次反映的问题仍未解决。", name="演示信访人1",
            id_number=make_resident_id("150102", dt.date(1960, 3, 1), 300), phone="13900000000",
        ),
    )  # fmt: skip
    # a complaint naming the demo township caseworker: handled by the county, never shown to the caseworker
    services.petition_register(
        actor=handler,
        data=services.PetitionData(
            channel="window", kind="complaint", matter_type="staff_conduct", subject="反映经办人员态度生硬",
            content="经办人员不一次性告知所需材料。", name="演示信访人12", phone="13900000012",
            division_code=township_code, accused_user_id=caseworker.pk,
        ),
    )  # fmt: skip
    # received 25 days ago and never accepted: the scan marks it overdue and escalates it to the city
    services.petition_register(
        actor=handler,
        data=services.PetitionData(
            channel="letter", kind="complaint", matter_type="payment", subject="医疗救助报销迟迟未办",
            content="三个月前提交的医疗救助申请至今未办。", name="演示信访人13", phone="13900000013",
            received_on=today - dt.timedelta(days=25),
        ),
    )  # fmt: skip
    account = PortalAccount.objects.filter(person__isnull=False).order_by("pk").first()
    if account is not None:
        application = Application.objects.filter(household__memberships__person=account.person).first()
        services.petition_portal_file(
            account=account,
            filing=services.PortalFiling(
                kind="complaint", matter_type="assistance", subject="申请提交后一直没有结果",
                content="网上提交的申请已经一个多月，想了解办理进度。",
                application_id=application.pk if application else None,
            ),
        )  # fmt: skip
    result = petitions_scan(today=today)
    return [
        f"信访演示：{Petition.objects.count()} 件，超期上报 {result.escalated} 件；登录 petitions（信访办理）"
    ]
