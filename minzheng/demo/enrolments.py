"""Demo enrolments (issue 5): recipients for the seeded demo population, so a payroll month can be
generated, approved, exported, reconciled and reported on the demo data.

``demo_enrolments_ensure`` is called by ``minzheng demo-setup`` after the households and the demo logins
exist. It does nothing once any enrolment exists. The households are assessed **set-based**:

* 低保 with the columnar DuckDB rule (``benefits.columnar``: one snapshot of every stored household, the
  same rule as ``engine.assess``), on the population's "today" (``registry.demo.DEMO_AS_OF``);
* 特困 with ``engine.assess`` on the facts of ``benefits.selectors.household_facts_many`` (four queries for
  all candidates). The registry does not record legal supporters (第 4 条第（三）项); the demo assumes that
  a person **living alone** has none able to support them — stated as the reason of every such enrolment;
* 高龄津贴 with ``allowances.senior_allowance_enrol`` (everyone of a bracket age).

Every enrolment is written with ``bulk_create`` (SQLite too: ``make run``'s embedded database), with
``source=demo`` (演示数据), the article the approval would cite, and one open entitlement period from
``DEMO_START``. Enrolled households without a bank account get a demo account (encrypted, blind-indexed
and masked as the registry does), and the demo township gets a reserve fund with an allocation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.common import crypto
from minzheng.common.errors import DomainError
from minzheng.common.masking import mask_bank_account
from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment, EnrolmentSource, EntitlementPeriod, SupportMode
from minzheng.registry.models import Household
from minzheng.registry.services import BANK_INDEX

DEMO_START = dt.date(2026, 10, 1)  # the month after the demo population's "today" (DEMO_AS_OF)
DEMO_RESERVE = Decimal("50000.00")
DEMO_BANK = "中国农业银行（演示）"
DIBAO_BASIS = "《最低生活保障审核确认办法》第21条（演示数据，按测算结果纳入）"
EP_BASIS = "《特困人员认定办法》第4条、第19条（演示数据，按测算结果纳入）"
EP_ASSUMPTION = "演示数据：独居，假定无法定赡养、抚养、扶养义务人"


def _township_ids(codes: set[str]) -> dict[str, int]:
    townships = {code[:9] + "000" for code in codes}
    return dict(Division.objects.filter(code__in=townships).values_list("code", "id"))


def _dibao_assessed(as_of: dt.date) -> list[dict[str, Any]]:
    """Every stored household assessed for 低保 in DuckDB (one snapshot; ``benefits.columnar``)."""
    from minzheng.benefits import columnar

    con = columnar.duck()
    try:
        columnar.snapshot_load(con, as_of=as_of, division_prefix="")
        columnar.results_compute(con, columnar.stored_params(), as_of)
        return [row for row in columnar.results_rows(con) if row["dibao_eligible"]]
    finally:
        con.close()


def _extreme_poverty_assessed(as_of: dt.date) -> dict[int, tuple[int, Decimal, str]]:
    """Household id → (person id, amount, self-care category) for single-person households whose member
    the engine finds eligible for 特困, assuming no able supporter (see the module docstring)."""
    from minzheng.benefits.columnar import stored_params
    from minzheng.benefits.engine import assess
    from minzheng.benefits.selectors import household_facts_many

    ids = list(Household.objects.filter(member_count=1).values_list("pk", flat=True))
    params = stored_params()
    found: dict[int, tuple[int, Decimal, str]] = {}
    for pk, facts in household_facts_many(ids, as_of).items():
        if len(facts.members) != 1:
            continue
        member = dataclasses.replace(facts.members[0], supporter_status="none")
        try:
            result = assess(
                Programme.EXTREME_POVERTY_SUPPORT,
                dataclasses.replace(facts, members=(member,)),
                params,
                person_key=member.key,
            )
        except DomainError:  # incomplete facts: not enrolled in the demo
            continue
        if result.eligible:
            found[pk] = (int(member.key), result.monthly_amount, result.level)
    return found


def _bank_accounts_ensure(household_ids: set[int]) -> int:
    """Demo accounts for the enrolled households that have none (the payroll pays into the account)."""
    missing = list(Household.objects.filter(pk__in=household_ids, bank_account_encrypted=""))
    for household in missing:
        account = f"62284899{household.pk:011d}"
        household.bank_name = DEMO_BANK
        household.bank_account_encrypted = crypto.encrypt(account)
        household.bank_account_index = crypto.blind_index(account, purpose=BANK_INDEX)
        household.bank_account_masked = mask_bank_account(account)
    Household.objects.bulk_update(
        missing,
        ["bank_name", "bank_account_encrypted", "bank_account_index", "bank_account_masked"],
        batch_size=2000,
    )
    return len(missing)


def _enrol(values: list[Enrolment], reason: str, basis: str) -> None:
    Enrolment.objects.bulk_create(values, batch_size=2000)
    EntitlementPeriod.objects.bulk_create(
        [
            EntitlementPeriod(
                enrolment=e,
                from_month=e.starts_month,
                monthly_amount=e.monthly_amount,
                reason=reason,
                basis=basis,
            )
            for e in values
        ],
        batch_size=2000,
    )


def demo_enrolments_ensure() -> list[str]:
    """Idempotent; returns the lines ``demo-setup`` prints (none when enrolments already exist)."""
    from minzheng.demo.accounts import demo_township
    from minzheng.demo.registry import DEMO_AS_OF
    from minzheng.enrolments.allowances import senior_allowance_enrol
    from minzheng.payments.services import reserve_allocate

    if Enrolment.objects.exists() or not Household.objects.exists():
        return []
    with transaction.atomic():
        dibao = _dibao_assessed(DEMO_AS_OF)
        extreme = _extreme_poverty_assessed(DEMO_AS_OF)
        codes = dict(Household.objects.values_list("pk", "hukou_division__code"))
        townships = _township_ids(set(codes.values()))
        dibao_rows = [
            Enrolment(
                programme=Programme.DIBAO,
                household_id=row["household_id"],
                division_id=townships[str(row["division_code"])[:9] + "000"],
                source=EnrolmentSource.DEMO,
                decision_ref="演示数据",
                starts_month=DEMO_START,
                monthly_amount=Decimal(int(str(row["dibao_amount_fen"]))) / 100,
            )
            for row in dibao
            if row["household_id"] not in extreme and int(str(row["dibao_amount_fen"])) > 0
        ]
        ep_rows = [
            Enrolment(
                programme=Programme.EXTREME_POVERTY_SUPPORT,
                household_id=pk,
                person_id=person,
                division_id=townships[codes[pk][:9] + "000"],
                source=EnrolmentSource.DEMO,
                decision_ref="演示数据",
                starts_month=DEMO_START,
                monthly_amount=amount,
                level=level,
                support_mode=SupportMode.HOME,
            )
            for pk, (person, amount, level) in sorted(extreme.items())
        ]
        _enrol(dibao_rows, "演示数据纳入（低保）", DIBAO_BASIS)
        _enrol(ep_rows, f"演示数据纳入（特困）；{EP_ASSUMPTION}", EP_BASIS)
        seniors = senior_allowance_enrol(month=DEMO_START)
        accounts = _bank_accounts_ensure(set(Enrolment.objects.values_list("household_id", flat=True)))
        persons = sum(int(str(r["persons"])) for r in dibao if r["household_id"] not in extreme)
        lines = [
            f"演示在保对象：低保 {len(dibao_rows):,} 户 {persons:,} 人、特困 {len(ep_rows):,} 人、"
            f"高龄津贴 {seniors.enrolled:,} 人（自 {DEMO_START:%Y年%m月} 起）"
        ]
        if accounts:
            lines.append(f"为 {accounts:,} 户在保家庭补登了演示银行账号")
        township = demo_township()
        county = User.objects.filter(username="county").first()
        if township is not None and county is not None:
            reserve_allocate(
                actor=county,
                township=township,
                amount=DEMO_RESERVE,
                allocated_on=DEMO_START,
                note="演示数据：临时救助备用金",
            )
            lines.append(f"乡镇备用金：{township.name} {DEMO_RESERVE:,.2f} 元")
        event_record(
            actor=None,
            verb="demo.enrolled",
            object_type="enrolment",
            object_id="demo",
            summary=lines[0],
            data={
                Programme.DIBAO: len(dibao_rows),
                "extreme_poverty": len(ep_rows),
                "senior": seniors.enrolled,
            },
        )
    return lines
