"""Reads of the applicant portal (救助通).

Portal reads are not scoped by a staff jurisdiction (``visible_to``) but by the signed-in account: a
person sees only the household they currently belong to (``account_household``), whatever id a URL or
an API call names (ADR 0020). Staff reads of the QR page are scoped with ``visible_to(actor)`` as usual.
The policy guide and the self-check read published policy parameters, which are not personal data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import AssistanceType, TemporaryRequest
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import AssessmentResult
from minzheng.common.errors import DomainError, NotFound
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.enrolments.models import Enrolment, EnrolmentStatus, Review, ReviewStatus
from minzheng.enrolments.rules import REVIEWED_PROGRAMMES, add_months, month_start
from minzheng.payments.models import PayrollLine
from minzheng.payments.rules import LineKind, PaymentStatus, PayrollStatus
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.rules import PROGRAMMES, ResolvedParameter, Status
from minzheng.portal import rules
from minzheng.portal.models import HouseholdToken, PortalAccount, SignInCode, SignInFailure
from minzheng.registry.choices import DisabilityCategory
from minzheng.registry.models import Household, Membership

PROGRAMME_NAMES = {p.code: p.name for p in PROGRAMMES}
PROGRAMME_BASIS = {p.code: p.legal_basis for p in PROGRAMMES}
REGION_CODE = "150000000000"
QR_SALT = "portal.qr"


# --- sign-in ---------------------------------------------------------------------------------------------


def sign_in_send_history(*, phone_index: str, ip_address: str | None, now: dt.datetime) -> rules.SendHistory:
    hour_ago = now - rules.HOUR
    codes = SignInCode.objects.filter(phone_index=phone_index)
    last = codes.order_by("-created_at").values_list("created_at", flat=True).first()
    by_ip = (
        SignInCode.objects.filter(ip_address=ip_address, created_at__gt=hour_ago).count() if ip_address else 0
    )
    return rules.SendHistory(
        last_sent_at=last,
        phone_sent_last_hour=codes.filter(created_at__gt=hour_ago).count(),
        ip_sent_last_hour=by_ip,
    )


def sign_in_locked_until(*, phone_index: str, now: dt.datetime) -> dt.datetime | None:
    """When the phone's lockout ends, or ``None`` (``rules.locked_until`` over the last failures)."""
    window = now - rules.HOUR - dt.timedelta(minutes=rules.LOCK_MINUTES)
    failures = list(
        SignInFailure.objects.filter(phone_index=phone_index, failed_at__gt=window).values_list(
            "failed_at", flat=True
        )
    )
    return rules.locked_until(failures, now)


# --- the account's household -----------------------------------------------------------------------------


def account_household(*, account: PortalAccount) -> Household | None:
    """The household the account's person belongs to now (open membership), or ``None``."""
    if account.person_id is None:
        return None
    membership = (
        Membership.objects.filter(person_id=account.person_id, left_on__isnull=True)
        .select_related("household__hukou_division")
        .first()
    )
    return membership.household if membership else None


def account_household_require(*, account: PortalAccount) -> Household:
    household = account_household(account=account)
    if household is None:
        raise rules.NotYours(_("未找到您所在的家庭，请联系乡镇（街道）或村（居）委会"), field="household")
    return household


def account_is_member(*, account: PortalAccount, household_id: int) -> bool:
    """The account's person is a current member of the household."""
    if account.person_id is None:
        return False
    return Membership.objects.filter(
        person_id=account.person_id, household_id=household_id, left_on__isnull=True
    ).exists()


def township_of(division: Division) -> Division:
    """The township (乡镇/街道) of a village, or the division itself above village level."""
    if division.level == Level.VILLAGE and division.parent_id is not None:
        parent = Division.objects.filter(pk=division.parent_id).first()
        return parent or division
    return division


# --- the policy guide (政策清单) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One amount or threshold of the guide, with its unit and whether it is confirmed."""

    label: str
    text: str
    unconfirmed: bool = False


