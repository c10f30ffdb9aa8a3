"""Benchmark of issue 18 (婚姻登记): a burst of bookings for one popular day through the real HTTP stack, and
the import of historical records.

    python bench/marriage.py          # 5,000 bookings for 300 places, 1,000,000 records
    python bench/marriage.py --bookings 2000 --capacity 100 --records 100000 --workers 4 --clients 100

Recreates the database (default postgres://postgres@127.0.0.1:5432/minzheng_bench_marriage), migrates,
imports the divisions, loads the marriage parameters and makes one office of 新城区 with one 结婚登记 slot of
``--capacity`` places on a day ten days ahead. ``--bookings`` portal accounts (each with its own name, ID
number and phone, and a signed-in session written to the session table) then POST the booking form at once
to gunicorn (``--workers`` sync workers) from ``--clients`` client threads, each for a different couple.

Reported: bookings granted (302 to the appointment) and refused (422, 该时段号源已约满), the slot's ``booked``
and the appointment rows afterwards (must equal the capacity: 0 overbooked), requests per second and the
client-side latency p50/p95/max. Then ``--records`` historical records (CSV, 46 per couple pattern: a
marriage and, for one in seven, a later divorce) are imported through ``records_import`` with the rate.

Prints a table and writes bench/results/marriage-<timestamp>.json and marriage-latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import environment, prepare, recreate_database, setup_django, table_print, timings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minzheng_bench_marriage"


def _id(index: int, male: bool) -> str:
    """A valid, distinct resident ID per index (birth date and sequence vary with it)."""
    from minzheng.common.identity import make_resident_id

    birth = dt.date(1970, 1, 1) + dt.timedelta(days=index // 500)
    return make_resident_id("150102", birth, (index % 500) * 2 + (1 if male else 0))


def scene(bookings: int, capacity: int) -> dict[str, Any]:
    """The office, the popular slot, the accounts and their sessions (sessions written directly)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from minzheng.common import crypto
    from minzheng.common.masking import mask_id_number, mask_phone
    from minzheng.divisions.models import Division
    from minzheng.marriage.models import Office, Slot
    from minzheng.marriage.services import marriage_parameters_load
    from minzheng.portal.auth import SESSION_KEY
    from minzheng.portal.models import PortalAccount
    from minzheng.registry.services import ID_INDEX, PHONE_INDEX

    marriage_parameters_load()
    office = Office.objects.create(
        name="新城区婚姻登记处", division=Division.objects.get(code="150102000000")
    )
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=10)
    slot = Slot.objects.create(
        office=office,
        day=day,
        service="marriage",
        starts_at=dt.time(9),
        ends_at=dt.time(12),
        capacity=capacity,
    )
    accounts = []
    for n in range(bookings):
        number, phone = _id(n, True), f"135{n:08d}"
        accounts.append(
            PortalAccount(
                phone_encrypted=crypto.encrypt(phone),
                phone_index=crypto.blind_index(phone, purpose=PHONE_INDEX),
                phone_masked=mask_phone(phone),
                name=f"男{n}",
                id_number_encrypted=crypto.encrypt(number),
                id_number_index=crypto.blind_index(number, purpose=ID_INDEX),
                id_number_masked=mask_id_number(number),
            )
        )
    PortalAccount.objects.bulk_create(accounts, batch_size=2000)
    cookies = []
    for account in PortalAccount.objects.order_by("pk"):
        session = SessionStore()
        session[SESSION_KEY] = account.pk
        session.set_expiry(3600)
        session.create()
        cookies.append(session.session_key)
    return {
        "office": office.pk,
        "slot": slot.pk,
        "day": day,
        "sessions": cookies,
        "cookie_name": settings.SESSION_COOKIE_NAME,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn_start(url: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "minzheng.config.settings.base",
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    server = subprocess.Popen(  # noqa: S603 - our own server
        [
            sys.executable,
            "-m",
            "gunicorn",
            "minzheng.config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    return server, port


def burst(port: int, world: dict[str, Any], clients: int) -> dict[str, Any]:
    query = urlencode({"service": "marriage", "office": world["office"], "day": f"{world['day']:%Y-%m-%d}"})
    barrier = threading.Barrier(min(clients, len(world["sessions"])))
    outcomes: list[tuple[int, float]] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        token = secrets.token_hex(16)  # an unmasked 32-character CSRF secret, in cookie and header
        body = urlencode(
            {
                "slot": world["slot"],
                "service": "marriage",
                "partner_name": f"女{n}",
                "partner_id_number": _id(n, False),
                "partner_phone": f"136{n:08d}",
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": token,
            "Cookie": f"{world['cookie_name']}={world['sessions'][n]}; csrftoken={token}",
            "Host": "127.0.0.1",
        }
        if n < barrier.parties:
            barrier.wait(timeout=60)
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", f"/portal/marriage/book/?{query}", body=body, headers=headers)
        status = connection.getresponse().status
        with lock:
            outcomes.append((status, time.perf_counter() - started))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(len(world["sessions"]))))
    elapsed = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for status, _ in outcomes:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(outcomes) / elapsed, 1),
        "statuses": statuses,
        "latency": timings([s for _, s in outcomes]),
    }


def history_import(records: int) -> dict[str, Any]:
    from minzheng.accounts.models import User
    from minzheng.catalogue.roles import Role
    from minzheng.divisions.models import Division
    from minzheng.marriage.models import MarriageRecord, Office
    from minzheng.marriage.services import records_import

    registrar = User.objects.create_user(
        username="bench_registrar",
        password=secrets.token_hex(8),
        role=Role.MARRIAGE_REGISTRAR,
        division=Division.objects.get(code="150102000000"),
    )
    office = Office.objects.first()
    lines = ["登记类别,登记日期,证书编号,男方姓名,男方身份证号码,女方姓名,女方身份证号码"]
    n = 0
    while len(lines) - 1 < records:
        day = dt.date(2000, 1, 1) + dt.timedelta(days=n % 7000)
        man, woman = _id(100000 + n, True), _id(100000 + n, False)
        lines.append(f"结婚,{day},J150102-{day.year}-{n:07d},男{n},{man},女{n},{woman}")
        if n % 7 == 0 and len(lines) - 1 < records:
            later = day + dt.timedelta(days=1000)
            lines.append(f"离婚,{later},L150102-{later.year}-{n:07d},男{n},{man},女{n},{woman}")
        n += 1
    content = "\n".join(lines).encode()
    started = time.perf_counter()
    batch = records_import(actor=registrar, office_id=office.pk, file_name="bench.csv", content=content)
    seconds = time.perf_counter() - started
    return {
        "rows": batch.rows_total,
        "created": batch.rows_created,
        "seconds": round(seconds, 1),
        "rows_per_s": round(batch.rows_total / seconds),
        "records_in_table": MarriageRecord.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=os.environ.get("BENCH_MARRIAGE_URL", DEFAULT_URL))
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=200, help="concurrent client threads")
    parser.add_argument("--records", type=int, default=1_000_000)
    options = parser.parse_args()

    recreate_database(options.url)
    setup_django(options.url)
    result: dict[str, Any] = {"prepare": prepare(reuse=False), "options": vars(options)}
    world = scene(options.bookings, options.capacity)
    server, port = gunicorn_start(options.url, options.workers)
    try:
        result["burst"] = burst(port, world, options.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    from minzheng.marriage.models import Appointment, Slot

    booked = Slot.objects.get(pk=world["slot"]).booked
    appointments = Appointment.objects.count()
    result["granted"] = {
        "slot_booked": booked,
        "appointments": appointments,
        "overbooked": max(0, appointments - options.capacity),
    }
    if options.records:
        result["import"] = history_import(options.records)
    result["environment"] = environment(options.url)
    burst_result = result["burst"]
    lines = [
        ("measure", "value"),
        ("bookings sent / places", f"{options.bookings:,} / {options.capacity:,}"),
        ("HTTP statuses", json.dumps(burst_result["statuses"])),
        ("granted (slot.booked / rows)", f"{booked} / {appointments}"),
        ("overbooked", str(result["granted"]["overbooked"])),
        ("requests per second", str(burst_result["requests_per_s"])),
        ("latency p50 / p95 / max ms", "{p50_ms} / {p95_ms} / {max_ms}".format(**burst_result["latency"])),
    ]
    if "import" in result:
        imported = result["import"]
        lines.append(("import rows / seconds", f"{imported['rows']:,} / {imported['seconds']}"))
        lines.append(("import rows per second", f"{imported['rows_per_s']:,}"))
    table_print(lines)
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, ensure_ascii=False, indent=1, default=str)
    (RESULTS / f"marriage-{stamp}.json").write_text(text, encoding="utf-8")
    (RESULTS / "marriage-latest.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
