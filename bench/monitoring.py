"""Benchmark of issue 6 (动态监测预警): department feed import, the full monitoring run, and the same run
written naively.

    python bench/monitoring.py                      # 2,600,000 people, 12 months of feeds (≈ 3 rows a person)
    python bench/monitoring.py --people 20000       # a small size, to prove it works (≈ 2 minutes)
    python bench/monitoring.py --reuse              # keep the seeded database, re-measure import and run
    python bench/monitoring.py --reuse --baseline /tmp/base   # + the previous code (a checkout) on
                                                    # the same database in the same session: ratios
    python bench/monitoring.py --naive-share 0      # skip the naive ORM sample

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_mon), migrates, imports the
Inner Mongolia divisions, loads the policy figures, seeds --people people (``demo_population_seed``: the
synthetic Inner Mongolia-scale population), enrols the fifth of the households with the lowest
registered income per member in 低保 (one INSERT … SELECT) and refreshes the monitored population, then:

a. feed import: --feed-rows rows (default 3 × people) covering the last 12 months from nine feeds of six
   departments (医保 medical costs; 人社 12 monthly pensions of people over 60, 12 monthly wages of workers,
   unemployment; 残联 disability certificates; 公安 vehicles and deaths; 不动产; 市场监管), about 2 % of them
   ID numbers nobody registered, written as CSV files and imported through ``feeds.feed_import`` (streamed
   validation into a staging COPY, one INSERT … SELECT with the blind-index match): rows/s per file and
   overall; then the largest file again (idempotent: nothing changes);
b. the full monitoring run (``services.monitoring_run``: rematch, population refresh, snapshot PostgreSQL →
   Arrow → DuckDB, the 13 built-in rules, alerts written set-based, escalation) **in a fresh child process**,
   so its peak resident memory (ru_maxrss of that process, DuckDB included: it runs in-process) is the run's
   own and not the seeding's or the import's: wall time, time per phase and per rule, peak RSS; then a
   second run (every hit is a duplicate) in another child process;
c. the same run written naively — every published rule evaluated in Python for one household and one person
   at a time, reading each household, its members, each member's feed records, enrolments, categories and
   thresholds through the ORM and assessing income with the per-household engine — on a --naive-share
   (1 %) sample: its time, extrapolated to the whole population, against the columnar run (the ratio), and
   its hits compared with the columnar run's alerts for the same households (they must agree).

After the import, the largest feed's stored rows are written again by a plain ``COPY`` into the same table
(rolled back): PostgreSQL's floor for the import (bench/speed-monitoring.md).

Prints a table and writes bench/results/monitoring-<timestamp>.json and monitoring-latest.json.
Memory: at 2.6 M people the parent process holds the decrypted ID numbers (≈ 0.7 GB) while writing the files
and one file's content while importing it; the run's peak is reported separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import bench_seed, environment, prepare, recreate_database, setup_django, table_print  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_mon"
DEFAULT_PEOPLE = 2_600_000
FEED_ROWS_PER_PERSON = 3
# feed code → share of the rows
FEED_SHARES = {  # of --feed-rows; 12 monthly rows for each pensioner and each insured worker
    "medical_expense": 0.38,
    "pension": 0.38,
    "wage": 0.075,
    "disability_certificate": 0.06,
    "unemployment": 0.035,
    "vehicle": 0.02,
    "real_estate": 0.035,
    "business_registration": 0.01,
    "death": 0.006,
}
HEADERS = {
    "medical_expense": "身份证号码,结算日期,个人自付金额,费用类别,结算单号",
    "pension": "身份证号码,发放月份,发放金额",
    "wage": "身份证号码,缴费月份,缴费工资",
    "disability_certificate": "身份证号码,发证日期,残疾等级,残疾人证号",
    "unemployment": "身份证号码,失业登记日期,登记编号",
    "vehicle": "身份证号码,登记日期,号牌号码",
    "real_estate": "身份证号码,登记日期,不动产权证号",
    "business_registration": "身份证号码,成立日期,统一社会信用代码,登记状态",
    "death": "身份证号码,死亡日期",
}


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def enrol_and_refresh(share: float) -> dict[str, Any]:
    """低保 enrolments for the ``share`` of households with the lowest registered income per member (one
    INSERT … SELECT; a 低保 household is a low-income one), then the population refresh."""
    from django.db import connection

    from minzheng.enrolments.models import Enrolment
    from minzheng.monitoring.services import population_refresh
    from minzheng.registry.models import Household, IncomeRecord, Membership

    started = time.perf_counter()
    e, h = Enrolment._meta.db_table, Household._meta.db_table
    i, m = IncomeRecord._meta.db_table, Membership._meta.db_table
    buckets = max(1, round(1 / share))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {e} (programme, household_id, division_id, source, status, "  # noqa: S608
            f"starts_month, monthly_amount, level, support_mode, end_reason, decision_ref, created_at, "
            f"updated_at) "
            f"SELECT 'dibao', r.id, r.hukou_division_id, 'legacy', 'active', DATE '2025-01-01', 500, "
            f"'', '', '', '', now(), now() FROM (SELECT h.id, h.hukou_division_id, ntile(%s) OVER "
            f"(ORDER BY coalesce(x.total, 0) / greatest(coalesce(n.members, 1), 1), h.id) AS bucket "
            f"FROM {h} h LEFT JOIN (SELECT household_id, sum(amount) AS total FROM {i} "
            f"GROUP BY household_id) x ON x.household_id = h.id "
            f"LEFT JOIN (SELECT household_id, count(*) AS members FROM {m} "
            f"WHERE left_on IS NULL GROUP BY household_id) n ON n.household_id = h.id) r WHERE r.bucket = 1 "
            f"ON CONFLICT DO NOTHING",
            [buckets],
        )
        enrolled = cursor.rowcount
    opened, _closed = population_refresh()
    return {
        "enrolled_households": enrolled,
        "monitored_persons": opened,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _people() -> tuple[list[str], list[str], list[str]]:
    """ID numbers of everyone, of people over 60 and of working-age people (decrypted once, to write the
    feed files)."""
    from minzheng.common import crypto
    from minzheng.registry.models import Person

    today = dt.datetime.now(tz=dt.UTC).date()
    old, working = dt.date(today.year - 60, 1, 1), dt.date(today.year - 18, 1, 1)
    everyone: list[str] = []
    seniors: list[str] = []
    workers: list[str] = []
    rows = Person.objects.values_list("id_number_encrypted", "birth_date").iterator(chunk_size=20000)
    for encrypted, birth in rows:
        number = crypto.decrypt(encrypted)
        everyone.append(number)
        if birth < old:
            seniors.append(number)
        elif birth < working:
            workers.append(number)
    return everyone, seniors, workers


def _unknown_id(rng: random.Random) -> str:
    from minzheng.common.identity import make_resident_id

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    return make_resident_id("150102", birth, rng.randrange(1000))


def _months(today: dt.date) -> list[dt.date]:
    """The first days of the last 12 months, this one included."""
    year, month, out = today.year, today.month, []
    for _ in range(12):
        out.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def write_feeds(
    directory: Path, total: int, today: dt.date, rng: random.Random
) -> dict[str, tuple[Path, int]]:
    """One CSV per feed, ``total`` rows in all over the last 12 months; amounts skewed as real ones are
    (most medical bills small, a few large), so the rules hit a plausible few per cent."""
    everyone, seniors, workers = _people()
    files: dict[str, tuple[Path, int]] = {}
    months = _months(today)
    kinds = ("医疗", "医疗", "医疗", "康复", "意外伤害")
    grades = ("1", "2", "3", "3", "4", "4", "4")

    def someone(pool: list[str]) -> str:
        return _unknown_id(rng) if rng.random() < 0.02 else pool[rng.randrange(len(pool))]

    for feed, share in FEED_SHARES.items():
        count = int(total * share)
        path = directory / f"{feed}.csv"
        written = 0
        with path.open("w", encoding="utf-8") as out:
            out.write(HEADERS[feed] + "\n")
            if feed in ("pension", "wage"):  # 12 monthly rows per pensioner / worker
                pool = seniors if feed == "pension" else workers
                chosen = rng.sample(pool, min(len(pool), max(1, count // 12)))
                for number in chosen:
                    base = (
                        rng.randrange(150_000, 350_000)
                        if feed == "pension"
                        else rng.randrange(200_000, 800_000)
                    )
                    for month in months:
                        out.write(f"{number},{month},{base / 100:.2f}\n")
                        written += 1
            elif feed == "death":
                for number in rng.sample(everyone, min(len(everyone), count)):
                    out.write(f"{number},{today - dt.timedelta(days=rng.randrange(365))}\n")
                    written += 1
            else:
                for n in range(count):
                    number = someone(everyone)
                    day = today - dt.timedelta(days=rng.randrange(365))
                    if feed == "medical_expense":
                        amount = min(rng.lognormvariate(5.3, 1.2), 200_000.0)  # median ≈ 200 yuan
                        line = f"{number},{day},{amount:.2f},{rng.choice(kinds)},M{n:010d}"
                    elif feed == "disability_certificate":
                        issued = today - dt.timedelta(days=rng.randrange(3650))
                        line = f"{number},{issued},{rng.choice(grades)},D{n:010d}"
                    elif feed == "unemployment":
                        line = f"{someone(workers)},{day},U{n:010d}"
                    elif feed == "vehicle":
                        registered = today - dt.timedelta(days=rng.randrange(3650))
                        line = f"{number},{registered},蒙{chr(65 + n % 12)}{n:07d}"
                    elif feed == "real_estate":
                        line = f"{number},{today - dt.timedelta(days=rng.randrange(7300))},R{n:010d}"
                    else:
                        state = rng.choice(("存续", "注销", "注销"))
                        line = (
                            f"{number},{today - dt.timedelta(days=rng.randrange(3650))},9115{n:014d},{state}"
                        )
                    out.write(line + "\n")
                    written += 1
        files[feed] = (path, written)
    return files


def bench_import(files: dict[str, tuple[Path, int]]) -> dict[str, Any]:
    from minzheng.monitoring.feeds import feed_import

    per_feed = {}
    total_rows = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for feed, (path, _count) in files.items():
        begun = time.perf_counter()
        outcome = feed_import(
            actor=None, feed=feed, content=path.read_bytes(), file_name=path.name, channel="command"
        )
        seconds = time.perf_counter() - begun
        batch = outcome.batch
        if outcome.rejected:
            raise SystemExit(f"{feed} rejected: {batch.errors[:3]}")
        per_feed[feed] = {
            "rows": batch.rows_total,
            "new": batch.rows_new,
            "matched": batch.rows_matched,
            "unmatched": batch.rows_unmatched,
            "seconds": round(seconds, 2),
            "rows_per_s": round(batch.rows_total / seconds),
        }
        total_rows += batch.rows_total
        print(f"  imported {feed}: {batch.rows_total:,} rows in {seconds:.1f} s", flush=True)
    elapsed = time.perf_counter() - started
    largest = max(files, key=lambda f: files[f][1])
    begun = time.perf_counter()
    again = feed_import(
        actor=None, feed=largest, content=files[largest][0].read_bytes(), file_name="again.csv"
    )
    return {
        "feeds": per_feed,
        "departments": sorted({feed_department(f) for f in files}),
        "rows": total_rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(total_rows / elapsed),
        "cpu_s": round(time.process_time() - cpu, 2),
        "reimport_duplicate": again.duplicate_file,
        "reimport_s": round(time.perf_counter() - begun, 2),
    }


def child_import(database_url: str, feed: str, path: str) -> None:
    """``--child-import FEED FILE``: one import in this (fresh) process; prints its figures as JSON."""
    setup_django(database_url)
    from minzheng.monitoring.feeds import feed_import

    content = Path(path).read_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = feed_import(
        actor=None, feed=feed, content=content, file_name=Path(path).name, channel="command"
    )
    seconds = time.perf_counter() - started
    print(json.dumps({
        "rows": outcome.batch.rows_total, "new": outcome.batch.rows_new, "status": outcome.batch.status,
        "seconds": round(seconds, 2), "cpu_s": round(time.process_time() - cpu, 2),
        "rows_per_s": round(outcome.batch.rows_total / seconds), "peak_rss_mb": peak_mb(),
    }))  # fmt: skip


def _feeds_clear() -> None:
    from django.db import connection

    from minzheng.monitoring.models import FeedBatch, FeedRecord

    with connection.cursor() as cursor:
        for model in (FeedRecord, FeedBatch):
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")


def bench_import_baseline(
    database_url: str, baseline: Path, files: dict[str, tuple[Path, int]], rows: int
) -> dict[str, Any]:
    """The first ``rows`` rows of the largest file imported by the previous code and by this code, each in
    a fresh process into the same empty tables of the same database, one after the other: the ratio."""
    from django.db import connection

    largest = max(files, key=lambda f: files[f][1])
    source = files[largest][0]
    sample = source.with_name(f"sample-{source.name}")
    with source.open("rb") as full, sample.open("wb") as out:
        for n, line in enumerate(full):
            if n > rows:
                break
            out.write(line)
    _feeds_clear()
    connection.close()
    before = _child(database_url, baseline, "--child-import", largest, str(sample))
    _feeds_clear()
    connection.close()
    after = _child(database_url, None, "--child-import", largest, str(sample))
    _feeds_clear()
    return {
        "feed": largest, "rows": after["rows"], "baseline": before, "this": after,
        "ratio_rows_per_s": round(after["rows_per_s"] / before["rows_per_s"], 1),
    }  # fmt: skip


def import_floor(feed: str) -> dict[str, Any]:
    """PostgreSQL's own floor for the import of ``feed``: its stored rows written again by a plain ``COPY``
    into the same table with the same indexes (inside a transaction that deletes them first and is rolled
    back): what any import of these rows costs at least."""
    from django.db import connection, transaction

    from minzheng.monitoring.models import FeedRecord

    table = FeedRecord._meta.db_table
    columns = (
        "batch_id, feed, natural_key, row_number, id_index, id_masked, person_id, event_date, amount, "
        "code, payload"
    )
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    query = psycopg.ClientCursor(raw).mogrify(
        f"SELECT {columns} FROM {table} WHERE feed = %s",  # noqa: S608 - the model's table
        [feed],
    )
    data = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
        for chunk in copy:
            data.write(chunk)
    rows = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE feed = %s", [feed])  # noqa: S608 - the model's table
            rows = cursor.rowcount
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(data.getbuffer())
            seconds = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        pass
    return {"feed": feed, "rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


class _RollBack(Exception):
    pass


def feed_department(feed: str) -> str:
    from minzheng.monitoring.rules import FEEDS

    return FEEDS[feed].department


def child_run(database_url: str) -> None:
    """``--child-run``: one monitoring run in this (fresh) process; prints its figures as JSON."""
    setup_django(database_url)
    from minzheng.monitoring.services import monitoring_run

    before = peak_mb()
    started = time.perf_counter()
    run = monitoring_run(actor=None, kind="scheduled")
    seconds = time.perf_counter() - started
    rules = {
        s.rule.code: {"hits": s.hits, "new": s.alerts_new, "ms": s.milliseconds, "error": s.error}
        for s in run.rule_stats.select_related("rule")
    }
    print(json.dumps({
        "run_id": run.pk, "seconds": round(seconds, 2), "population": run.population,
        "households": run.households, "hits": run.hits, "alerts_new": run.alerts_new,
        "alerts_duplicate": run.alerts_duplicate, "phases": run.phase_seconds, "rules": rules,
        "rss_mb_after_django_setup": before, "peak_rss_mb": peak_mb(),
    }))  # fmt: skip


def _child(database_url: str, code: Path | None, *arguments: str) -> dict[str, Any]:
    """This script's child mode in a fresh process; ``code``: a checkout of the previous commit whose
    ``minzheng`` the child imports instead of this one's. Returns the JSON it prints."""
    extra = ["--code", str(code)] if code else []
    done = subprocess.run(  # noqa: S603 - this script, same interpreter
        [sys.executable, __file__, *arguments, *extra, "--database-url", database_url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{arguments[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _runs_clear() -> None:
    """No alerts and no runs (the next run is a first run again)."""
    from django.db import connection

    from minzheng.monitoring.models import Alert, MonitoringRun

    with connection.cursor() as cursor:
        for model in (Alert, MonitoringRun):
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")


def bench_run(database_url: str, baseline: Path | None) -> dict[str, Any]:
    """Two runs, each in a fresh child process (peak memory of the run alone). With ``baseline``, the
    previous code's run first, on the same database and data, then the alerts cleared: the ratio."""
    from django.db import connection

    before = None
    if baseline is not None:
        before = _child(database_url, baseline, "--child-run")
        _runs_clear()
        connection.close()

    def one() -> dict[str, Any]:
        return _child(database_url, None, "--child-run")

    first = one()
    if before is not None:
        first["baseline"] = {
            key: before[key] for key in ("seconds", "phases", "peak_rss_mb", "hits", "alerts_new")
        }
        first["baseline"]["ratio_s"] = round(before["seconds"] / first["seconds"], 2)
        first["baseline"]["ratio_peak_rss"] = round(before["peak_rss_mb"] / first["peak_rss_mb"], 2)
    second = one()
    return {
        **first,
        "second_run_s": second["seconds"],
        "second_run_new": second["alerts_new"],
        "second_run_duplicates": second["alerts_duplicate"],
        "second_run_peak_rss_mb": second["peak_rss_mb"],
    }


# --- the naive run: every published rule, one household and one person at a time, through the ORM -------

Q10 = Decimal("0.0000000001")


def _fold(op: str, values: list[Decimal | None]) -> Decimal | None:
    """``add``/``sub``/``mul`` as the compiled SQL does it: NULL-propagating, back to 10 places each step."""
    result = values[0]
    for value in values[1:]:
        if result is None or value is None:
            return None
        result = result + value if op == "add" else result - value if op == "sub" else result * value
        result = result.quantize(Q10, rounding=ROUND_HALF_UP)
    return result


def _and(values: list[bool | None]) -> bool | None:  # SQL three-valued logic
    return False if False in values else None if None in values else True


def _or(values: list[bool | None]) -> bool | None:
    return True if True in values else None if None in values else False


class NaiveSubject:
    """What one rule evaluation sees for a person or a household, read through the ORM."""

    def __init__(self, household: dict[str, Any], person_id: int | None) -> None:
        self.h = household
        self.person_id = person_id

    def records(self) -> list[tuple[str, dt.date, Decimal | None, str]]:
        people = [self.person_id] if self.person_id is not None else self.h["members"]
        return [r for p in people for r in self.h["records"].get(p, [])]

    def number(self, node: Any) -> Decimal | None:
        from minzheng.common.months import add_months

        if not isinstance(node, dict):
            return Decimal(str(node)).quantize(Q10)
        if "param" in node:
            return self.h["params"](node["param"])
        for op in ("add", "sub", "mul"):
            if op in node:
                return _fold(op, [self.number(item) for item in node[op]])
        name = node["indicator"]
        if name in ("feed_amount", "feed_count"):
            as_of, months, codes = self.h["as_of"], node.get("months", 0), node.get("codes") or None
            start = add_months(as_of, -months) if months else None
            rows = [
                r
                for r in self.records()
                if r[0] == node["feed"]
                and r[1] <= as_of
                and (start is None or r[1] > start)
                and (codes is None or r[3] in codes)
            ]
            if name == "feed_count":
                return Decimal(len(rows))
            amounts = [r[2] for r in rows if r[2] is not None]
            return sum(amounts, Decimal(0)) if amounts else Decimal(0)
        return {
            "income_monthly_per_capita": self.h["income_monthly"],
            "income_annual": self.h["income_annual"],
            "household_size": self.h["size"],
        }[name]

    def truth(self, node: Any) -> bool | None:
        if "all" in node:
            return _and([self.truth(item) for item in node["all"]])
        if "any" in node:
            return _or([self.truth(item) for item in node["any"]])
        if "not" in node:
            inner = self.truth(node["not"])
            return None if inner is None else not inner
        if "flag" in node:
            return self.flag(node)
        left, right = self.number(node["left"]), self.number(node["right"])
        if left is None or right is None:
            return None
        return {
            ">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right,
            "=": left == right, "!=": left != right,
        }[node["op"]]  # fmt: skip

    def flag(self, node: dict[str, Any]) -> bool:
        name, h, person = node["flag"], self.h, self.person_id
        if name == "receives":
            wanted = set(node["programmes"])
            return any(
                programme in wanted and (person is None or owner is None or owner == person)
                for programme, owner in h["enrolments"]
            )
        if name == "in_category":
            wanted = set(node["categories"])
            return any(
                category in wanted and (person is None or owner == person)
                for owner, category in h["categories"]
            )
        if name == "is_head":
            return person in h["heads"]
        return person in h["deceased"]


def naive_household(household_id: int, as_of: dt.date) -> dict[str, Any]:
    """Everything the rules read about one household, query by query (persons' feed records one person
    at a time), as a per-record implementation would."""
    from django.db.models import Q

    from minzheng.benefits.engine import assess
    from minzheng.benefits.providers import SelectorParams
    from minzheng.benefits.selectors import household_facts_many
    from minzheng.common.errors import DomainError
    from minzheng.enrolments.models import Enrolment
    from minzheng.monitoring.models import FeedRecord, MonitoredPerson
    from minzheng.policy.selectors import parameter_value
    from minzheng.registry.models import Household, Membership

    household = Household.objects.select_related("hukou_division").get(pk=household_id)
    members = list(
        Membership.objects.filter(household_id=household_id, joined_on__lte=as_of)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=as_of))
        .select_related("person")
    )
    persons = {m.person_id: m for m in members}
    records = {
        person_id: list(
            FeedRecord.objects.filter(person_id=person_id, event_date__lte=as_of).values_list(
                "feed", "event_date", "amount", "code"
            )
        )
        for person_id in persons
    }
    deceased = {
        pk
        for pk, m in persons.items()
        if (m.person.death_date is not None and m.person.death_date <= as_of)
        or any(r[0] == "death" for r in records[pk])
    }
    income_monthly = income_annual = size = None
    try:
        facts = household_facts_many([household_id], as_of)[household_id]
        result = assess("dibao", facts, SelectorParams())
        if result.per_capita_monthly_income is not None:
            size = Decimal(len(result.counted_members))
            income_monthly = result.per_capita_monthly_income.quantize(Q10)
            income_annual = (income_monthly * 12 * size).quantize(Q10)
    except DomainError:
        pass
    code, kind = household.hukou_division.code, household.urban_rural
    cache: dict[str, Decimal] = {}

    def params(key: str) -> Decimal:
        if key not in cache:
            cache[key] = Decimal(str(parameter_value(key, code, as_of, kind).value)).quantize(Q10)
        return cache[key]

    return {
        "as_of": as_of,
        "members": list(persons),
        "heads": {pk for pk, m in persons.items() if m.relation_to_head == "head"},
        "deceased": deceased,
        "records": records,
        "enrolments": list(
            Enrolment.objects.filter(household_id=household_id, status="active").values_list(
                "programme", "person_id"
            )
        ),
        "categories": list(
            MonitoredPerson.objects.filter(household_id=household_id, valid_from__lte=as_of)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=as_of))
            .values_list("person_id", "category")
        ),
        "income_monthly": income_monthly,
        "income_annual": income_annual,
        "size": size,
        "params": params,
    }


