#!/usr/bin/env bash
# A private ClamAV daemon for the tests and for drills, without root, the network or the real signatures:
#   scripts/clamd-test-daemon.sh /tmp/mz-clamd        # runs in the foreground; Ctrl-C stops it
#   DOCUMENT_SCANNER=minzheng.documents.scanning.ClamdScanner MINZHENG_CLAMD=unix:/tmp/mz-clamd/clamd.sock …
#
# Writes into <dir> a clamd.conf (unix socket <dir>/clamd.sock, nothing on TCP) and a one-line signature
# database with only the EICAR anti-virus test file (freshclam cannot download the real ones here), then
# execs Debian's clamd (package clamav-daemon) in the foreground. The tests start it through the fixture
# ``clamd_socket`` in minzheng/documents/tests/conftest.py and are skipped when clamd is not installed.
set -euo pipefail

dir=${1:?usage: $0 <directory for the socket, config and signatures>}
clamd=${CLAMD:-$(command -v clamd || echo /usr/sbin/clamd)}
[[ -x $clamd ]] || { echo "clamd not found: apt-get install clamav-daemon" >&2; exit 127; }
mkdir -p "$dir/db"
dir=$(cd "$dir" && pwd)

# The EICAR test file is exactly these 68 bytes; an .hdb line is <md5>:<size>:<name> of a whole file.
# The uploads embed the string in larger files, so an .ndb body signature (hex, any offset, any file type)
# is the one that matters; the .hdb line catches the bare file too.
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s:68:Eicar-Test-Signature\n' "$(printf '%s' "$eicar" | md5sum | cut -d' ' -f1)" > "$dir/db/eicar.hdb"
printf 'Eicar-Test-Signature:0:*:%s\n' "$(printf '%s' "$eicar" | od -An -tx1 -v | tr -d ' \n')" \
  > "$dir/db/eicar.ndb"

cat > "$dir/clamd.conf" <<CONF
LocalSocket $dir/clamd.sock
LocalSocketMode 600
DatabaseDirectory $dir/db
PidFile $dir/clamd.pid
LogFile $dir/clamd.log
LogTime yes
Foreground yes
StreamMaxLength 20M
MaxFileSize 20M
MaxScanSize 50M
ConcurrentDatabaseReload no
CONF
if [[ $(id -u) == 0 ]]; then echo "User root" >> "$dir/clamd.conf"; fi

exec "$clamd" --config-file="$dir/clamd.conf"
