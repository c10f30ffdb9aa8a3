"""Benchmark of issue 17 (eldercare): the monthly provider settlement and the overview's figures over
1,000,000 service orders in one month for 300,000 older people.

    python bench/eldercare.py                              # what `make bench-eldercare` runs
    python bench/eldercare.py --people 30000 --orders 100000

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_eldercare), migrates,
creates a division tree (one region, one city, --counties counties of 10 townships × 10 villages) and then,
set-based (INSERT … SELECT over generate_series, never a row at a time):

* --people households with one person each (born 1926–1965) and an ``OlderPerson`` per person, with
  living-situation flags spread over them (独居, 高龄, 低保, …);
* 20 providers per county with an encrypted bank account and a catalogue of 3 priced items each;
* --orders service orders in the previous month, spread over the days and the providers of each older
  person's county: 90 % confirmed (1 % of them with an EVV flag), 3 % disputed, 2 % awaiting
  confirmation, 2 % no-show, 3 % cancelled; check-ins mostly inside the window.

Then measures, through the real services and selectors:

a. ``settlement_generate`` of every county for the month (all providers: lines, exclusions, totals);
   lines/s; then a re-run of one county's drafts (same statements) and its time;
b. the check "amounts equal database figures": the sum of every statement's total equals the database's
   ``SUM(subsidy)`` of the confirmed, unflagged orders of the month, to the fen, and every such order is
   on exactly one line;
c. submit, approve (another user), the bank file and the result import of one statement;
d. the overview (``selectors.dashboard.eldercare_dashboard``) for the region, one county and one
   township, and the page itself (``GET /eldercare/``) for the region user.

Prints a table and writes bench/results/eldercare-<timestamp>.json and eldercare-latest.json.
"""

# ruff: noqa: S608 - SQL composed of module constants and integers; values are bound parameters
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import environment, recreate_database, setup_django, table_print  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_eldercare"
COUNTIES = ("150102", "150103", "150104", "150105", "150121")
PROVIDERS_PER_COUNTY = 20
SURNAMES = "王李张刘杨赵陈郭高孙"
GIVEN = "建国秀英志强丽华明军红梅海燕玉兰文静"


def timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def divisions_create(counties: int) -> list[Any]:
    from minzheng.divisions.models import Division

    region = Division.objects.create(code="150000000000", name="内蒙古自治区", level=1, source="bench")
    city = Division.objects.create(
        code="150100000000", name="呼和浩特市", level=2, parent=region, source="bench"
    )
    created = []
    for n, code in enumerate(COUNTIES[:counties], start=1):
        county = Division.objects.create(
            code=f"{code}000000", name=f"第{n}旗县", level=3, parent=city, source="bench"
        )
        created.append(county)
        for t in range(1, 11):
            township = Division.objects.create(
                code=f"{code}{t:03d}000", name=f"第{n}旗县第{t}苏木", level=4, parent=county, source="bench"
            )
            Division.objects.bulk_create(
                Division(
                    code=f"{code}{t:03d}{v:03d}",
                    name=f"第{t}苏木第{v}嘎查",
                    level=5,
                    parent=township,
                    urban_rural="rural",
                    source="bench",
                )
                for v in range(1, 11)
            )
    return created


