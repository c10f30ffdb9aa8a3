"""The fast paths of the demo seeding (issue 21): the same draws as ``random``, the foreign keys and the
indexes restored, the COPY text exact, and a failed load leaving nothing behind."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import signal
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from minzheng.common import crypto
from minzheng.demo import population_load, registry
from minzheng.demo.population import PopulationDrafter, _Weighted
from minzheng.demo.population_data import HAN_SURNAME_WEIGHTS, HAN_SURNAMES
from minzheng.demo.population_load import SEEDED_MODELS, _check_text, _text_line
from minzheng.demo.registry import ASSET_COLUMNS, PERSON_COLUMNS, _RowBuilder, demo_population_seed
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person
from minzheng.registry.services import BANK_INDEX, ID_INDEX, PHONE_INDEX


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_weighted_draws_and_randint_are_those_of_random(seed):
    # given two generators with the same seed
    fast, slow = random.Random(seed), random.Random(seed)
    surname = _Weighted(fast, HAN_SURNAMES, HAN_SURNAME_WEIGHTS)
    drafter = PopulationDrafter(fast, dt.date(2026, 9, 30))
    # when one draws through the drafter's shortcuts and the other through random's own methods
    drawn = [
        (surname(), drafter.randint(1, 40), drafter.randint(3, 3), drafter.below(500)) for _ in range(2000)
    ]
    expected = [
        (slow.choices(HAN_SURNAMES, HAN_SURNAME_WEIGHTS)[0], slow.randint(1, 40), slow.randint(3, 3), slow.randrange(500))
        for _ in range(2000)
    ]  # fmt: skip
    # then the draws are identical, so a seed keeps giving the population it gave before
    assert drawn == expected


@pytest.fixture
def checked(divisions):
    """The test's divisions with their deferred key checks done: a pending check on a referenced table
    (divisions refer to their parent) makes PostgreSQL refuse to drop the registry tables' keys, and the
    seeding then keeps its keys and indexes (the slow path). A demo database has its divisions committed."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return divisions