def bench_naive(share: float, rng: random.Random, columnar: dict[str, Any], run_id: int) -> dict[str, Any]:
    """The whole run written naively: for a ``share`` sample of households, read each household and each
    member's feed records with the ORM and evaluate every published rule in Python (an interpreter of
    the same condition language, SQL three-valued logic and exact decimals). Its hits on the sample are
    compared with the columnar run's alerts for the same households (they must be equal)."""
    from minzheng.monitoring.models import Alert, MonitoringRun, WarningRule
    from minzheng.registry.models import Household

    as_of = MonitoringRun.objects.get(pk=run_id).as_of
    published = list(WarningRule.objects.filter(status="published").order_by("code"))
    households = list(Household.objects.values_list("id", flat=True))
    sample = sorted(rng.sample(households, max(1, int(len(households) * share))))
    hits: set[tuple[str, str]] = set()
    persons = 0
    started = time.perf_counter()
    for household_id in sample:
        household = naive_household(household_id, as_of)
        persons += len(household["members"])
        for rule in published:
            if rule.subject == "household":
                subjects = [(NaiveSubject(household, None), f"h:{household_id}")]
            else:
                subjects = [(NaiveSubject(household, p), f"p:{p}") for p in household["members"]]
            for subject, key in subjects:
                try:
                    fired = subject.truth(rule.condition)
                except Exception:  # noqa: BLE001 - a missing parameter: the columnar run records the rule as failed
                    fired = None
                if fired:
                    hits.add((rule.code, key))
    seconds = time.perf_counter() - started
    sample_set = set(sample)
    columnar_hits = {
        (code, key)
        for code, key, household_id in Alert.objects.filter(run_id=run_id).values_list(
            "rule_code", "subject_key", "household_id"
        )
        if household_id in sample_set
    }
    whole = seconds * len(households) / len(sample)
    return {
        "sample_households": len(sample),
        "sample_persons": persons,
        "rules": len(published),
        "seconds": round(seconds, 2),
        "hits": len(hits),
        "columnar_hits_on_sample": len(columnar_hits),
        "hits_agree": hits == columnar_hits,
        "only_naive": sorted(hits - columnar_hits)[:10],
        "only_columnar": sorted(columnar_hits - hits)[:10],
        "extrapolated_all_s": round(whole, 1),
        "ratio_vs_full_run": round(whole / columnar["seconds"], 1),
    }


