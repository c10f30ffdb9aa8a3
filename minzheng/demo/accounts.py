"""Demo staff logins, one per role, placed so that each sees seeded households (issue 2 §8).

The township and village are the first (by code) under 新城区 (150102) that have villages, which
with the NBS 2023 data is 海拉尔东路街道 (150102001) and its first community. ``demo_population_seed``
puts about a tenth of the households into that township.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Role
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level

DEMO_PASSWORD = "Minzheng@2026"  # noqa: S105 - published demo password, never used in production
REGION_CODE = "150000000000"
PREFECTURE_CODE = "150100000000"  # 呼和浩特市
COUNTY_CODE = "150102000000"  # 新城区
PREFERRED_TOWNSHIP_CODE = "150102001000"  # 海拉尔东路街道

# (username, role, division slot, full name)
DEMO_ACCOUNTS: tuple[tuple[str, Role, str, str], ...] = (
    ("assistant", Role.VILLAGE_ASSISTANT, "village", "演示·村级协理员"),
    ("caseworker", Role.TOWNSHIP_CASEWORKER, "township", "演示·乡镇经办人"),
    ("reviewer", Role.TOWNSHIP_REVIEWER, "township", "演示·乡镇审核人"),
    ("county", Role.COUNTY_APPROVER, "county", "演示·旗县审核确认"),
    # A second county approver so maker ≠ checker (payroll: 编制与审核分离) can be walked through.
    ("checker", Role.COUNTY_APPROVER, "county", "演示·旗县复核"),
    ("prefecture", Role.PREFECTURE_SUPERVISOR, "prefecture", "演示·盟市监管"),
    ("region", Role.REGION_SUPERVISOR, "region", "演示·自治区监管"),
    (Role.AUDITOR, Role.AUDITOR, "region", "演示·审计"),
    ("admin", Role.SYSTEM_ADMIN, "region", "演示·系统管理员"),
    ("careworker", Role.CARE_PROVIDER, "county", "演示·养老服务人员"),  # a provider's worker (eldercare)
    ("registrar", Role.MARRIAGE_REGISTRAR, "county", "演示·婚姻登记员"),
    ("petitions", Role.PETITION_HANDLER, "county", "演示·信访办理"),
    ("orgregistrar", Role.ORGANISATION_REGISTRAR, "county", "演示·社会组织登记管理"),
    ("orgsupervisor", Role.ORGANISATION_SUPERVISOR, "county", "演示·业务主管单位"),
    ("yibao", Role.DEPT_MEDICAL_INSURANCE, "county", "演示·医保部门"),  # answers referrals (departments)
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    role_label: str
    division_code: str
    division_name: str
    password: str


def demo_township() -> Division | None:
    """The demo township: 海拉尔东路街道 if present, else the first township of 新城区 with villages."""
    townships = Division.objects.filter(
        level=Level.TOWNSHIP,
        code__startswith=COUNTY_CODE[:6],
        abolished_on__isnull=True,
        children__isnull=False,
    ).order_by("code")
    return townships.filter(code=PREFERRED_TOWNSHIP_CODE).first() or townships.first()


def demo_divisions() -> dict[str, Division]:
    """The division for each slot; raises ``Division.DoesNotExist`` if the tree lacks one."""
    township = demo_township()
    if township is None:
        raise Division.DoesNotExist(f"区划 {COUNTY_CODE} 下没有乡镇级区划，请先导入内蒙古行政区划")
    village = Division.objects.filter(parent=township, level=Level.VILLAGE).order_by("code").first()
    if village is None:
        raise Division.DoesNotExist(f"区划 {township.code} 下没有村级区划")
    by_code = Division.objects.in_bulk([REGION_CODE, PREFECTURE_CODE, COUNTY_CODE], field_name="code")
    missing = {REGION_CODE, PREFECTURE_CODE, COUNTY_CODE} - set(by_code)
    if missing:
        raise Division.DoesNotExist(f"缺少区划 {', '.join(sorted(missing))}，请先导入内蒙古行政区划")
    return {
        "region": by_code[REGION_CODE],
        "prefecture": by_code[PREFECTURE_CODE],
        "county": by_code[COUNTY_CODE],
        "township": township,
        "village": village,
    }


@transaction.atomic
def demo_users_ensure(*, password: str = DEMO_PASSWORD) -> list[DemoLogin]:
    """Create or reset the demo logins (idempotent): role, division and password are set every time."""
    slots = demo_divisions()
    logins: list[DemoLogin] = []
    created: list[str] = []
    for username, role, slot, full_name in DEMO_ACCOUNTS:
        division = slots[slot]
        user, was_created = User.objects.get_or_create(username=username)
        user.role = role
        user.division = division
        user.full_name = full_name
        user.is_active = True
        user.is_staff = role == Role.SYSTEM_ADMIN
        user.is_superuser = role == Role.SYSTEM_ADMIN
        user.set_password(password)
        user.save()
        if was_created:
            created.append(username)
        logins.append(
            DemoLogin(username, role.value, str(role.label), division.code, division.name, password)
        )
    event_record(
        actor=None,
        verb="demo.users_ensured",
        object_type="user",
        object_id="demo",
        summary=f"演示账号已就绪（新建 {len(created)} 个）",
        data={"created": created},
    )
    return logins
