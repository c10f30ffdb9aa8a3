#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database (docs/deployment.md §6):
#   createdb -h … -U postgres -O minzheng minzheng_restored
#   DATABASE_URL=postgres://…/minzheng_restored [MINZHENG_MEDIA_ROOT=…] scripts/restore.sh /backup/minzheng-20261206
#
# Checks the checksums first, refuses a database that already has tables (never restores over live data),
# restores with $RESTORE_JOBS (default 2) parallel jobs, stops at the first error, then runs ANALYZE
# (pg_restore does not bring the planner statistics). The media archive is unpacked into MEDIA_ROOT when
# it is given and empty. The application needs the SAME FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY as the
# source installation — they are not in the backup.
set -euo pipefail

usage() { echo "usage: DATABASE_URL=postgres://…/<empty database> $0 <backup directory>" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
: "${DATABASE_URL:?DATABASE_URL is required (the empty target database)}"
src=$1
jobs=${RESTORE_JOBS:-2}
[[ -f $src/db/toc.dat ]] || { echo "$src/db/toc.dat missing: not a backup made by scripts/backup.sh" >&2; exit 1; }

(cd "$src" && sha256sum --quiet --check SHA256SUMS) || { echo "checksums do not match: backup damaged" >&2; exit 1; }

tables=$(psql --no-psqlrc -Atq -d "$DATABASE_URL" -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [[ $tables != 0 ]]; then
  echo "the target database already has $tables tables; restore only into a new, empty database" >&2
  exit 1
fi

started=$(date +%s)
pg_restore --jobs="$jobs" --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" "$src/db"
restored=$(date +%s)
psql --no-psqlrc -q -d "$DATABASE_URL" -c "ANALYZE"
analyzed=$(date +%s)

if [[ -f $src/media.tar && -n ${MINZHENG_MEDIA_ROOT:-} ]]; then
  mkdir -p "$MINZHENG_MEDIA_ROOT"
  if [[ -n $(ls -A "$MINZHENG_MEDIA_ROOT") ]]; then
    echo "MEDIA_ROOT $MINZHENG_MEDIA_ROOT is not empty: documents not unpacked" >&2
    exit 1
  fi
  tar --extract --file="$src/media.tar" --directory="$MINZHENG_MEDIA_ROOT"
elif [[ -f $src/media.tar ]]; then
  echo "documents not unpacked: set MINZHENG_MEDIA_ROOT to the (empty) document directory" >&2
fi
echo "restored in $((restored - started)) s (+ ANALYZE $((analyzed - restored)) s)"