def print_table(result: dict[str, Any]) -> None:
    imp, run, naive = result["import"], result["run"], result["naive"]
    load = result["load_average"]
    lines = [
        ("measure", "result"),
        (
            "population",
            f"{run['population']:,} people in {run['households']:,} households; "
            f"{result['enrolment']['monitored_persons']:,} monitored",
        ),
        (
            "feed import",
            f"{imp['rows']:,} rows in {imp['seconds']:.1f} s = {imp['rows_per_s']:,} rows/s "
            f"({len(imp['feeds'])} feeds of {len(imp['departments'])} departments, 12 months); "
            f"same file again: duplicate={imp['reimport_duplicate']} in {imp['reimport_s']} s",
        ),
        (
            "full monitoring run",
            f"{run['seconds']:.1f} s wall, {run['hits']:,} hits, {run['alerts_new']:,} alerts; "
            f"peak RSS {run['peak_rss_mb']:,} MB (child process, DuckDB included)",
        ),
        ("  phases (s)", ", ".join(f"{k} {v}" for k, v in run["phases"].items())),
        *_comparison_lines(imp, run),
        ("load average (1/5/15 min)", f"start {load['start']}, end {load['end']} (2 cores, shared)"),
        (
            "second run (all dup.)",
            f"{run['second_run_s']:.1f} s, new {run['second_run_new']}, "
            f"duplicates {run['second_run_duplicates']:,}; peak RSS {run['second_run_peak_rss_mb']:,} MB",
        ),
    ]
    if naive is not None:
        lines.append((
            f"naive ORM, {naive['share'] * 100:g} % sample",
            f"{naive['seconds']:.1f} s for {naive['sample_households']:,} households / "
            f"{naive['sample_persons']:,} persons ({naive['rules']} rules) → "
            f"{naive['extrapolated_all_s']:,} s for all = ×{naive['ratio_vs_full_run']:,} the columnar run; "
            f"hits {naive['hits']:,}, "
            f"agree with the columnar run: {naive['hits_agree']}",
        ))  # fmt: skip
    for code, stat in sorted(run["rules"].items()):
        lines.append((f"  rule {code}", f"{stat['ms']:,} ms, {stat['hits']:,} hits {stat['error']}"))
    table_print(lines)


