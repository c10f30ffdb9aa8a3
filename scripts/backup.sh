#!/usr/bin/env bash
# Back up one Minzheng installation into a new directory (docs/deployment.md §6):
#   DATABASE_URL=postgres://… [MINZHENG_MEDIA_ROOT=…] scripts/backup.sh /backup/minzheng-20261206
#
#   <dir>/db/          pg_dump directory format (-Fd), dumped with $BACKUP_JOBS (default 2) parallel jobs
#   <dir>/media.tar    the uploaded documents (MEDIA_ROOT), when the directory exists
#   <dir>/MANIFEST     when, from where, the last migration of each app, row counts of key tables
#   <dir>/SHA256SUMS   checksums of every file above
#
# The encryption keys (FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY) are NOT in the backup, on purpose: they are
# backed up separately (secret store / sealed envelope). Without them the restored ID numbers, phones and
# bank accounts cannot be read; with them next to the dump, whoever steals the backup can read everything.
set -euo pipefail

usage() { echo "usage: DATABASE_URL=postgres://… $0 <new backup directory>" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
: "${DATABASE_URL:?DATABASE_URL is required (postgres://user@host:5432/name)}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *) echo "only PostgreSQL is backed up by this script" >&2; exit 2 ;; esac

dest=$1
jobs=${BACKUP_JOBS:-2}
data_dir=${MINZHENG_DATA_DIR:-$(cd "$(dirname "$0")/.." && pwd)/data}
media_root=${MINZHENG_MEDIA_ROOT:-$data_dir/media}

if [[ -e $dest ]]; then echo "$dest already exists; a backup always goes into a new directory" >&2; exit 1; fi
umask 077  # the dump holds personal data (encrypted fields, names, addresses): readable by the owner only
mkdir -p "$dest"

started=$(date +%s)
# -Fd: one compressed file per table, dumped in parallel and restorable in parallel (pg_restore -j).
# One consistent snapshot for all jobs (pg_dump exports it), so the dump is a single point in time.
pg_dump --format=directory --jobs="$jobs" --compress=6 --no-owner --no-privileges \
  --file="$dest/db" --dbname="$DATABASE_URL"
dumped=$(date +%s)

if [[ -d $media_root ]]; then
  tar --create --file="$dest/media.tar" --directory="$media_root" .
fi

{
  echo "minzheng backup"
  echo "created_at: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "source: $(psql --no-psqlrc -Atq -d "$DATABASE_URL" -c "SELECT current_database() || ' on PostgreSQL ' || current_setting('server_version')")"
  echo "git_commit: $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "dump_seconds: $((dumped - started))"
  echo "media: $([[ -f $dest/media.tar ]] && echo "media.tar from $media_root" || echo "none ($media_root absent)")"
  echo "keys: NOT INCLUDED (FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY are backed up separately)"
  echo "row_counts:"
  psql --no-psqlrc -Atq -F ' ' -d "$DATABASE_URL" -c "
    SELECT '  ' || relname, n FROM (
      SELECT 'registry_person' AS relname, (SELECT count(*) FROM registry_person) AS n
      UNION ALL SELECT 'registry_household', (SELECT count(*) FROM registry_household)
      UNION ALL SELECT 'applications_application', (SELECT count(*) FROM applications_application)
      UNION ALL SELECT 'documents_document', (SELECT count(*) FROM documents_document)
    ) counts ORDER BY 1" 2>/dev/null || echo "  (tables not found)"
  echo "migrations:"
  psql --no-psqlrc -Atq -d "$DATABASE_URL" -c \
    "SELECT '  ' || app || ' ' || max(name) FROM django_migrations GROUP BY app ORDER BY app" 2>/dev/null || true
} > "$dest/MANIFEST"

(cd "$dest" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
echo "backup written to $dest ($(du -sh "$dest" | cut -f1)); database dumped in $((dumped - started)) s"
echo "reminder: the encryption keys are not in this backup — keep their copy in the secret store"