@dataclass(frozen=True)
class ProgrammeGuide:
    code: str
    name: str
    who: str
    figures: tuple[Figure, ...]
    documents: tuple[str, ...]
    procedures: tuple[rules.Procedure, ...]
    how_long: str
    legal_basis: str
    missing: tuple[str, ...] = ()  # figures not set for this place (no guess is shown)

    @property
    def unconfirmed(self) -> bool:
        return any(f.unconfirmed for f in self.figures)


@dataclass(frozen=True)
class PolicyGuide:
    division: Division
    urban_rural: str  # "" when the guide shows both
    as_of: dt.date
    programmes: tuple[ProgrammeGuide, ...]

    def programme(self, code: str) -> ProgrammeGuide | None:
        return next((p for p in self.programmes if p.code == code), None)


URBAN_RURAL_TEXT = {"urban": "城镇", "rural": "农村"}


class _Reader:
    """Parameters for one place and date; ``ParameterMissing`` is recorded, not raised."""

    def __init__(self, division_code: str, as_of: dt.date) -> None:
        self.division_code = division_code
        self.as_of = as_of
        self.params = SelectorParams()
        self.missing: list[str] = []

    def get(self, key: str, urban_rural: str = "") -> ResolvedParameter | None:
        try:
            return self.params.get(key, self.division_code, urban_rural, self.as_of)
        except ParameterMissing:
            from minzheng.policy.rules import PARAMETER_KEYS

            label = PARAMETER_KEYS[key].label
            if label not in self.missing:
                self.missing.append(label)
            return None


def _unconfirmed(resolved: ResolvedParameter | None) -> bool:
    return resolved is not None and resolved.status == Status.UNCONFIRMED


def _yuan(value: Any) -> str:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{amount.normalize():f}" if amount == amount.to_integral() else f"{amount:f}"


def _money_figures(reader: _Reader, key: str, label: str, places: list[str], unit: str) -> list[Figure]:
    figures = []
    for place in places:
        resolved = reader.get(key, place)
        if resolved is None:
            continue
        where = f"（{URBAN_RURAL_TEXT[place]}）" if place and len(places) > 1 else ""
        figures.append(Figure(f"{label}{where}", f"{_yuan(resolved.value)} {unit}", _unconfirmed(resolved)))
    return figures


def _guide_dibao(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "共同生活的家庭成员人均月收入低于当地最低生活保障标准，且家庭财产状况符合当地规定"
        "（《最低生活保障审核确认办法》第 3 条）。"
    )
    figures = _money_figures(reader, "dibao.standard_monthly", _("低保标准"), places, _("元/人·月"))
    figures.append(Figure(_("发放金额"), _("按家庭人均收入低于标准的差额，逐月发放")))
    return who, figures


def _guide_extreme_poverty(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人或其义务人无履行能力的老年人、"
        "残疾人和未满 18 周岁的未成年人（《特困人员认定办法》第 4—5 条）。"
    )
    figures = _money_figures(
        reader, "extreme_poverty.basic_living_monthly", _("基本生活标准"), places, _("元/人·月")
    )
    for tier, label in (
        ("full", _("照料护理标准（具备生活自理能力）")),
        ("partial", _("照料护理标准（部分丧失生活自理能力）")),
        ("none", _("照料护理标准（完全丧失生活自理能力）")),
    ):
        figures += _money_figures(reader, f"extreme_poverty.care_monthly.{tier}", label, [""], _("元/人·月"))
    return who, figures


def _guide_temporary(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "因火灾、交通事故、突发重大疾病等意外事件，或因教育、医疗等必需支出突然增加，"
        "基本生活暂时出现严重困难的家庭或个人（民发〔2018〕23号）。"
    )
    figures: list[Figure] = []
    tiers = reader.get("temporary.tiers")
    for place in places:
        standard = reader.get("dibao.standard_monthly", place)
        if tiers is None or standard is None:
            continue
        where = f"（{URBAN_RURAL_TEXT[place]}）" if place and len(places) > 1 else ""
        for tier in tiers.value:
            ceiling = Decimal(str(tier["max_multiple"])) * Decimal(str(standard.value))
            figures.append(
                Figure(
                    f"{tier['label']}{where}",
                    _("一次性，最高 %(amount)s 元（月低保标准的 %(multiple)s 倍）")
                    % {"amount": _yuan(ceiling), "multiple": tier["max_multiple"]},
                    _unconfirmed(tiers) or _unconfirmed(standard),
                )
            )
    return who, figures


