"""Demo population (issue 2 §8): deterministic, set-based seeding of households and people.

``demo_population_seed`` draws households from ``random.Random(seed)`` (see ``demo_population``)
and writes them straight into the tables, bypassing the services: PostgreSQL gets one
``COPY … FROM STDIN`` per table and chunk with ids taken from the tables' sequences, SQLite gets
``executemany`` batches. ID numbers, phones and bank accounts are encrypted, blind-indexed and
masked exactly as the services do it. Seeded rows have **no django-simple-history rows**: the
history starts with the first real change. One audit ``Event`` (``demo.seeded``) records the run.

Only for demo and benchmark databases: seeding assumes no concurrent writers to the registry.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import ric

from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.masking import mask_bank_account, mask_id_number, mask_phone
from minzheng.demo.accounts import DemoLogin, demo_township, demo_users_ensure
from minzheng.demo.population import (
    HouseholdDraft,
    PackedHousehold,
    PopulationDrafter,
    VillageInfo,
    drafts_pack,
    drafts_unpack,
)
from minzheng.demo.population_load import Ids, PostgresWriter, SqliteWriter, Table, Writer, cyclic_gc_paused
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level, level_of, scope_prefix
from minzheng.policy.services import policy_builtin_load
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person
from minzheng.registry.services import BANK_INDEX, ID_INDEX, PHONE_INDEX

DEMO_SEED = 2026
DEMO_PROVINCE = "15"
# The population's "today": fixed so a seed gives the same people whatever day it runs.
DEMO_AS_OF = dt.date(2026, 9, 30)
CHUNK_HOUSEHOLDS = 5000

HOUSEHOLD_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "hukou_division_id",
    "hukou_address",
    "residence_division_id",
    "residence_address",
    "urban_rural",
    "head_id",
    "member_count",
    "bank_name",
    "bank_account_encrypted",
    "bank_account_index",
    "bank_account_masked",
    "created_by_id",
)
PERSON_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "id_number_encrypted",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "sex",
    "ethnicity",
    "phone_encrypted",
    "phone_index",
    "phone_masked",
    "household_id",
    "disability_category",
    "disability_grade",
    "self_care",
    "serious_illness",
    "serious_illness_note",
    "employment_status",
    "school_enrolment",
    "death_date",
)
MEMBERSHIP_COLUMNS = (
    "id",
    "household_id",
    "person_id",
    "relation_to_head",
    "joined_on",
    "left_on",
    "left_reason",
)
INCOME_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "household_id",
    "person_id",
    "category",
    "amount",
    "period_start",
    "period_end",
    "source",
    "note",
    "recorded_by_id",
)
ASSET_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "household_id",
    "person_id",
    "category",
    "description",
    "value",
    "quantity",
    "valued_on",
    "exempt",
    "source",
    "note",
    "recorded_by_id",
)


@dataclass(frozen=True)
class SeedSummary:
    seed: int
    households: int
    persons: int
    memberships: int
    incomes: int
    assets: int
    seconds: float

    @property
    def rows(self) -> int:
        return self.households + self.persons + self.memberships + self.incomes + self.assets


@dataclass(frozen=True)
class _Village:
    id: int
    code: str
    info: VillageInfo
    urban_rural: str


class _IdNumbers:
    """Draws every member's ID number from the population's random stream (the drafting process's part)."""

    def __init__(self, villages: list[_Village], existing_indexes: set[str]) -> None:
        self.villages = villages
        self.existing_indexes = existing_indexes
        self.index = crypto.blind_indexer(ID_INDEX)
        self.used_ids: set[int] = set()
        self.dates: dict[dt.date, tuple[str, int]] = {}  # birth date -> (YYYYMMDD, ordinal)

    def assign(self, rng: random.Random, draft: HouseholdDraft) -> None:
        """Unique, valid 18-digit numbers; address code = the village's county (GB 11643)."""
        county = self.villages[draft.village_index].code[:6]
        county_key = int(county) * 10**9
        # = rng.randrange(500) without its argument checks: the same draws
        below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
        for member in draft.members:
            birth = member.birth_date
            text, ordinal = self.dates.get(birth) or self.dates.setdefault(
                birth, (f"{birth:%Y%m%d}", birth.toordinal())
            )
            while True:
                sequence = below(500) * 2 + (1 if member.male else 0)
                key = county_key + ordinal * 1000 + sequence
                if key in self.used_ids:
                    continue
                self.used_ids.add(key)
                body = f"{county}{text}{sequence:03d}"
                number = body + ric.calc_check_digit(body + "0")  # as common.identity.make_resident_id
                if not self.existing_indexes or self.index(number) not in self.existing_indexes:
                    member.id_number = number
                    break


def _chunk_need(drafts: list[HouseholdDraft]) -> dict[str, int]:
    """Rows per table of a chunk of drafts: the ids to allocate, in the order the tables are written."""
    people = sum(len(d.members) for d in drafts)
    return {
        Household._meta.db_table: len(drafts),
        Person._meta.db_table: people,
        Membership._meta.db_table: people,
        IncomeRecord._meta.db_table: sum(len(d.incomes) for d in drafts),
        AssetRecord._meta.db_table: sum(len(d.assets) for d in drafts),
    }


class _RowBuilder:
    """Turns drafts and their ids into table rows: encryption, blind indexes, masks. Draws nothing from the
    population's random stream, so it may run in another process than the drafting (``population_load``)."""

    def __init__(self, villages: list[_Village]) -> None:
        self.villages = villages
        self.indexers = {p: crypto.blind_indexer(p) for p in (ID_INDEX, PHONE_INDEX, BANK_INDEX)}
        # as text once (SQLite's adapter gives text already): formatting a datetime twice a row was half of
        # the COPY text's time
        self.now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
        # the AES-GCM nonces are drawn by the process that seals, at its first value: a nonce pool copied
        # into a forked process could otherwise be used twice
        self.sealer: Callable[[str], str] | None = None

    def index(self, purpose: str, text: str) -> str:
        """``crypto.blind_index(text, purpose=purpose)``."""
        return self.indexers[purpose](text)

    def seal(self, text: str) -> str:
        """``crypto.encrypt(text)``."""
        if self.sealer is None:
            self.sealer = crypto.sealer()
        return self.sealer(text)

    def tables(self, packed: list[PackedHousehold], ids: Ids) -> list[Table]:
        """The rows of a chunk (``drafts_pack``), table by table; ``ids`` holds each table's ids for it
        (``_chunk_need``)."""
        drafts = drafts_unpack(packed)
        household_ids, person_ids, membership_ids, income_ids, asset_ids = (
            chain.from_iterable(ids[model._meta.db_table])
            for model in (Household, Person, Membership, IncomeRecord, AssetRecord)
        )
        rows: dict[str, list[tuple[Any, ...]]] = {"h": [], "p": [], "m": [], "i": [], "a": []}
        for draft in drafts:
            self._rows(
                draft,
                next(household_ids),
                [next(person_ids) for _ in draft.members],
                membership_ids,
                income_ids,
                asset_ids,
                rows,
            )
        return [
            (Household, HOUSEHOLD_COLUMNS, rows["h"]),
            (Person, PERSON_COLUMNS, rows["p"]),
            (Membership, MEMBERSHIP_COLUMNS, rows["m"]),
            (IncomeRecord, INCOME_COLUMNS, rows["i"]),
            (AssetRecord, ASSET_COLUMNS, rows["a"]),
        ]

    def _rows(
        self,
        draft: HouseholdDraft,
        household_id: int,
        person_ids: list[int],
        membership_ids: Any,
        income_ids: Any,
        asset_ids: Any,
        rows: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        now = self.now
        village = self.villages[draft.village_index]
        account = draft.bank_account
        at_hukou = draft.lives_at_hukou
        rows["h"].append(
            (
                household_id,
                now,
                now,
                village.id,
                draft.address,
                village.id if at_hukou else None,
                draft.address if at_hukou else "",
                village.urban_rural,
                person_ids[0],
                len(draft.members),
                draft.bank_name,
                self.seal(account) if account else "",
                self.index(BANK_INDEX, account) if account else "",
                mask_bank_account(account) if account else "",
                None,
            )
        )
        for person_id, m in zip(person_ids, draft.members, strict=True):
            phone = m.phone
            rows["p"].append(
                (
                    person_id,
                    now,
                    now,
                    m.name,
                    self.seal(m.id_number),
                    self.index(ID_INDEX, m.id_number),
                    mask_id_number(m.id_number),
                    m.birth_date,
                    "male" if m.male else "female",
                    m.ethnicity,
                    self.seal(phone) if phone else "",
                    self.index(PHONE_INDEX, phone) if phone else "",
                    mask_phone(phone) if phone else "",
                    household_id,
                    str(m.disability_category),
                    m.disability_grade,
                    str(m.self_care),
                    m.serious_illness,
                    m.serious_illness_note,
                    str(m.employment_status),
                    str(m.school_enrolment),
                    m.death_date,
                )
            )
            rows["m"].append(
                (next(membership_ids), household_id, person_id, str(m.relation), m.joined_on, None, "")
            )
        for i in draft.incomes:
            person = None if i.member is None else person_ids[i.member]
            rows["i"].append(
                (
                    next(income_ids),
                    now,
                    now,
                    household_id,
                    person,
                    str(i.category),
                    i.amount,
                    i.period_start,
                    i.period_end,
                    i.source,
                    i.note,
                    None,
                )
            )
        for a in draft.assets:
            person = None if a.member is None else person_ids[a.member]
            rows["a"].append(
                (
                    next(asset_ids),
                    now,
                    now,
                    household_id,
                    person,
                    str(a.category),
                    a.description,
                    a.value,
                    a.quantity,
                    a.valued_on,
                    a.exempt,
                    "declared",
                    "",
                    None,
                )
            )


def divisions_ensure(province: str = DEMO_PROVINCE) -> bool:
    """Import the province's divisions from the bundled npm data if the tree is empty."""
    if Division.objects.filter(level=Level.VILLAGE).exists():
        return False
    call_command("import_divisions", "--province", province, verbosity=0)
    return True


def _villages() -> list[_Village]:
    rows = (
        Division.objects.filter(level=Level.VILLAGE, abolished_on__isnull=True)
        .order_by("code")
        .values_list("id", "code", "name", "urban_rural")
    )
    return [
        _Village(pk, code, VillageInfo(name, urban_rural == "urban"), urban_rural or "rural")
        for pk, code, name, urban_rural in rows
    ]


def _village_picker(
    rng: random.Random, villages: list[_Village], focus_code: str, focus_share: float
) -> Callable[[], int]:
    """Urban communities weigh twice a rural village; ``focus_share`` of households go to ``focus_code``."""
    cumulative: list[float] = []
    total = 0.0
    for village in villages:
        total += 2.0 if village.info.urban else 1.0
        cumulative.append(total)
    prefix = scope_prefix(focus_code, level_of(focus_code)) if focus_code else ""
    focus = [i for i, v in enumerate(villages) if prefix and v.code.startswith(prefix)]
    total, last = cumulative[-1] + 0.0, len(villages) - 1

    def pick() -> int:
        if focus and rng.random() < focus_share:
            return rng.choice(focus)
        # = rng.choices(range(len(villages)), cum_weights=cumulative)[0], the same draw without the list
        return bisect(cumulative, rng.random() * total, 0, last)

    return pick


def _draft_and_write(
    writer: Writer,
    id_numbers: _IdNumbers,
    rng: random.Random,
    drafter: PopulationDrafter,
    pick: Callable[[], int],
    limits: tuple[int | None, int | None],
    progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    """Draft households chunk by chunk and hand each chunk to the writer (``demo_population_seed``);
    ``limits`` = (households, people). Returns the rows written per table."""
    households, people = limits
    villages = id_numbers.villages
    household_limit = households if households is not None else 2**62
    person_limit = people if people is not None else 2**62
    drafted_households = drafted_people = 0
    counts: dict[str, int] = {}
    while drafted_households < household_limit and drafted_people < person_limit:
        drafts: list[HouseholdDraft] = []
        while (
            len(drafts) < CHUNK_HOUSEHOLDS
            and drafted_households < household_limit
            and drafted_people < person_limit
        ):
            village_index = pick()
            draft = drafter.household(village_index, villages[village_index].info)
            id_numbers.assign(rng, draft)
            drafts.append(draft)
            drafted_households += 1
            drafted_people += len(draft.members)
        need = _chunk_need(drafts)
        writer.write(drafts_pack(drafts), need)
        for table, rows in need.items():
            counts[table] = counts.get(table, 0) + rows
        if progress:
            if people is not None:
                progress(drafted_people, people)
            else:
                progress(drafted_households, household_limit)
    return counts


@transaction.atomic
def demo_population_seed(
    *,
    seed: int,
    households: int | None = None,
    people: int | None = None,
    focus_code: str = "",
    focus_share: float = 0.1,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Seed households over the village-level divisions, reproducibly from ``seed``.

    Stops after ``households`` households or as soon as at least ``people`` persons exist
    (whichever is given first). Precondition: village-level divisions exist (``divisions_ensure``).
    ``focus_code`` (a division code) receives about ``focus_share`` of the households so demo
    logins see data. One transaction: on any error nothing is written. ``progress(done, total)``
    counts households, or persons when ``people`` is given.
    """
    if households is None and people is None:
        raise ValueError("households or people is required")
    started = time.perf_counter()
    villages = _villages()
    if not villages:
        raise RuntimeError("没有村级区划，请先导入行政区划（minzheng import-divisions --province 15）")
    rng = random.Random(seed)
    drafter = PopulationDrafter(rng, min(as_of or DEMO_AS_OF, timezone.localdate()))
    pick = _village_picker(rng, villages, focus_code, focus_share)
    existing = (
        set(Person.objects.values_list("id_number_index", flat=True)) if Person.objects.exists() else set()
    )
    tables = _RowBuilder(villages).tables
    writer: Writer = PostgresWriter(tables) if connection.vendor == "postgresql" else SqliteWriter(tables)
    id_numbers = _IdNumbers(villages, existing)
    writer.begin()
    try:
        with cyclic_gc_paused():
            written = _draft_and_write(writer, id_numbers, rng, drafter, pick, (households, people), progress)
    except BaseException:
        writer.abort()
        raise
    writer.finish()
    counts = {
        name: written.get(model._meta.db_table, 0)
        for name, model in (
            ("households", Household),
            ("persons", Person),
            ("memberships", Membership),
            ("incomes", IncomeRecord),
            ("assets", AssetRecord),
        )
    }
    summary = SeedSummary(seed=seed, seconds=round(time.perf_counter() - started, 3), **counts)
    event_record(
        actor=None,
        verb="demo.seeded",
        object_type="registry",
        object_id="demo",
        division_code="",
        summary=f"生成演示数据：{summary.households} 户、{summary.persons} 人（随机种子 {seed}）",
        data={**counts, "seed": seed, "focus_code": focus_code, "seconds": summary.seconds},
    )
    return summary


@dataclass(frozen=True)
class DemoSetupResult:
    divisions_imported: bool
    seeded: SeedSummary | None
    logins: list[DemoLogin]
    notes: list[str] = field(default_factory=list)  # what the enrolment and portal demos added


def demo_setup(
    *, households: int, seed: int = DEMO_SEED, progress: Callable[[int, int], None] | None = None
) -> DemoSetupResult:
    """Idempotent demo environment: divisions if none, a population if no households, demo logins."""
    imported = divisions_ensure()
    policy_builtin_load()
    from minzheng.demo.parameters import demo_policy_ensure  # it reads DEMO_AS_OF from here

    demo_policy_ensure()
    seeded = None
    if households > 0 and not Household.objects.exists():
        township = demo_township()
        seeded = demo_population_seed(
            households=households, seed=seed, focus_code=township.code if township else "", progress=progress
        )
    logins = demo_users_ensure()
    from minzheng.demo.departments import demo_departments_ensure
    from minzheng.demo.eldercare import demo_eldercare_ensure
    from minzheng.demo.enrolments import demo_enrolments_ensure  # the demo modules import each other here
    from minzheng.demo.marriage import demo_marriage_ensure
    from minzheng.demo.monitoring import demo_monitoring_ensure
    from minzheng.demo.organisations import demo_organisations_ensure
    from minzheng.demo.parameters import demo_supplement_ensure
    from minzheng.demo.petitions import demo_petitions_ensure
    from minzheng.demo.portal import demo_portal_ensure

    supplement = demo_supplement_ensure()  # before the enrolments: they are assessed on it (ADR 0031)
    notes = [*demo_enrolments_ensure(), *demo_monitoring_ensure(), *demo_portal_ensure(), *supplement]
    notes += demo_eldercare_ensure()  # after the enrolments: 低保/特困 older people are derived from them
    notes += demo_marriage_ensure()
    notes += demo_petitions_ensure()  # after the portal account: one matter is filed on the portal
    notes += demo_organisations_ensure()
    notes += demo_departments_ensure()  # after the demo feeds and alerts (demo.monitoring)
    return DemoSetupResult(divisions_imported=imported, seeded=seeded, logins=logins, notes=notes)


def registry_analyze() -> None:
    """Refresh planner statistics and the visibility map after a bulk load (PostgreSQL only).

    VACUUM sets the visibility map, without which PostgreSQL cannot use index-only scans on the
    freshly loaded tables (the household list's name filter went from 250 ms to 90 ms at 1M people).
    It cannot run inside a transaction, so call this after the load has committed.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (Household, Person, Membership, IncomeRecord, AssetRecord):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
