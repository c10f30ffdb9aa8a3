"""Demo data of eldercare: older people and capacity assessment (issue 17 §1–2). Idempotent; seconds.

- Runs the set-based refresh, so every demo person aged 60+ is in the register.
- Gives a few older people of the demo township contacts, one of them the guardian; one contact of an older
  person has the phone of the demo portal account (``demo.portal``), so the family-ordering path
  (``CareContact.phone_index == PortalAccount.phone_index``) works in the demo.
- Loads stand-in level cut-offs and a re-assessment period for the demo leagues, marked
  **演示数据：非政策文件，仅供试用** and 未确认 (the way ``demo.parameters`` does it; GB/T 42195-2022's own
  cut-offs were not found and are never built in). They are deliberately round figures, not the standard's.
  No level ↔ 特困 self-care mapping is loaded: completing an assessment in the demo changes no one's
  self-care tier, and the result page says so.
- Records a few completed assessments through the services as the demo caseworker, one of them due for
  re-assessment within the month.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Role
from minzheng.common import crypto
from minzheng.common.masking import mask_phone
from minzheng.demo.accounts import demo_township
from minzheng.demo.parameters import demo_leagues
from minzheng.eldercare.models import CapacityAssessment, CareContact, OlderPerson
from minzheng.eldercare.rules.assessment import ITEMS
from minzheng.eldercare.services.assessment import AssessmentData, assessment_complete, assessment_create
from minzheng.eldercare.services.people import older_people_refresh
from minzheng.policy.keys.eldercare_assessment import LEVEL_BANDS, REASSESSMENT_MONTHS
from minzheng.policy.models import Parameter
from minzheng.portal.models import PortalAccount
from minzheng.registry.services import PHONE_INDEX

DEMO_SOURCE = "演示数据：非政策文件，仅供试用（老年人能力评估）"
DEMO_VALID_FROM = dt.date(2024, 1, 1)  # before the oldest demo assessment (350 days back)
DEMO_BANDS = [
    {"level": "intact", "min_total": 81, "max_total": 90},
    {"level": "mild", "min_total": 61, "max_total": 80},
    {"level": "moderate", "min_total": 41, "max_total": 60},
    {"level": "severe", "min_total": 21, "max_total": 40},
    {"level": "complete", "min_total": 0, "max_total": 20},
]  # round demo stand-ins, NOT the standard's cut-offs
DEMO_REASSESSMENT_MONTHS = 12
# (relation, name, phone, guardian) for the first older people of the township
DEMO_CONTACTS = (
    ("child", "演示·子女甲", "13800471001", True),
    ("child_in_law", "演示·儿媳乙", "13800471002", False),
    ("neighbour", "演示·邻居丙", "13800471003", False),
    ("village_staff", "演示·社区网格员", "13800471004", False),
)
# (days before today, total score): one due for re-assessment within the month
DEMO_ASSESSMENTS = ((20, 88), (45, 66), (350, 47), (90, 28))


def _parameters_ensure() -> int:
    from minzheng.policy.services import parameter_import  # noqa: PLC0415 - as demo.parameters

    entries = []
    for code in demo_leagues():
        for key, value in ((LEVEL_BANDS, DEMO_BANDS), (REASSESSMENT_MONTHS, DEMO_REASSESSMENT_MONTHS)):
            if Parameter.objects.filter(key=key, division__code=code).exists():
                continue  # the bureau's own figures (or an earlier demo run) stay
            entries.append(
                {
                    "key": key, "division": code, "urban_rural": "",
                    "valid_from": DEMO_VALID_FROM.isoformat(), "valid_to": None, "value": value,
                    "status": "unconfirmed", "source": DEMO_SOURCE,
                    "note": "演示替代值，并非 GB/T 42195-2022 的分值段；正式使用前请按标准原文或本地文件替换",
                }
            )  # fmt: skip
    if entries:
        document = {"format_version": 1, "kind": "minzheng.policy-parameters", "parameters": entries}
        parameter_import(actor=None, text=json.dumps(document, ensure_ascii=False))
    return len(entries)


def _contact(older: OlderPerson, relation: str, name: str, phone: str, guardian: bool) -> bool:
    index = crypto.blind_index(phone, purpose=PHONE_INDEX)
    if CareContact.objects.filter(older_person=older, phone_index=index).exists():
        return False
    if guardian and CareContact.objects.filter(older_person=older, is_guardian=True).exists():
        guardian = False
    CareContact.objects.create(
        older_person=older, name=name, relation=relation, phone_encrypted=crypto.encrypt(phone),
        phone_index=index, phone_masked=mask_phone(phone), is_guardian=guardian, may_order=True,
        note="演示数据",
    )  # fmt: skip
    return True


def _family_contact(prefix: str) -> str:
    """The demo portal account becomes a family member (child) of an older person: one of its own household
    if there is one, else the township's first older person who is not the account holder."""
    account = (
        PortalAccount.objects.filter(person__household__hukou_division__code__startswith=prefix)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if account is None or not account.phone_index:
        return ""
    existing = CareContact.objects.filter(phone_index=account.phone_index).select_related(
        "older_person__person"
    )
    if existing.exists():
        return existing.first().older_person.person.name  # type: ignore[union-attr]
    candidates = OlderPerson.objects.filter(active=True, division__code__startswith=prefix)
    if account.person is not None:
        candidates = candidates.exclude(person_id=account.person.pk)
    household_id = account.person.household_id if account.person is not None else None
    same_household = candidates.filter(household_id=household_id) if household_id is not None else None
    older = (
        same_household.order_by("pk").first() if same_household is not None else None
    ) or candidates.order_by("pk").first()
    if older is None:
        return ""
    phone = crypto.decrypt(account.phone_encrypted)
    CareContact.objects.create(
        older_person=older, name=account.name or "演示·家属", relation="child",
        phone_encrypted=account.phone_encrypted, phone_index=account.phone_index,
        phone_masked=mask_phone(phone), may_order=True,
        note="演示：救助通账号的家属，可网上下单",
    )  # fmt: skip
    return older.person.name


def _scores(total: int) -> dict[str, int]:
    """Scores adding up to ``total``, the points taken off one at a time across the items (a plausible
    spread rather than whole indicators at zero)."""
    scores = {code: item.maximum for code, item in ITEMS.items()}
    missing = 90 - total
    while missing:
        for code in scores:
            if missing and scores[code]:
                scores[code] -= 1
                missing -= 1
    return scores


def _assessments_ensure(prefix: str) -> int:
    caseworker = User.objects.filter(role=Role.TOWNSHIP_CASEWORKER, division__code__startswith=prefix).first()
    if caseworker is None:
        return 0
    if CapacityAssessment.objects.filter(older_person__division__code__startswith=prefix).exists():
        return 0  # already done on an earlier run
    older_people = list(
        OlderPerson.objects.filter(active=True, division__code__startswith=prefix).order_by(
            "birth_date", "pk"
        )[: len(DEMO_ASSESSMENTS)]
    )
    today = timezone.localdate()
    for older, (days, total) in zip(older_people, DEMO_ASSESSMENTS, strict=False):
        data = AssessmentData(
            assessed_on=today - dt.timedelta(days=days),
            assessor_name="演示·评估员",
            assessor_certificate="演示-0001",
            scores=_scores(total),
        )
        draft = assessment_create(actor=caseworker, older_person_id=older.pk, data=data)
        assessment_complete(actor=caseworker, assessment_id=draft.pk)
    return min(len(DEMO_ASSESSMENTS), len(older_people))


@transaction.atomic
def demo_ensure() -> list[str]:
    """What this part adds to the demo; returns notes for the demo-setup output."""
    outcome = older_people_refresh()
    notes = [f"老年人名册：在册 {outcome.active} 人（新增 {outcome.opened}，移出 {outcome.closed}）"]
    township = demo_township()
    if township is None:
        return notes
    prefix = township.code[:9]
    parameters = _parameters_ensure()
    if parameters:
        notes.append(f"老年人能力评估演示分值段和复评周期（{DEMO_SOURCE}，未确认）：{parameters} 项")
    first = OlderPerson.objects.filter(active=True, division__code__startswith=prefix).order_by("pk")[:4]
    added = sum(_contact(older, *contact) for older, contact in zip(first, DEMO_CONTACTS, strict=False))
    family = _family_contact(prefix)
    if family:
        notes.append(f"智慧养老演示：救助通演示账号是老人 {family} 的家属联系人，可为其网上下单")
    assessed = _assessments_ensure(prefix)
    if added or assessed:
        notes.append(f"智慧养老演示：新增联系人 {added} 个，能力评估 {assessed} 份")
    return notes