def _guide_margin(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    multiple = reader.get("margin.income_multiple")
    figures: list[Figure] = []
    if multiple is not None:
        for place in places:
            standard = reader.get("dibao.standard_monthly", place)
            if standard is None:
                continue
            limit = Decimal(str(multiple.value)) * Decimal(str(standard.value))
            where = f"（{URBAN_RURAL_TEXT[place]}）" if place and len(places) > 1 else ""
            figures.append(
                Figure(
                    _("人均月收入上限%(where)s") % {"where": where},
                    _("%(amount)s 元/人·月（低保标准的 %(multiple)s 倍）")
                    % {"amount": _yuan(limit), "multiple": multiple.value},
                    _unconfirmed(multiple) or _unconfirmed(standard),
                )
            )
    figures.append(Figure(_("救助内容"), _("不发放低保金；可按规定获得医疗、教育、住房、就业等专项救助")))
    who = _(
        "不符合低保、特困条件，家庭人均月收入高于当地低保标准、但低于下列上限，且家庭财产符合规定"
        "（《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》）。"
    )
    return who, figures


def _guide_rigid(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    figures: list[Figure] = []
    income = reader.get("income.previous_year_disposable_per_capita_annual")
    if income is not None:
        figures.append(
            Figure(
                _("上年度居民人均可支配收入"), f"{_yuan(income.value)} {_('元/人·年')}", _unconfirmed(income)
            )
        )
    for key, label in (
        ("rigid_expense.ratio_all", _("刚性支出占家庭总收入比例")),
        ("rigid_expense.ratio_medical_accident", _("医疗和意外支出占家庭总收入比例")),
    ):
        resolved = reader.get(key)
        if resolved is not None:
            percent = (Decimal(str(resolved.value)) * 100).quantize(Decimal(1))
            figures.append(
                Figure(label, _("%(percent)s%% 以上") % {"percent": percent}, _unconfirmed(resolved))
            )
    figures.append(Figure(_("救助内容"), _("可按规定获得医疗、教育等专项救助或临时救助")))
    who = _(
        "不符合低保、特困和低保边缘条件，家庭人均收入低于上年度当地居民人均可支配收入，"
        "且医疗、教育等刚性支出较大（《刚性支出困难家庭认定办法》第 5—6 条）。"
    )
    return who, figures


def _guide_senior(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    brackets = reader.get("senior_allowance.brackets")
    figures: list[Figure] = []
    youngest = None
    for bracket in brackets.value if brackets else []:
        top = bracket["age_max"]
        ages = f"{bracket['age_min']}—{top} 岁" if top is not None else f"{bracket['age_min']} 岁以上"
        figures.append(Figure(ages, f"{_yuan(bracket['amount'])} {_('元/人·月')}", _unconfirmed(brackets)))
        youngest = bracket["age_min"] if youngest is None else min(youngest, bracket["age_min"])
    who = _("本地户籍、年满 %(age)s 周岁的老年人（《老年人权益保障法》第 33 条）。") % {"age": youngest or 80}
    return who, figures


def _guide_disability_living(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _("低保家庭中持有残疾人证的残疾人（国发〔2015〕52号）。")
    figures = _money_figures(reader, "disability.living_subsidy_monthly", _("生活补贴"), [""], _("元/人·月"))
    return who, figures


def _guide_disability_care(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "残疾等级为一级、二级且需要长期照护的重度残疾人，以及当地规定范围内的其他残疾人（国发〔2015〕52号）。"
    )
    tiers = reader.get("disability.care_subsidy_tiers")
    figures = [
        Figure(tier["label"], f"{_yuan(tier['amount'])} {_('元/人·月')}", _unconfirmed(tiers))
        for tier in (tiers.value if tiers else [])
    ]
    return who, figures


def _guide_orphan(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _("父母双方均死亡或被宣告死亡、失踪的未满 18 周岁的未成年人（国办发〔2010〕54号）。")
    figures = _money_figures(reader, "orphan.institutional_monthly", _("集中养育"), [""], _("元/人·月"))
    figures += _money_figures(reader, "orphan.home_monthly", _("散居"), [""], _("元/人·月"))
    return who, figures


def _guide_de_facto_orphan(reader: _Reader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "父母双方均符合重残、重病、服刑、强制隔离戒毒、失联等情形之一，或一方死亡失踪、另一方符合上述情形的"
        "未满 18 周岁儿童（民政部等12部门 2019 年意见）。"
    )
    figures = _money_figures(reader, "de_facto_orphan.monthly", _("基本生活补贴"), [""], _("元/人·月"))
    return who, figures


_GUIDES = {
    "dibao": _guide_dibao,
    "extreme_poverty_support": _guide_extreme_poverty,
    "temporary_assistance": _guide_temporary,
    "margin_household": _guide_margin,
    "rigid_expense_household": _guide_rigid,
    "senior_allowance": _guide_senior,
    "disability_living_subsidy": _guide_disability_living,
    "severe_disability_care_subsidy": _guide_disability_care,
    "orphan_allowance": _guide_orphan,
    "de_facto_orphan_allowance": _guide_de_facto_orphan,
}


def _how_long(code: str, procedures: tuple[rules.Procedure, ...]) -> str:
    if code in rules.ENROLLED_FROM_REGISTRY:
        return _("无需申请：达到年龄的次月起按户籍登记直接纳入发放")
    limits = [p.overall for p in procedures if p.overall]
    if limits:
        return limits[0]
    if code == "temporary_assistance":
        return _("小额快救一般 3 天内办结；急难型可先行救助，事后补办手续")
    steps = [f"{s.label} {s.time_limit}" for p in procedures for s in p.stages if s.time_limit]
    if steps:
        return _("各环节时限：%(steps)s") % {"steps": "；".join(steps)}
    return _("向户籍所在地乡镇（街道）申请，办理时限以当地规定为准")


def policy_guide(*, division: Division, urban_rural: str = "", as_of: dt.date | None = None) -> PolicyGuide:
    """The guide for a place, generated from the programme definitions (policy.rules.PROGRAMMES), the
    workflows (applications.rules) and the parameters in force there on ``as_of``. ``urban_rural`` ""
    shows urban and rural figures side by side. A figure not set for the place is listed as missing."""
    as_of = as_of or timezone.localdate()
    places = [urban_rural] if urban_rural else ["urban", "rural"]
    guides = []
    for code in rules.GUIDE_ORDER:
        reader = _Reader(division.code, as_of)
        who, figures = _GUIDES[code](reader, places)
        procedures = tuple(rules.procedure_of(w) for w in rules.PROGRAMME_WORKFLOWS.get(code, ()))
        guides.append(
            ProgrammeGuide(
                code=code,
                name=PROGRAMME_NAMES[code],
                who=who,
                figures=tuple(figures),
                documents=tuple(str(kind.label) for kind in rules.documents_of(code)),
                procedures=procedures,
                how_long=_how_long(code, procedures),
                legal_basis=PROGRAMME_BASIS[code],
                missing=tuple(reader.missing),
            )
        )
    return PolicyGuide(division, urban_rural, as_of, tuple(guides))


def policy_divisions() -> list[Division]:
    """The region and its current leagues/cities and counties, for the place chooser of the guide."""
    return list(
        Division.objects.filter(level__lte=Level.COUNTY, abolished_on__isnull=True, code__startswith="15")
        .order_by("code")
        .only("code", "name", "level")
    )


def policy_place(*, account: PortalAccount | None, code: str = "") -> tuple[Division, str]:
    """Where the guide is for: the account's household (its hukou division and urban/rural type), else
    the county chosen (``code``), else the region."""
    if account is not None and not code:
        household = account_household(account=account)
        if household is not None:
            return household.hukou_division, household.urban_rural
    chosen = None
    if code:
        chosen = Division.objects.filter(
            code=code.strip().ljust(12, "0")[:12], level__lte=Level.COUNTY, abolished_on__isnull=True
        ).first()
    chosen = (
        chosen
        or Division.objects.filter(code=REGION_CODE).first()
        or Division.objects.order_by("code").first()
    )
    if chosen is None:
        raise NotFound(_("尚未导入行政区划"), field="division")
    return chosen, ""


# --- self-check (自助测算) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfCheckRow:
    programme: str
    name: str
    outcome: str  # "try" (可以尝试申请), "unlikely" (可能不符合), "unknown" (无法估算)
    reasons: tuple[str, ...]
    monthly_amount: Decimal | None = None
    one_off_amount: Decimal | None = None
    unconfirmed: bool = False


def _member_text(text: str, count: int) -> str:
    """Engine messages name members by key (成员“1”) and disability by code; the person reads
    “第 1 位成员：” and the category's label."""
    for key in range(1, count + 1):
        text = text.replace(f"成员“{key}”", _("第 %(n)s 位成员：") % {"n": key})
    for category in DisabilityCategory:
        if category.value:
            text = text.replace(f"（{category.value} ", f"（{category.label} ")
    return text.replace("：：", "：")


def _main_reasons(result: AssessmentResult, count: int) -> tuple[str, ...]:
    if result.eligible:
        chosen = [r for r in result.reasons if r.value not in (False, None)][-2:]
    else:
        chosen = [r for r in result.reasons if r.value is False][:3] or list(result.reasons[-1:])
    return tuple(_member_text(r.message_zh, count) for r in chosen)


def self_check_run(*, answers: rules.SelfCheckAnswers, today: dt.date | None = None) -> list[SelfCheckRow]:
    """Run the benefit engine (``benefits.engine.assess``) on the answers, programme by programme, with
    the parameters in force for the chosen place. Nothing is stored. A programme the engine cannot
    estimate (a parameter missing, an answer it needs) is listed as 无法估算 with the engine's message."""
    today = today or timezone.localdate()
    params = SelectorParams()
    try:
        months = int(params.get("income.reference_period_months", answers.division_code, "", today).value)
    except ParameterMissing:
        months = 12
    facts = rules.self_check_facts(answers, today=today, reference_months=months)
    count = len(answers.members)
    rows: list[SelfCheckRow] = []
    dibao_possible = False
    for programme in rules.SELF_CHECK_PROGRAMMES:
        request = None
        if programme == "temporary_assistance":
            if answers.large_expenses <= 0:
                continue
            request = TemporaryRequest(
                AssistanceType.EXPENDITURE, _("自助测算：近期大额必需支出"), answers.large_expenses
            )
        programme_facts = facts
        if programme in ("disability_living_subsidy", "severe_disability_care_subsidy") and dibao_possible:
            programme_facts = replace(facts, programmes_received=facts.programmes_received | {"dibao"})
        try:
            result = assess(programme, programme_facts, params, temporary_request=request)
        except DomainError as error:
            rows.append(SelfCheckRow(programme, PROGRAMME_NAMES[programme], "unknown", (error.message,)))
            continue
        if programme == "dibao":
            dibao_possible = result.eligible
        rows.append(
            SelfCheckRow(
                programme=programme,
                name=PROGRAMME_NAMES[programme],
                outcome="try" if result.eligible else "unlikely",
                reasons=_main_reasons(result, count),
                monthly_amount=result.monthly_amount if result.eligible and result.monthly_amount else None,
                one_off_amount=result.one_off_amount if result.eligible and result.one_off_amount else None,
                unconfirmed=result.unconfirmed,
            )
        )
    return rows


# --- entitlement list (幸福清单) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementRow:
    enrolment_id: int
    programme: str
    name: str
    person_name: str  # "" for the whole household
    monthly_amount: Decimal
    since: dt.date
    status: str
    status_label: str
    level: str


@dataclass(frozen=True)
class PaymentRow:
    payroll_month: dt.date
    entitlement_month: dt.date
    programme: str
    name: str
    kind: str
    kind_label: str
    amount: Decimal
    status: str
    status_label: str
    settled_on: dt.date | None


@dataclass
class ProgrammeTotal:
    programme: str
    name: str
    received: Decimal = Decimal("0.00")  # 已到账 / 已以其他方式发放
    pending: Decimal = Decimal("0.00")  # 待发放 / 发放失败 (to be paid again)
    months: set[dt.date] = field(default_factory=set)


@dataclass(frozen=True)
class EntitlementList:
    household_id: int
    township_name: str
    current: tuple[EntitlementRow, ...]
    monthly_total: Decimal
    payments: tuple[PaymentRow, ...]
    totals: tuple[ProgrammeTotal, ...]
    from_month: dt.date
    received_total: Decimal

    def payments_by_month(self) -> list[tuple[dt.date, list[PaymentRow]]]:
        grouped: dict[dt.date, list[PaymentRow]] = defaultdict(list)
        for row in self.payments:
            grouped[row.payroll_month].append(row)
        return sorted(grouped.items(), reverse=True)


RECEIVED = frozenset({PaymentStatus.PAID, PaymentStatus.PAID_OTHERWISE})
PENDING = frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED})


def entitlement_list(*, account: PortalAccount, today: dt.date | None = None) -> EntitlementList:
    """惠从何来、惠在何处、惠有多少: the current enrolments of the account's own household and the payroll
    lines of approved payrolls of the last 12 months (this month and the 11 before), totals per programme.
    Raises ``NotYours`` when the account has no current household."""
    household = account_household_require(account=account)
    today = today or timezone.localdate()
    first = add_months(month_start(today), -11)
    enrolments = (
        Enrolment.objects.filter(
            household=household, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED]
        )
        .select_related("person")
        .order_by("programme", "id")
    )
    current = tuple(
        EntitlementRow(
            enrolment_id=e.pk,
            programme=e.programme,
            name=PROGRAMME_NAMES.get(e.programme, e.programme),
            person_name=e.person.name if e.person else "",
            monthly_amount=e.monthly_amount,
            since=e.starts_month,
            status=e.status,
            status_label=e.get_status_display(),
            level=e.level,
        )
        for e in enrolments
    )
    lines = (
        PayrollLine.objects.filter(
            household_id=household.pk, payroll__status=PayrollStatus.APPROVED, payroll__month__gte=first
        )
        .exclude(payment_status=PaymentStatus.OFFSET)
        .select_related("payroll")
        .order_by("-payroll__month", "programme", "-entitlement_month", "id")
    )
    payments = []
    totals: dict[str, ProgrammeTotal] = {}
    for line in lines:
        name = PROGRAMME_NAMES.get(line.programme, line.programme)
        payments.append(
            PaymentRow(
                payroll_month=line.payroll.month,
                entitlement_month=line.entitlement_month,
                programme=line.programme,
                name=name,
                kind=line.kind,
                kind_label=LineKind(line.kind).label,
                amount=line.amount,
                status=line.payment_status,
                status_label=PaymentStatus(line.payment_status).label,
                settled_on=line.settled_on,
            )
        )
        total = totals.setdefault(line.programme, ProgrammeTotal(line.programme, name))
        if line.payment_status in RECEIVED:
            total.received += line.amount
            total.months.add(line.payroll.month)
        elif line.payment_status in PENDING:
            total.pending += line.amount
    ordered = tuple(sorted(totals.values(), key=lambda t: rules.GUIDE_ORDER.index(t.programme)
                           if t.programme in rules.GUIDE_ORDER else 99))  # fmt: skip
    return EntitlementList(
        household_id=household.pk,
        township_name=township_of(household.hukou_division).name,
        current=current,
        monthly_total=sum(
            (r.monthly_amount for r in current if r.status == EnrolmentStatus.ACTIVE), Decimal("0.00")
        ),
        payments=tuple(payments),
        totals=ordered,
        from_month=first,
        received_total=sum((t.received for t in ordered), Decimal("0.00")),
    )


# --- periodic self-report (定期报告) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportItem:
    enrolment_id: int
    programme: str
    name: str
    person_name: str
    review_due_on: dt.date | None  # the open review's due date; None = no review open
    due: bool  # a review is open and due within 30 days (or overdue)
    reported_today: bool
    last_reported_on: str  # ISO date of the latest report, "" when none


@dataclass(frozen=True)
class ReportMember:
    person_id: int
    name: str
    relation: str
    is_head: bool


def self_report_items(*, account: PortalAccount, today: dt.date | None = None) -> list[ReportItem]:
    """The household's current 低保/特困 enrolments that take a 定期报告, with their open review."""
    household = account_household_require(account=account)
    today = today or timezone.localdate()
    enrolments = (
        Enrolment.objects.filter(household=household, programme__in=REVIEWED_PROGRAMMES)
        .exclude(status=EnrolmentStatus.ENDED)
        .select_related("person")
        .order_by("programme", "id")
    )
    reviews = {
        r.enrolment_id: r
        for r in Review.objects.filter(enrolment__in=enrolments, status=ReviewStatus.OPEN).only(
            "enrolment_id", "due_on", "report"
        )
    }
    latest = {
        enrolment_id: max(report) if report else ""
        for enrolment_id, report in Review.objects.filter(enrolment__in=enrolments)
        .exclude(report={})
        .values_list("enrolment_id", "report")
    }
    items = []
    for e in enrolments:
        review = reviews.get(e.pk)
        items.append(
            ReportItem(
                enrolment_id=e.pk,
                programme=e.programme,
                name=PROGRAMME_NAMES.get(e.programme, e.programme),
                person_name=e.person.name if e.person else "",
                review_due_on=review.due_on if review else None,
                due=review is not None and review.due_on <= today + dt.timedelta(days=30),
                reported_today=review is not None and today.isoformat() in (review.report or {}),
                last_reported_on=latest.get(e.pk, ""),
            )
        )
    return items


def self_report_item(
    *, account: PortalAccount, enrolment_id: int, today: dt.date | None = None
) -> ReportItem:
    """One item of ``self_report_items``; ``NotYours`` for any enrolment outside the own household."""
    for item in self_report_items(account=account, today=today):
        if item.enrolment_id == enrolment_id:
            return item
    raise rules.NotYours(_("未找到该在保记录"), field="enrolment_id")


def household_members(*, account: PortalAccount) -> list[ReportMember]:
    """The current members of the account's own household, head first."""
    household = account_household_require(account=account)
    rows = (
        Membership.objects.filter(household=household, left_on__isnull=True, person__death_date__isnull=True)
        .select_related("person")
        .order_by("id")
    )
    members = [
        ReportMember(
            m.person_id, m.person.name, m.get_relation_to_head_display(), m.relation_to_head == "head"
        )
        for m in rows
    ]
    return sorted(members, key=lambda m: not m.is_head)


# --- household QR codes -------------------------------------------------------------------------------------


def qr_signed(token: HouseholdToken) -> str:
    """The value in the QR link: the token's random key, signed — never personal data."""
    return signing.dumps(token.key, salt=QR_SALT)


@dataclass(frozen=True)
class QrLookup:
    token: HouseholdToken | None
    problem: str  # "" when valid


def qr_resolve(*, signed_value: str, now: dt.datetime | None = None) -> QrLookup:
    """The household token behind a scanned link, or the reason it cannot be used (tampered, expired,
    revoked). The signature is checked before the database is asked."""
    now = now or timezone.now()
    try:
        key = signing.loads(
            signed_value, salt=QR_SALT, max_age=dt.timedelta(days=settings.PORTAL_QR_DAYS + 1)
        )
    except signing.SignatureExpired:
        return QrLookup(None, _("二维码已过期，请联系乡镇（街道）或村（居）委会重新打印"))
    except signing.BadSignature:
        return QrLookup(None, _("二维码无效，请确认扫描的是民政部门打印的二维码"))
    token = HouseholdToken.objects.select_related("household__hukou_division").filter(key=str(key)).first()
    if token is None or token.revoked_at is not None:
        return QrLookup(None, _("二维码已作废，请联系乡镇（街道）或村（居）委会重新打印"))
    if token.expires_at <= now:
        return QrLookup(None, _("二维码已过期，请联系乡镇（街道）或村（居）委会重新打印"))
    return QrLookup(token, "")


def household_qr_get(*, actor: Any, household_id: int) -> tuple[Household, HouseholdToken | None]:
    """A household the staff member may see, with its valid token (latest issued), if any."""
    household = (
        Household.objects.visible_to(actor)
        .select_related("hukou_division", "head")
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("家庭不存在或不在您的管辖范围内"), field="household")
    token = (
        HouseholdToken.objects.filter(
            household=household, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-issued_at", "-id")
        .first()
    )
    return household, token