def _foreign_keys() -> set[tuple[str, str, str]]:
    tables = [model._meta.db_table for model in SEEDED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return {tuple(row) for row in cursor.fetchall()}


def test_foreign_keys_are_back_and_every_row_refers_to_an_existing_row(divisions):
    # given the foreign keys of the five tables before seeding
    before = _foreign_keys()
    assert len(before) == 7  # the others are references without a database key (ADR 0042)
    # when seeding
    summary = demo_population_seed(households=60, seed=21)
    # then the same keys, with the same definitions (deferrable, initially deferred), are in place
    assert _foreign_keys() == before
    assert Household.objects.count() == summary.households == 60
    persons = set(Person.objects.values_list("pk", flat=True))
    assert set(Household.objects.values_list("head_id", flat=True)) <= persons
    assert set(Membership.objects.values_list("person_id", flat=True)) == persons
    assert {p for p in IncomeRecord.objects.values_list("person_id", flat=True) if p} <= persons
    assert {p for p in AssetRecord.objects.values_list("person_id", flat=True) if p} <= persons


def test_a_second_seeding_continues_the_ids_without_a_duplicate(divisions):
    # when two seedings follow each other (the second sees the first's ID numbers)
    first = demo_population_seed(households=30, seed=31)
    first_ids = set(Person.objects.values_list("pk", flat=True))
    second = demo_population_seed(households=30, seed=32)
    # then every row is there once and the second seeding's ids all follow the first's
    assert Person.objects.count() == first.persons + second.persons
    later = set(Person.objects.values_list("pk", flat=True)) - first_ids
    assert len(later) == second.persons
    assert min(later) > max(first_ids)
    assert Person.objects.values("id_number_index").distinct().count() == Person.objects.count()


def _indexes_and_constraints() -> set[tuple[str, ...]]:
    tables = [model._meta.db_table for model in SEEDED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables]
        )
        indexes = {tuple(row) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        constraints = {tuple(row) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid::regclass::text = ANY(%s) "
            "AND NOT (indisvalid AND indisready)",
            [tables],
        )
        assert cursor.fetchone()[0] == 0
    return indexes | constraints


def test_indexes_dropped_for_a_load_into_empty_tables_are_built_back_as_they_were(checked, monkeypatch):
    # given the indexes and constraints of the five tables before seeding, and a record of what is rebuilt
    before = _indexes_and_constraints()
    built: list[list[population_load._Index]] = []
    build = population_load._indexes_build
    monkeypatch.setattr(
        population_load, "_indexes_build", lambda indexes: (built.append(indexes), build(indexes))
    )
    # when seeding the empty tables, then seeding again into the filled ones
    demo_population_seed(households=40, seed=41)
    demo_population_seed(households=20, seed=42)
    # then the first load went without the indexes on values in random order, among them the unique ID
    # number constraint, but kept the primary keys and the indexes led by the ids of the load's own rows
    # (appends); the second kept them all (the tables were no longer empty)
    dropped = {index.name for index in built[0]}
    assert {"person_id_number_index_unique", "person_name_prefix", "person_id_tail4"} <= dropped
    assert not {"membership_one_open_per_person", "person_household_name"} & dropped
    assert not any(name.endswith("_pkey") for name in dropped)
    assert built[1] == []
    # and every index and constraint is back with its definition, valid
    assert _indexes_and_constraints() == before
    assert Person.objects.values("id_number_index").distinct().count() == Person.objects.count()


def test_the_unique_id_number_still_refuses_a_duplicate_after_the_rebuild(checked):
    # given a seeded population (its unique ID number constraint dropped for the load and added back)
    demo_population_seed(households=10, seed=43)
    person = Person.objects.first()
    # when a second person with the same blind index is written
    twin = Person.objects.filter(pk=person.pk).values()[0] | {"id": None}
    # then PostgreSQL refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(**twin)


def test_copy_text_renders_null_booleans_dates_and_decimals():
    # given a person row and an asset row as the builder makes them
    now = dt.datetime(2026, 9, 30, 8, 0, tzinfo=dt.UTC)
    person = (1, now, now, "张伟", "k$x", "ab", "1501**********0011", dt.date(1980, 1, 2), "male", "01")
    person += ("", "", "", 7, "", None, "capable", True, "", "employed", "", None)
    asset = (3, now, now, 7, None, "deposit", "存款", Decimal("12.50"), None, dt.date(2026, 9, 1), False)
    asset += ("declared", "", None)
    # when rendered as COPY text
    person_line = _text_line(Person, PERSON_COLUMNS)(person)
    asset_line = _text_line(AssetRecord, ASSET_COLUMNS)(asset)
    # then NULL is \N, booleans t/f, dates ISO, decimals their digits
    assert person_line.split("\t")[13:] == ["7", "", "\\N", "capable", "t", "", "employed", "", "\\N\n"]
    assert person_line.split("\t")[7] == "1980-01-02"
    assert asset_line == (
        "3\t2026-09-30 08:00:00+00:00\t2026-09-30 08:00:00+00:00\t7\t\\N\tdeposit\t存款\t12.50\t\\N\t"
        "2026-09-01\tf\tdeclared\t\t\\N\n"
    )


def test_a_tab_in_a_text_value_is_refused_rather_than_shifting_the_columns():
    with pytest.raises(ValueError, match="制表符"):
        _check_text("1\ta\tb\n", rows=1, columns=2)


@pytest.mark.parametrize("purpose", [ID_INDEX, PHONE_INDEX, BANK_INDEX])
def test_the_builders_blind_index_is_cryptos(purpose):
    # given the row builder's HMAC from prepared SHA-256 states
    builder = _RowBuilder([])
    # then it gives the blind index the registry looks values up by
    for value in ("150102198001010011", "13800000000", "6222020000000000000", ""):
        assert builder.index(purpose, value) == crypto.blind_index(value, purpose=purpose)


def _rows_seeded() -> list[list[tuple[object, ...]]]:
    """The seeded rows in id order, by the values that do not depend on the ids or the nonces."""
    persons = Person.objects.order_by("pk")
    return [
        list(
            persons.values_list(
                "name",
                "id_number_index",
                "id_number_masked",
                "phone_index",
                "birth_date",
                "household__head__name",
            )
        ),
        [(p.id_number, p.phone) for p in persons],  # decrypted: the ciphertexts are the keyring's
        list(
            Household.objects.order_by("pk").values_list(
                "bank_account_index", "hukou_address", "member_count"
            )
        ),
        list(Membership.objects.order_by("pk").values_list("person__id_number_index", "relation_to_head")),
        list(
            IncomeRecord.objects.order_by("pk").values_list("person__id_number_index", "category", "amount")
        ),
        list(AssetRecord.objects.order_by("pk").values_list("household__hukou_address", "category", "value")),
    ]


def test_the_render_process_writes_the_rows_the_seeding_process_would_have_written(checked, monkeypatch):
    # given chunks of seven households, so that several are in flight between the three stages
    monkeypatch.setattr(registry, "CHUNK_HOUSEHOLDS", 7)
    # when a seed is written once with the rows rendered in the seeding process itself, and once with the
    # render process (the tables emptied in between)
    monkeypatch.setattr(population_load, "_render_processes", lambda: 1)
    demo_population_seed(households=50, seed=51)
    alone = _rows_seeded()
    Household.objects.update(head=None)
    for model in (Membership, IncomeRecord, AssetRecord, Person, Household):
        model.objects.all().delete()
    monkeypatch.setattr(population_load, "_render_processes", lambda: 2)
    demo_population_seed(households=50, seed=51)
    # then the rows are the same, and the render process has ended
    assert _rows_seeded() == alone
    assert len(alone[0]) == Person.objects.count() > 50
    assert not multiprocessing.active_children()


def test_an_error_in_the_render_process_rolls_the_whole_load_back(checked, monkeypatch):
    # given the keys before seeding, and a render process that refuses the third chunk's text
    keys = _foreign_keys()
    monkeypatch.setattr(registry, "CHUNK_HOUSEHOLDS", 5)
    calls = []

    def refuse_third(text: str, rows: int, columns: int) -> None:
        calls.append(rows)
        if len(calls) > 10:  # five tables a chunk
            _check_text("\t", rows=1, columns=1)

    monkeypatch.setattr(population_load, "_check_text", refuse_third)  # before the fork: the child has it
    # when seeding, then the render process's error is the seeding's
    with pytest.raises(ValueError, match="制表符"):
        demo_population_seed(households=40, seed=52)
    # and nothing is left: no row, the keys as they were, no process
    assert not Household.objects.exists()
    assert not Person.objects.exists()
    assert not IncomeRecord.objects.exists()
    assert _foreign_keys() == keys
    assert not multiprocessing.active_children()


def test_a_killed_render_process_fails_the_seeding_without_a_row(checked, monkeypatch):
    # given a render process that dies (kill -9) on its second chunk
    monkeypatch.setattr(registry, "CHUNK_HOUSEHOLDS", 5)
    render = population_load._CopyText.__call__
    chunks = []

    def die_on_second(
        self: population_load._CopyText, drafts: list[object], ids: population_load.Ids
    ) -> object:
        chunks.append(1)
        if len(chunks) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return render(self, drafts, ids)

    monkeypatch.setattr(population_load._CopyText, "__call__", die_on_second)
    # when seeding, then it fails, and a rerun writes the whole population once
    with pytest.raises(RuntimeError, match="意外退出"):
        demo_population_seed(households=40, seed=53)
    assert not Household.objects.exists()
    assert not Person.objects.exists()
    monkeypatch.setattr(population_load._CopyText, "__call__", render)
    summary = demo_population_seed(households=40, seed=53)
    assert Household.objects.count() == summary.households == 40
    assert (
        Person.objects.values("id_number_index").distinct().count()
        == Person.objects.count()
        == summary.persons
    )
