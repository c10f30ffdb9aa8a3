#!/usr/bin/env python3
"""Fail when the English catalogue is not current with the source strings.

``make messages`` (makemessages) rewrites ``minzheng/locale/en/LC_MESSAGES/django.po`` from the
``gettext``/``{% translate %}`` calls; a string added or changed in code without it never reaches the
catalogue, and the English page shows Chinese. This script runs makemessages on a temporary copy of the
package (the working tree is never written) and compares the messages (context, msgid, msgid_plural) of the
copy's catalogue with the committed one. Whether the committed messages are translated is the business of
``minzheng/common/tests/test_catalogue_complete.py``.

Usage: ``python scripts/check_messages.py``. Exit 1 with the missing and stale messages, one per line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "minzheng"
CATALOGUE = Path("locale") / "en" / "LC_MESSAGES" / "django.po"
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')

Message = tuple[str, str, str]  # context, msgid, msgid_plural


def messages(path: Path) -> set[Message]:
    """The catalogue's live messages (no header, no obsolete ``#~`` entries), as gettext keys them."""
    found: set[Message] = set()
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if match := KEYWORD.match(line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current is not None:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            found.add((fields.get("msgctxt", ""), fields["msgid"], fields.get("msgid_plural", "")))
    return found


def fresh_messages() -> set[Message]:
    with tempfile.TemporaryDirectory(prefix="check-messages-") as tmp:
        copy = Path(tmp) / "minzheng"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        # -P: with the package directory as the working directory, ``import statistics`` would otherwise
        # find minzheng/statistics instead of the standard library. PYTHONPATH puts the copy first, so its
        # settings' LOCALE_PATHS (and every write) point into the copy.
        subprocess.run(  # noqa: S603  (our own interpreter and command, fixed arguments)
            [sys.executable, "-P", "-m", "minzheng", "makemessages", "-l", "en", "--no-obsolete", "-v0"],
            cwd=copy,
            env={**os.environ, "PYTHONPATH": tmp},
            check=True,
        )
        return messages(copy / CATALOGUE)


def main() -> int:
    committed = messages(PACKAGE / CATALOGUE)
    fresh = fresh_messages()
    problems = [f"missing from the catalogue: {m[1]!r}" for m in sorted(fresh - committed)]
    problems += [f"no longer in the source: {m[1]!r}" for m in sorted(committed - fresh)]
    for line in problems:
        sys.stdout.write(line + "\n")
    if problems:
        sys.stdout.write("run `make messages`, translate the new English entries, commit the catalogues\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
