"""Demo department feeds and one monitoring run, so the demo logins find alerts to work (``demo-setup``).

Deterministic for a given registry and day: the persons are those registered in the demo township
(海拉尔东路街道 or the first township of 新城区; the demo village's people are always among them), drawn
with a fixed seed; the dates are counted back from today so every rule window holds them. Ten feeds of
eight departments (医保, 人社, 残联, 公安, 应急, 教育, 不动产, 市场监管), a few hundred rows in all, are
written as CSV files and imported through the ordinary import service (validation, staging, one
``INSERT … SELECT`` with the blind-index match) as the demo county user, so the batches show on the
部门数据 page; five rows carry valid ID numbers nobody registered (the unmatched list).

Idempotent: once a batch of the channel ``demo`` exists nothing is imported again, and the run happens
only when no run exists yet. Works on PostgreSQL and on the embedded SQLite database (the engine reads
SQLite through the cursor path).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.errors import DomainError
from minzheng.common.identity import make_resident_id
from minzheng.demo.accounts import demo_divisions
from minzheng.divisions.models import Division
from minzheng.monitoring import feeds, rules, services
from minzheng.monitoring.models import Alert, FeedBatch, MonitoringRun
from minzheng.monitoring.rules import FEEDS
from minzheng.registry.models import Household, Person

DEMO_CHANNEL = "demo"
DEMO_FEED_SEED = 2026
MIN_PERSONS = 20  # fewer registered persons in the demo township: no demo feeds


@dataclass(frozen=True)
class _Person:
    pk: int
    id_number: str
    birth_date: dt.date
    is_head: bool
    in_village: bool


Row = list[object]


def _persons(township: Division, village: Division) -> list[_Person]:
    """The living registered persons of the demo township, ordered by id (one query; ID numbers are
    decrypted here only to write the demo files)."""
    heads = set(
        Household.objects.filter(hukou_division__code__startswith=township.short_code).values_list(
            "head_id", flat=True
        )
    )
    rows = (
        Person.objects.filter(
            household__hukou_division__code__startswith=township.short_code, death_date__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "id_number_encrypted", "birth_date", "household__hukou_division__code")
    )
    return [
        _Person(pk, crypto.decrypt(encrypted), birth, pk in heads, code == village.code)
        for pk, encrypted, birth, code in rows
    ]


class _Picker:
    """Draws distinct persons per feed, a quarter of them from the demo village when it has people."""

    def __init__(self, rng: random.Random, persons: Sequence[_Person]) -> None:
        self.rng = rng
        self.village = [p for p in persons if p.in_village]
        self.others = [p for p in persons if not p.in_village]

    def __call__(self, count: int, where: Callable[[_Person], bool] = lambda p: True) -> list[_Person]:
        village = [p for p in self.village if where(p)]
        others = [p for p in self.others if where(p)]
        chosen = self.rng.sample(village, min(len(village), max(1, count // 4)))
        chosen += self.rng.sample(others, min(len(others), count - len(chosen)))
        taken = {p.pk for p in chosen}
        leftover = [p for p in village if p.pk not in taken]  # a small township: fill from the village
        chosen += self.rng.sample(leftover, min(len(leftover), count - len(chosen)))
        return chosen


def _day(rng: random.Random, today: dt.date, newest: int, oldest: int) -> dt.date:
    """A day between ``newest`` and ``oldest`` days before today."""
    return today - dt.timedelta(days=rng.randint(newest, oldest))


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    """The first days of the last ``months`` months, this month included."""
    year, month, out = today.year, today.month, []
    for _ in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def demo_feed_rows(persons: Sequence[_Person], today: dt.date) -> dict[str, tuple[list[str], list[Row]]]:
    """Feed code → (CSV header in the documented Chinese labels, rows); deterministic."""
    rng = random.Random(DEMO_FEED_SEED)  # noqa: S311 - reproducible demo data, not a secret
    pick = _Picker(rng, persons)

    def born_before(years: int) -> Callable[[_Person], bool]:
        limit = dt.date(today.year - years, today.month, min(today.day, 28))
        return lambda p: p.birth_date <= limit

    adults, seniors = born_before(18), born_before(60)
    young_limit = dt.date(today.year - 25, today.month, min(today.day, 28))

    def young(p: _Person) -> bool:
        return p.birth_date > young_limit

    out: dict[str, tuple[list[str], list[Row]]] = {}

    def header(feed: str) -> list[str]:
        return [c.label for c in FEEDS[feed].columns]

    # 医保: medical out-of-pocket costs over 12 months; a few households carry large bills
    medical: list[Row] = []
    kinds = ("医疗", "医疗", "医疗", "康复", "意外伤害")
    for n, person in enumerate(pick(90), 1):
        for k in range(2):
            amount = rng.randint(200, 3000) if n % 9 else rng.randint(9000, 16000)
            medical.append(
                [
                    person.id_number,
                    _day(rng, today, 1, 360),
                    f"{amount}.{rng.randint(0, 99):02d}",
                    rng.choice(kinds),
                    f"YB{today:%Y}{n:04d}{k}",
                ]
            )
    for n in range(5):  # valid ID numbers nobody registered: stored unmatched, listed on the batch page
        unknown = make_resident_id("150102", dt.date(1960 + n, 3, 1 + n), 900 + n)
        medical.append([unknown, _day(rng, today, 1, 200), "860.00", "医疗", f"YB{today:%Y}X{n:03d}"])
    out["medical_expense"] = (header("medical_expense"), medical)
    # 人社: pensions of 12 months for older people, unemployment registrations (heads among them)
    months = _month_starts(today, 12)
    out["pension"] = (
        header("pension"),
        [[p.id_number, m, f"{rng.randint(1200, 3200)}.00"] for p in pick(12, seniors) for m in months],
    )
    out["unemployment"] = (
        header("unemployment"),
        [[p.id_number, _day(rng, today, 5, 80), f"SY{n:05d}"] for n, p in enumerate(pick(16, adults), 1)],
    )
    # 残联: disability certificates, some of grade 1–2 issued in the last three months
    out["disability_certificate"] = (
        header("disability_certificate"),
        [
            [
                p.id_number,
                _day(rng, today, 3, 80) if n % 2 else _day(rng, today, 120, 900),
                rng.choice("1234"),
                f"CJ{n:06d}",
            ]
            for n, p in enumerate(pick(24), 1)
        ],
    )
    # 公安: deaths in the last three months, vehicles
    out["death"] = (header("death"), [[p.id_number, _day(rng, today, 5, 80)] for p in pick(6, seniors)])
    out["vehicle"] = (
        header("vehicle"),
        [
            [p.id_number, _day(rng, today, 30, 2000), f"蒙A{n:05d}", ""]
            for n, p in enumerate(pick(18, adults), 1)
        ],
    )
    # 应急: disaster victims of the last month (one snow event)
    out["disaster_victim"] = (
        header("disaster_victim"),
        [
            [p.id_number, _day(rng, today, 2, 20), "雪灾", f"{rng.randint(500, 8000)}.00", f"ZQ{today:%Y}001"]
            for p in pick(10)
        ],
    )
    # 教育: students from poor families this school year, some without education aid
    school_year = dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    out["student"] = (
        header("student"),
        [
            [
                p.id_number,
                school_year,
                "呼和浩特市第二中学",
                "否" if n % 3 == 0 else "是",
                f"{rng.randint(800, 4000)}.00",
            ]
            for n, p in enumerate(pick(24, young), 1)
        ],
    )
    # 不动产 and 市场监管: properties and businesses
    out["real_estate"] = (
        header("real_estate"),
        [
            [p.id_number, _day(rng, today, 60, 3000), f"蒙(2024)呼和浩特市不动产权第{n:07d}号", ""]
            for n, p in enumerate(pick(26, adults), 1)
        ],
    )
    out["business_registration"] = (
        header("business_registration"),
        [
            [p.id_number, _day(rng, today, 60, 3000), f"92150102MA{n:08d}", "存续" if n % 4 else "注销"]
            for n, p in enumerate(pick(12, adults), 1)
        ],
    )
    return out


def _csv(header: list[str], rows: list[Row]) -> bytes:
    lines = [",".join(header), *(",".join("" if v is None else str(v) for v in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def demo_monitoring_ensure() -> list[str]:
    """Import the demo feeds once and run monitoring once (idempotent); returns the lines ``demo-setup``
    prints, e.g. ``演示监测：导入 8 个部门 10 类部门数据 465 条，监测 8,466 人，预警 82 条（0.8 秒）``."""
    imported = ""
    if not FeedBatch.objects.filter(channel=DEMO_CHANNEL).exists():
        try:
            slots = demo_divisions()
        except Division.DoesNotExist as missing:
            return [f"演示监测：跳过（{missing}）"]
        persons = _persons(slots["township"], slots["village"])
        if len(persons) < MIN_PERSONS:
            township = slots["township"].name
            return [f"演示监测：演示乡镇（{township}）登记人员不足 {MIN_PERSONS} 人，未导入部门数据"]
        imported, problems = _feeds_import(persons)
        if problems:
            return problems
    if MonitoringRun.objects.exists():
        open_alerts = Alert.objects.filter(status__in=[s.value for s in rules.OPEN_STATUSES]).count()
        done = f"{imported}；" if imported else ""
        return [f"演示监测：{done}已运行过监测，未办结预警 {open_alerts:,} 条"]
    done = f"{imported}，" if imported else "已有演示部门数据，"
    try:
        run = services.monitoring_run(actor=None, kind="scheduled")
    except DomainError as error:  # e.g. a threshold missing for a place: say so, demo-setup goes on
        return [f"演示监测：{done}监测未能运行（{error.message}）"]
    return [f"演示监测：{done}监测 {run.population:,} 人，预警 {run.alerts_new:,} 条（{run.seconds} 秒）"]


def _feeds_import(persons: list[_Person]) -> tuple[str, list[str]]:
    """Import every demo feed as the demo county user; returns the summary and any refusal (a bug in
    the generator is reported, not hidden)."""
    actor = User.objects.filter(username="county", is_active=True).first()
    today = timezone.localdate()
    imported = rows = 0
    departments: set[str] = set()
    problems: list[str] = []
    for feed, (header, data) in demo_feed_rows(persons, today).items():
        spec = FEEDS[feed]
        if not data:  # e.g. nobody old enough for a pension in a tiny registry
            continue
        outcome = feeds.feed_import(
            actor=actor,
            feed=feed,
            content=_csv(header, data),
            file_name=f"演示-{spec.department}-{spec.label}-{today:%Y%m%d}.csv",
            channel=DEMO_CHANNEL,
        )
        if outcome.rejected:
            first = outcome.batch.errors[0] if outcome.batch.errors else {}
            where = f"第 {first.get('row')} 行：{first.get('message')}"
            problems.append(f"演示监测：{spec.label}数据被拒收（{where}）")
            continue
        imported += 1
        rows += outcome.batch.rows_total
        departments.add(spec.department)
    return f"导入 {len(departments)} 个部门 {imported} 类部门数据 {rows} 条", problems