def people_create(count: int, today: dt.date) -> dict[str, Any]:
    """Households, one person each, and their OlderPerson rows (three INSERT … SELECT)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO registry_household (id, created_at, updated_at, hukou_division_id, hukou_address,
                   residence_address, urban_rural, member_count, bank_name, bank_account_encrypted,
                   bank_account_index, bank_account_masked)
               SELECT i, now(), now(), v.id, '', '', 'rural', 1, '', '', '', ''
               FROM generate_series(1, %s) i
               JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k
                     FROM divisions_division WHERE level = 5) v
                 ON v.k = i %% (SELECT count(*) FROM divisions_division WHERE level = 5)""",
            [count],
        )
        cursor.execute(
            """INSERT INTO registry_person (id, created_at, updated_at, name, id_number_encrypted,
                   id_number_index, id_number_masked, birth_date, sex, ethnicity, phone_encrypted,
                   phone_index, phone_masked, household_id, disability_category, self_care, serious_illness,
                   serious_illness_note, employment_status, school_enrolment)
               SELECT i, now(), now(),
                   substr(%s, 1 + i %% 10, 1) || substr(%s, 1 + (i / 10) %% 8 * 2, 2), '', 'bench' || i,
                   '1501**********' || lpad((i %% 10000)::text, 4, '0'), date '1926-01-01' + (i %% 14600),
                   CASE WHEN i %% 2 = 0 THEN 'female' ELSE 'male' END, '01', '', '', '', i, '', 'capable',
                   false, '', 'retired', ''
               FROM generate_series(1, %s) i""",
            [SURNAMES, GIVEN, count],
        )
        cursor.execute("UPDATE registry_household SET head_id = id")
        cursor.execute(
            """INSERT INTO eldercare_olderperson (created_at, updated_at, person_id, household_id,
                   division_id, birth_date, lives_alone, empty_nest, advanced_age, severe_disability, dibao,
                   extreme_poverty, left_behind, bereaved_parent, capacity_level, incapacitated, active,
                   refreshed_on)
               SELECT now(), now(), p.id, h.id, h.hukou_division_id, p.birth_date, p.id %% 5 = 0,
                   p.id %% 3 = 0, p.birth_date <= %s, p.id %% 50 = 0, p.id %% 12 = 0, p.id %% 97 = 0,
                   p.id %% 20 = 0,
                   p.id %% 400 = 0, '', p.id %% 25 = 0, true, %s
               FROM registry_person p JOIN registry_household h ON h.id = p.household_id""",
            [today.replace(year=today.year - 80), today],
        )
        for table in ("registry_household", "registry_person"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    return {"people": count, "seconds": round(time.perf_counter() - started, 1)}


def providers_create(counties: list[Any]) -> None:
    """20 providers per county, each with an encrypted account and three items (a few hundred rows)."""
    from decimal import Decimal

    from minzheng.common import crypto
    from minzheng.common.masking import mask_bank_account
    from minzheng.eldercare.choices import ServiceKind, ServiceUnit
    from minzheng.eldercare.models import Provider, ServiceItem

    catalogue = (
        (ServiceKind.MEAL, "助餐", ServiceUnit.MEALS, "15.00", "3.00"),
        (ServiceKind.CLEANING, "助洁", ServiceUnit.HOURS, "40.00", "0.00"),
        (ServiceKind.BATHING, "助浴", ServiceUnit.TIMES, "60.00", "10.00"),
    )
    for c, county in enumerate(counties):
        for slot in range(PROVIDERS_PER_COUNTY):
            account = f"62284811{c:03d}{slot:08d}"
            provider = Provider.objects.create(
                name=f"{county.name}第{slot + 1}养老服务中心",
                credit_code=f"BENCH{c:03d}{slot:010d}",
                division=county,
                bank_name="中国农业银行",
                bank_account_name=f"{county.name}第{slot + 1}养老服务中心",
                bank_account_encrypted=crypto.encrypt(account),
                bank_account_index=crypto.blind_index(account, purpose="bank_account"),
                bank_account_masked=mask_bank_account(account),
            )
            ServiceItem.objects.bulk_create(
                ServiceItem(
                    provider=provider,
                    kind=k,
                    name=f"{label}服务",
                    unit=u,
                    price=Decimal(p),
                    co_payment=Decimal(co),
                )
                for k, label, u, p, co in catalogue
            )


ORDERS_SQL = """
WITH prov AS (
    SELECT p.id AS provider_id, substr(d.code, 1, 6) AS county,
           row_number() OVER (PARTITION BY p.division_id ORDER BY p.id) - 1 AS slot
    FROM eldercare_provider p JOIN divisions_division d ON d.id = p.division_id
),
item AS (
    SELECT i.id, i.provider_id, i.price, i.co_payment,
           row_number() OVER (PARTITION BY i.provider_id ORDER BY i.id) - 1 AS slot
    FROM eldercare_serviceitem i
),
older AS (
    SELECT o.id, o.division_id, substr(d.code, 1, 6) AS county, row_number() OVER (ORDER BY o.id) - 1 AS k
    FROM eldercare_olderperson o JOIN divisions_division d ON d.id = o.division_id
),
src AS (
    SELECT g.i, op.id AS older_id, op.division_id, pr.provider_id, it.id AS item_id, it.price, it.co_payment,
           %(start)s::timestamptz + ((g.i %% %(days)s) * interval '1 day')
               + ((7 + (g.i / 7) %% 12) * interval '1 hour') AS window_start,
           CASE WHEN g.i %% 100 < 90 THEN 'confirmed' WHEN g.i %% 100 < 93 THEN 'disputed'
                WHEN g.i %% 100 < 95 THEN 'served' WHEN g.i %% 100 < 97 THEN 'no_show'
                ELSE 'cancelled' END AS status
    FROM generate_series(1, %(orders)s) g(i)
    JOIN older op ON op.k = g.i %% %(people)s
    JOIN prov pr ON pr.county = op.county AND pr.slot = (g.i / 3) %% {providers}
    JOIN item it ON it.provider_id = pr.provider_id AND it.slot = g.i %% 3
)
INSERT INTO eldercare_serviceorder (number, older_person_id, division_id, item_id, provider_id, channel,
    window_start, window_end, quantity, unit_price, amount, co_payment, subsidy, status, note, placed_at,
    check_in_at, check_out_at, check_in_photo, check_out_photo, flags, confirmed_via, feedback,
    dispute_reason, rating, confirmed_at)
SELECT 'EO' || lpad(s.i::text, 12, '0'), s.older_id, s.division_id, s.item_id, s.provider_id, 'plan',
    s.window_start, s.window_start + interval '2 hours', 1, s.price, s.price, s.co_payment,
    s.price - s.co_payment, s.status, '', s.window_start - interval '2 days',
    CASE WHEN s.status IN ('no_show', 'cancelled') THEN NULL
         ELSE s.window_start + ((s.i %% 11) * 15 - 10) * interval '1 minute' END,
    CASE WHEN s.status IN ('no_show', 'cancelled') THEN NULL
         ELSE s.window_start + ((s.i %% 11) * 15 + 50) * interval '1 minute' END,
    '', '',
    CASE WHEN s.status = 'confirmed' AND s.i %% 100 = 7 THEN '["far_from_home"]'::jsonb ELSE '[]'::jsonb END,
    CASE WHEN s.status = 'confirmed' THEN 'portal' ELSE '' END, '',
    CASE WHEN s.status = 'disputed' THEN '服务时长不足' ELSE '' END,
    CASE WHEN s.status IN ('confirmed', 'disputed') THEN 1 + s.i %% 5 END,
    CASE WHEN s.status = 'confirmed' THEN s.window_start + interval '1 day' END
FROM src s
""".replace("{providers}", str(PROVIDERS_PER_COUNTY))


def orders_create(count: int, people: int, month: dt.date) -> dict[str, Any]:
    from django.db import connection, transaction

    from minzheng.common.months import next_month
    from minzheng.eldercare.services.settlement import month_bounds

    start, _ = month_bounds(month)
    days = (next_month(month) - month).days
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ORDERS_SQL, {"start": start, "days": days, "orders": count, "people": people})
        written = cursor.rowcount
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "orders": written,
        "insert_s": round(inserted, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


def users_create(counties: list[Any]) -> dict[str, Any]:
    from minzheng.accounts.models import User
    from minzheng.divisions.models import Division

    region = Division.objects.get(code="150000000000")
    users: dict[str, Any] = {
        "region": User.objects.create_user(
            username="region", password=None, role="region_supervisor", division=region
        )
    }
    for county in counties:
        for name in ("maker", "checker"):
            users[f"{name}-{county.code[:6]}"] = User.objects.create_user(
                username=f"{name}-{county.code[:6]}", password=None, role="county_approver", division=county
            )
    return users


CHECK_SQL = """
SELECT count(*), sum(o.subsidy),
       (SELECT count(*) FROM eldercare_settlementline), (SELECT sum(total_amount) FROM eldercare_settlement),
       (SELECT count(*) FROM eldercare_settlementexclusion),
       (SELECT count(*) FROM (SELECT order_id FROM eldercare_settlementline
                              GROUP BY order_id HAVING count(*) > 1) d)
FROM eldercare_serviceorder o
WHERE o.status = 'confirmed' AND o.flags = '[]'::jsonb AND o.check_out_at >= %s AND o.check_out_at < %s
"""


def bench_settlement(counties: list[Any], users: dict[str, Any], month: dt.date) -> dict[str, Any]:
    from django.db import connection

    from minzheng.eldercare.services import settlement as services
    from minzheng.eldercare.services import settlement_bank
    from minzheng.payments import bankfiles

    per_county = []
    started = time.perf_counter()
    for county in counties:
        result, seconds = timed(
            lambda c=county: services.settlement_generate(
                actor=users[f"maker-{c.code[:6]}"], county=c, month=month
            )
        )
        per_county.append(
            {"county": county.code[:6], "statements": len(result.settlements), "lines": result.lines,
             "exclusions": result.exclusions, "seconds": round(seconds, 2)}
        )  # fmt: skip
    generate_s = time.perf_counter() - started
    lines = sum(c["lines"] for c in per_county)
    first = counties[0]
    again, rerun_s = timed(
        lambda: services.settlement_generate(
            actor=users[f"maker-{first.code[:6]}"], county=first, month=month
        )
    )
    start, until = services.month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(CHECK_SQL, [start, until])
        eligible, eligible_sum, line_count, statement_sum, exclusions, doubles = cursor.fetchone()
    statement = again.settlements[0]
    maker, checker = users[f"maker-{first.code[:6]}"], users[f"checker-{first.code[:6]}"]

    def pay() -> Any:
        services.settlement_submit(actor=maker, settlement_id=statement.pk)
        services.settlement_approve(actor=checker, settlement_id=statement.pk)
        bank_file = settlement_bank.settlement_bank_file(
            actor=checker, settlement_id=statement.pk, template_code="fixed_gbk"
        )
        result = bankfiles.bank_result_render(bank_file.template, bank_file.batch, {})
        return settlement_bank.settlement_result_import(
            actor=checker, settlement_id=statement.pk, template_code="fixed_gbk", data=result
        )

    paid, pay_s = timed(pay)
    return {
        "per_county": per_county,
        "statements": sum(c["statements"] for c in per_county),
        "lines": lines,
        "exclusions": sum(c["exclusions"] for c in per_county),
        "generate_s": round(generate_s, 2),
        "lines_per_s": round(lines / generate_s) if generate_s else 0,
        "rerun_county": first.code[:6],
        "rerun_lines": again.lines,
        "rerun_s": round(rerun_s, 2),
        "check": {
            "eligible_orders": eligible,
            "eligible_subsidy_yuan": str(eligible_sum),
            "lines": line_count,
            "statements_total_yuan": str(statement_sum),
            "exclusions": exclusions,
            "orders_on_two_lines": doubles,
            "amounts_equal": eligible == line_count and eligible_sum == statement_sum and doubles == 0,
        },
        "pay_one": {
            "statement": statement.number,
            "total_yuan": str(paid.total_amount),
            "outcome": paid.payment_outcome,
            "seconds": round(pay_s, 2),
        },
    }


def bench_dashboard(counties: list[Any], users: dict[str, Any], month: dt.date) -> dict[str, Any]:
    from django.test import Client

    from minzheng.eldercare.selectors.dashboard import eldercare_dashboard

    region = users["region"]
    county = counties[0]
    township = f"{county.code[:6]}001000"
    figures = {}
    for label, actor, code in (
        ("region", region, None),
        ("county", users[f"maker-{county.code[:6]}"], None),
        ("township", region, township),
    ):
        eldercare_dashboard(actor=actor, month=month, division_code=code)  # warm-up
        samples = []
        for _ in range(3):
            board, seconds = timed(
                lambda a=actor, c=code: eldercare_dashboard(actor=a, month=month, division_code=c)
            )
            samples.append(seconds)
        figures[label] = {
            "best_s": round(min(samples), 2),
            "orders": board.totals["orders"],
            "on_time_rate": str(board.totals["on_time_rate"]),
            "confirmation_rate": str(board.totals["confirmation_rate"]),
            "people": board.coverage[0]["people"],
            "served_people": board.coverage[0]["served"],
            "areas": len(board.areas),
        }
    client = Client()
    client.force_login(region)
    client.get("/eldercare/", {"month": f"{month:%Y-%m}"})  # warm-up: templates, URL resolver
    samples = []
    for _ in range(3):
        response, page_s = timed(lambda: client.get("/eldercare/", {"month": f"{month:%Y-%m}"}))
        if response.status_code != 200:
            raise SystemExit(f"/eldercare/ answered {response.status_code}")
        samples.append(page_s)
    figures["page_region_s"] = round(min(samples), 2)
    return figures


def print_table(result: dict[str, Any]) -> None:
    p, o, s, d = result["people"], result["orders"], result["settlement"], result["dashboard"]
    check = s["check"]
    lines = [
        ("measure", "result"),
        (
            "older people (set-based)",
            f"{p['people']:,} households, persons, older people in {p['seconds']} s",
        ),
        ("orders (set-based)", f"{o['orders']:,} orders in {o['insert_s']} s (+ analyze: {o['total_s']} s)"),
        (
            "settlement, all counties",
            f"{s['statements']} statements, {s['lines']:,} lines, {s['exclusions']:,} excluded in "
            f"{s['generate_s']} s = {s['lines_per_s']:,} lines/s",
        ),
        ("settlement re-run (1 county)", f"{s['rerun_lines']:,} lines in {s['rerun_s']} s"),
        (
            "amounts equal database",
            f"{check['amounts_equal']}: {check['lines']:,} lines = {check['eligible_orders']:,} orders, "
            f"{check['statements_total_yuan']} = {check['eligible_subsidy_yuan']} yuan",
        ),
        ("approve + bank file + result", f"{s['pay_one']['statement']} in {s['pay_one']['seconds']} s"),
    ]
    for label in ("region", "county", "township"):
        f = d[label]
        lines.append(
            (
                f"dashboard ({label})",
                f"{f['orders']:,} orders, {f['people']:,} people, on time {f['on_time_rate']} %, "
                f"confirmed {f['confirmation_rate']} %: {f['best_s']} s",
            )
        )
    lines.append(("GET /eldercare/ (region)", f"{d['page_region_s']} s"))
    table_print(lines, rule=70)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=len(COUNTIES), choices=range(1, len(COUNTIES) + 1))
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_ELDERCARE_DATABASE_URL", os.environ.get("DATABASE_URL_BENCH", DEFAULT_URL)
        ),
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("bench-eldercare needs PostgreSQL (generate_series, COPY-speed inserts)")
    print(f"recreating {args.database_url}")
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.utils import timezone

    from minzheng.common.months import add_months, month_start

    call_command("migrate", verbosity=0, interactive=False)
    today = timezone.localdate()
    month = add_months(month_start(today), -1)
    counties = divisions_create(args.counties)
    users = users_create(counties)
    people = people_create(args.people, today)
    providers_create(counties)
    print(f"  {args.people:,} older people; writing {args.orders:,} orders for {month:%Y-%m}", flush=True)
    orders = orders_create(args.orders, args.people, month)
    print("  settling", flush=True)
    settlement = bench_settlement(counties, users, month)
    print("  dashboard", flush=True)
    dashboard = bench_dashboard(counties, users, month)
    result = {
        "benchmark": "issue-17-eldercare",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(args.database_url),
        "month": f"{month:%Y-%m}",
        "people": people,
        "orders": orders,
        "settlement": settlement,
        "dashboard": dashboard,
    }
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (RESULTS / f"eldercare-{stamp}.json", RESULTS / "eldercare-latest.json"):
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n  written to bench/results/eldercare-{stamp}.json and bench/results/eldercare-latest.json")
    if not settlement["check"]["amounts_equal"]:
        raise SystemExit("settlement totals differ from the database figures")


if __name__ == "__main__":
    main()
