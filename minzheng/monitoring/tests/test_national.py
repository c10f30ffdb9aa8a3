"""National scale (issue 22; ADR 0037): the snapshot exported to Parquet with a verified manifest, the
rules over it with DuckDB selecting exactly what the daily run over the database selects, the alert set
imported idempotently, and the synthetic generator deterministic and chunked by prefecture."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest

from minzheng.monitoring import services
from minzheng.monitoring.models import Alert
from minzheng.monitoring.national import duckdb_runner, export, generator, layout
from minzheng.monitoring.services import national
from minzheng.registry.models import Person

pytestmark = pytest.mark.django_db

MEDICAL = ["身份证号码", "结算日期", "个人自付金额", "费用类别", "结算单号"]
DISABILITY = ["身份证号码", "发证日期", "残疾等级", "残疾人证号"]


@pytest.fixture
def scenario(family, deliver, enrol, today, monitoring_ready):
    """Households in two leagues that the built-in rules flag (and some they do not), with the matched
    department records of several months; returns the households by name. Taibus's medical bill is more
    than half its income (the share arm of medical_out_of_pocket)."""
    day = today - dt.timedelta(days=30)
    made = {
        "medical": family("100000"), "medical_at": family("100000"), "disabled": family(members=1),
        "vehicle": family(), "deceased": family(), "taibus": family("6000", division_code="152527201206"),
        "quiet": family("24000", members=2),
    }  # fmt: skip
    for name in ("vehicle", "deceased", "taibus"):
        enrol(made[name])
    deliver("medical_expense", MEDICAL, [
        [made["medical"].head.id_number, day, "20000.01", "医疗", "S1"],
        [made["medical_at"].head.id_number, day, "20000.00", "医疗", "S2"],
        [made["taibus"].head.id_number, today - dt.timedelta(days=200), "3500.50", "意外伤害", "S3"],
    ])  # fmt: skip
    member = made["disabled"].persons.exclude(pk=made["disabled"].head_id).get()
    deliver("disability_certificate", DISABILITY, [[member.id_number, day, "一级", "C1"]])
    deliver(
        "vehicle", ["身份证号码", "登记日期", "号牌号码"], [[made["vehicle"].head.id_number, day, "蒙A12345"]]
    )
    deliver("death", ["身份证号码", "死亡日期"], [[made["deceased"].head.id_number, day]])
    return made


def _daily_alerts() -> set[tuple]:
    return {
        (a.rule_code, a.household_id, a.person_id, json.dumps(a.evidence, sort_keys=True, ensure_ascii=False))
        for a in Alert.objects.all()
    }


def _parquet_hits(out, results) -> set[tuple]:
    hits = set()
    for result in results:
        assert result.error == "", (result.code, result.error)
        for row in pq.read_table(out / result.path).to_pylist():
            evidence = json.dumps(json.loads(row["evidence"]), sort_keys=True, ensure_ascii=False)
            hits.add((row["rule_code"], row["household_id"], row["person_id"], evidence))
    return hits


def test_rules_over_the_exported_parquet_select_what_the_daily_run_selects(scenario, users, today, tmp_path):
    # given the daily run over the database (DuckDB over PostgreSQL), which also matches and refreshes
    run = services.monitoring_run(actor=users["region"])
    assert run.status == "succeeded", run.message
    daily = _daily_alerts()
    # when the same day's snapshot is exported and the published rules run over its Parquet files
    manifest = export.snapshot_export(tmp_path / "snap", as_of=today)
    specs = [duckdb_runner.RuleSpec(r.code, r.condition, r.subject) for r in national.published_rules()]
    _, results = duckdb_runner.dataset_run(
        tmp_path / "snap", tmp_path / "out", specs, duckdb_runner.Settings()
    )
    # then the hits are the alerts, evidence included, rule by rule
    assert _parquet_hits(tmp_path / "out", results) == daily
    flagged = {(code, h) for code, h, _p, _e in daily}
    assert flagged == {
        ("medical_out_of_pocket", scenario["medical"].pk), ("severe_disability_new", scenario["disabled"].pk),
        ("recipient_vehicle", scenario["vehicle"].pk), ("deceased_still_paid", scenario["deceased"].pk),
        ("member_death", scenario["deceased"].pk), ("medical_out_of_pocket", scenario["taibus"].pk),
    }  # fmt: skip
    assert len(results) == len(specs) == 13
    # and the manifest counts what the engine loaded, partitioned by league and month
    tables = manifest["tables"]
    assert (tables["monitor_households"]["rows"], tables["monitor_persons"]["rows"]) == (7, 10)
    assert tables["feed_records"]["rows"] == 6
    assert manifest["parameters"]["missing"] == {}
    assert sorted(f["path"] for f in tables["monitor_households"]["files"]) == [
        "monitor_households/prefecture=1501/part-0.parquet", "monitor_households/prefecture=1525/part-0.parquet",
    ]  # fmt: skip
    feed_paths = sorted(f["path"] for f in tables["feed_records"]["files"])
    month = layout.month_key(today - dt.timedelta(days=30), today)
    assert f"feed_records/prefecture=1501/month={month}/part-0.parquet" in feed_paths


def test_manifest_refuses_a_changed_missing_or_extra_file_and_holds_no_clear_identifier(
    scenario, today, tmp_path
):
    services.population_refresh(today=today)
    root = tmp_path / "snap"
    manifest = export.snapshot_export(root, as_of=today)
    assert layout.dataset_verify(root) == manifest
    # persons carry the blind index's first 60 bits; no value anywhere is a name or an ID number
    con = duckdb.connect()
    layout.views_create(con, root, manifest)
    rows = con.execute("SELECT person_id, person_key FROM monitor_persons").fetchall()
    people = {p.pk: p for p in Person.objects.all()}
    assert {pid: key for pid, key in rows} == {
        pid: int(p.id_number_index[:15], 16) for pid, p in people.items()
    }
    values = set()
    for table in layout.TABLES:
        rows = con.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - the contract's table names
        values |= {str(v) for row in rows for v in row}
    clear = {p.id_number for p in people.values()} | {p.name for p in people.values()}
    assert values & clear == set()
    assert any(v.isdigit() and len(v) == 12 for v in values)  # division codes were read
    # a changed file, an extra one, a missing one and another schema version are refused
    path = root / manifest["tables"]["monitor_households"]["files"][0]["path"]
    original = path.read_bytes()
    # a changed byte of the same size: only the checksum tells
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0xFF
    path.write_bytes(bytes(tampered))
    with pytest.raises(layout.ManifestError, match="校验和与清单不符"):
        duckdb_runner.dataset_open(root, duckdb_runner.Settings())
    path.write_bytes(original)
    (root / "monitor_households" / "prefecture=9999").mkdir()
    (root / "monitor_households" / "prefecture=9999" / "part-0.parquet").write_bytes(original)
    with pytest.raises(layout.ManifestError, match="清单之外的文件"):
        layout.dataset_verify(root)
    (root / "monitor_households" / "prefecture=9999" / "part-0.parquet").unlink()
    path.unlink()
    with pytest.raises(layout.ManifestError, match="缺少文件"):
        layout.dataset_verify(root)
    path.write_bytes(original)
    text = (root / layout.MANIFEST).read_text(encoding="utf-8")
    (root / layout.MANIFEST).write_text(
        text.replace('"schema_version": 1', '"schema_version": 2'), encoding="utf-8"
    )
    with pytest.raises(layout.ManifestError, match="版本 2"):
        layout.dataset_verify(root)


def test_alert_import_is_set_based_and_idempotent(scenario, users, today, tmp_path):
    # given the hits of a run over the exported snapshot
    services.population_refresh(today=today)
    export.snapshot_export(tmp_path / "snap", as_of=today)
    specs = [duckdb_runner.RuleSpec(r.code, r.condition, r.subject) for r in national.published_rules()]
    _, results = duckdb_runner.dataset_run(
        tmp_path / "snap", tmp_path / "out", specs, duckdb_runner.Settings()
    )
    # when they are imported twice
    first = national.alerts_import(actor=users["region"], alerts=tmp_path / "out", as_of=today)
    keys = set(Alert.objects.values_list("rule_code", "subject_key"))
    second = national.alerts_import(actor=users["region"], alerts=tmp_path / "out", as_of=today)
    # then the first writes one alert per hit, the second nothing
    assert (first.hits, first.alerts_new, first.alerts_duplicate) == (6, 6, 0)
    assert (second.hits, second.alerts_new, second.alerts_duplicate) == (6, 0, 6)
    assert Alert.objects.count() == 6 == sum(r.hits for r in results)
    assert set(Alert.objects.values_list("rule_code", "subject_key")) == keys
    assert {a.run_id for a in Alert.objects.all()} == {first.pk}
    # and the daily run afterwards finds every subject already alerted
    daily = services.monitoring_run(actor=users["region"])
    assert (daily.hits, daily.alerts_new) == (6, 0)


def test_generator_is_deterministic_and_written_prefecture_by_prefecture(tmp_path):
    # given Ningxia (5 prefectures) at 3,000 people, twice with one seed and once with another
    one = generator.generate(tmp_path / "a", people=3000, seed=7, provinces=["64"])
    two = generator.generate(tmp_path / "b", people=3000, seed=7, provinces=["64"])
    other = generator.generate(tmp_path / "c", people=3000, seed=8, provinces=["64"])

    def checksums(manifest):
        return {f["path"]: f["sha256"] for t in manifest["tables"].values() for f in t["files"]}

    # then the same seed writes byte-identical files, another seed other ones
    assert checksums(one) == checksums(two)
    assert checksums(one) != checksums(other)
    tables = one["tables"]
    assert tables["monitor_persons"]["rows"] == tables["population"]["rows"] == 3000
    prefectures = sorted(f["path"].split("/")[1] for f in tables["monitor_persons"]["files"])
    assert prefectures == [
        "prefecture=6401",
        "prefecture=6402",
        "prefecture=6403",
        "prefecture=6404",
        "prefecture=6405",
    ]
    size = Decimal(3000) / tables["monitor_households"]["rows"]
    assert Decimal("2.5") < size < Decimal("3.0")
    assert 2.7 < tables["feed_records"]["rows"] / 3000 < 3.3
    # and the rules run over it (no parameter missing; every rule reads its tables)
    _, results = duckdb_runner.dataset_run(
        tmp_path / "a",
        tmp_path / "out",
        duckdb_runner.builtin_specs(),
        duckdb_runner.Settings(memory_limit="1GB"),
    )
    assert [r.error for r in results] == [""] * 13
    assert sum(r.hits for r in results) > 0
