"""scripts/backup.sh and scripts/restore.sh against PostgreSQL: a seeded database with an uploaded document is
backed up, restored into a new database and a new document directory, and everything comes back — the row
counts, the document's bytes, and an encrypted ID number that still decrypts and matches its blind index.
A restore never writes over a database that has tables, and a damaged backup is refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from minzheng.common import crypto
from minzheng.documents.services import document_upload
from minzheng.registry.services import ID_INDEX

from .conftest import pdf_bytes, stored_files, upload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
TABLES = ("registry_household", "registry_person", "registry_membership", "applications_application",
          "documents_document", "audit_event", "accounts_user")  # fmt: skip


def url_of(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run(script: str, url: str, directory: Path, media_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "MINZHENG_MEDIA_ROOT": str(media_root)}
    return subprocess.run([str(SCRIPTS / script), str(directory)], env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=300, check=False)  # fmt: skip


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]  # noqa: S608


@pytest.fixture
def restored_url():
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = url_of("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url_of(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_and_restore_bring_back_rows_documents_and_encrypted_fields(
    users, application, media, tmp_path, restored_url
):
    content = pdf_bytes("收入证明")
    document = document_upload(actor=users["caseworker"], application_id=application.pk, kind="income",
                               file=upload("收入证明.pdf", content))  # fmt: skip
    source = url_of(connection.settings_dict["NAME"])
    head = application.applicant
    backup = tmp_path / "backup"

    made = run("backup.sh", source, backup, media)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in backup.iterdir()) == ["MANIFEST", "SHA256SUMS", "db", "media.tar"]
    manifest = (backup / "MANIFEST").read_text()
    assert "keys: NOT INCLUDED (FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY are backed up separately)" in manifest
    assert "  documents_document 1\n" in manifest
    assert oct((backup / "db" / "toc.dat").stat().st_mode & 0o777) == "0o600"

    restored_media = tmp_path / "restored-media"
    done = run("restore.sh", restored_url, backup, restored_media)
    assert done.returncode == 0, done.stderr

    assert counts(restored_url) == counts(source)
    assert counts(restored_url)["documents_document"] == 1
    assert [p.relative_to(restored_media) for p in stored_files(restored_media)] == [Path(document.file.name)]
    assert (restored_media / document.file.name).read_bytes() == content
    with psycopg.connect(restored_url) as conn:
        encrypted, index = conn.execute(
            "SELECT id_number_encrypted, id_number_index FROM registry_person WHERE id = %s", (head.pk,)
        ).fetchone()  # type: ignore[misc]
    assert crypto.decrypt(encrypted) == head.id_number
    assert crypto.blind_index(head.id_number, purpose=ID_INDEX) == index


def test_restore_refuses_a_database_with_tables_and_a_damaged_backup(users, application, media, tmp_path,
                                                                     restored_url):  # fmt: skip
    source = url_of(connection.settings_dict["NAME"])
    backup = tmp_path / "backup"
    assert run("backup.sh", source, backup, media).returncode == 0
    before = counts(source)

    over_live = run("restore.sh", source, backup, tmp_path / "m1")
    assert over_live.returncode == 1
    assert "the target database already has" in over_live.stderr
    assert counts(source) == before

    (backup / "MANIFEST").write_text("changed")
    damaged = run("restore.sh", restored_url, backup, tmp_path / "m2")
    assert damaged.returncode == 1
    assert "checksums do not match: backup damaged" in damaged.stderr
    with psycopg.connect(restored_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)

    again = run("backup.sh", source, backup, media)
    assert again.returncode == 1
    assert "already exists; a backup always goes into a new directory" in again.stderr