def _comparison_lines(imp: dict[str, Any], run: dict[str, Any]) -> list[tuple[str, str]]:
    floor = imp["floor_plain_copy"]
    lines = [(
        "floor: plain COPY",
        f"{floor['rows']:,} {floor['feed']} rows into the same table in {floor['seconds']} s = "
        f"{floor['rows_per_s']:,} rows/s; "
        f"the import of that file: {imp['feeds'][floor['feed']]['rows_per_s']:,} rows/s",
    )]  # fmt: skip
    compared = imp.get("compared_with_baseline")
    if compared:
        lines.append((
            "import vs previous code",
            f"{compared['rows']:,} {compared['feed']} rows: {compared['baseline']['rows_per_s']:,} → "
            f"{compared['this']['rows_per_s']:,} rows/s = ×{compared['ratio_rows_per_s']}",
        ))  # fmt: skip
    if "baseline" in run:
        before = run["baseline"]
        lines.append((
            "run vs previous code",
            f"{before['seconds']} s → {run['seconds']} s (×{before['ratio_s']}); peak RSS "
            f"{before['peak_rss_mb']:,} → {run['peak_rss_mb']:,} MB; "
            f"hits {before['hits']:,} → {run['hits']:,}",
        ))  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--feed-rows", type=int, default=None, help="default: 3 × people")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--naive-share", type=float, default=0.01)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_MONITORING_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seeded database (skip drop and seeding)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of the previous commit (e.g. `git worktree add /tmp/base HEAD~1`): its import of "
        "a sample and its run are measured on the same database in the same session, for the ratio",
    )
    parser.add_argument("--baseline-rows", type=int, default=300_000, help="rows of the import sample")
    parser.add_argument("--child-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-import", nargs=2, metavar=("FEED", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.code is not None:  # a child measuring the previous code: import its minzheng
        import run as bench_run_module

        bench_run_module.ROOT = args.code
    if args.child_run:
        child_run(args.database_url)
        return
    if args.child_import:
        child_import(args.database_url, *args.child_import)
        return
    load_start = os.getloadavg()
    feed_rows = args.feed_rows if args.feed_rows is not None else FEED_ROWS_PER_PERSON * args.people

    if not args.reuse:
        print(f"recreating {args.database_url}", flush=True)
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.utils import timezone

    from minzheng.demo.accounts import demo_users_ensure
    from minzheng.monitoring.models import Alert, FeedBatch, FeedRecord, MonitoredPerson, MonitoringRun
    from minzheng.monitoring.services import monitoring_parameters_load, rule_builtin_load
    from minzheng.policy.services import policy_builtin_load
    from minzheng.registry.models import Person

    preparation = prepare(args.reuse)
    demo_users_ensure()
    policy_builtin_load()
    monitoring_parameters_load()
    rule_builtin_load()
    seeded = Person.objects.exists() and args.reuse
    seed = (
        {"people": Person.objects.count(), "reused": True} if seeded else bench_seed(args.people, args.seed)
    )
    if args.reuse:  # start the measured part from no feeds and no alerts
        for model in (Alert, MonitoringRun, FeedRecord, FeedBatch, MonitoredPerson):
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
    today = timezone.localdate()
    rng = random.Random(args.seed)  # noqa: S311 - reproducible synthetic data
    enrolment = enrol_and_refresh(0.2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        files = write_feeds(Path(directory), feed_rows, today, rng)
        written = round(time.perf_counter() - started, 1)
        print(f"  wrote {sum(c for _, c in files.values()):,} feed rows in {written} s", flush=True)
        compared = None
        if args.baseline is not None:
            compared = bench_import_baseline(args.database_url, args.baseline, files, args.baseline_rows)
            print(f"  import sample: ×{compared['ratio_rows_per_s']} the previous code", flush=True)
        imported = bench_import(files)
    imported["files_written_s"] = written
    imported["compared_with_baseline"] = compared
    imported["floor_plain_copy"] = import_floor(
        max(imported["feeds"], key=lambda f: imported["feeds"][f]["rows"])
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    run = bench_run(args.database_url, args.baseline)
    print(f"  monitoring run: {run['seconds']} s, {run['alerts_new']:,} alerts", flush=True)
    naive = (
        {"share": args.naive_share, **bench_naive(args.naive_share, rng, run, run["run_id"])}
        if args.naive_share > 0
        else None
    )
    result = {
        "benchmark": "issue-6-monitoring",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "preparation": preparation,
        "seed": seed,
        "enrolment": enrolment,
        "import": imported,
        "run": run,
        "naive": naive,
        "process_peak_rss_mb": peak_mb(),
        "load_average": {"start": load_start, "end": os.getloadavg()},
    }
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"monitoring-{stamp}.json", RESULTS / "monitoring-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/monitoring-{stamp}.json and monitoring-latest.json")


if __name__ == "__main__":
    main()
