#!/usr/bin/env python3
"""Write the traditional-Mongolian catalogue from its reviewable source (ADR 0040).

The translations are kept in ``minzheng/locale/mn/portal.tsv``: one line per message, the Chinese ``msgid``
(``\\n`` escaped), a tab, and the Mongolian in the Latin transliteration of docs/mongolian-glossary.md. This
script turns the transliteration into Unicode Mongolian script (U+1800–18AF) and writes it as ``msgstr``
into ``minzheng/locale/mn/LC_MESSAGES/django.po``, each entry with the translator comment that marks it
machine-aided and awaiting review. A reviewer corrects the transliteration (or a line's script directly
after ``#mong:``) and runs the script again; ``makemessages -l mn`` keeps the entries it fills.

Transliteration (after Poppe, as the glossary): a e i o u ö ü, n, ng → ᠩ, b p q γ k g m l s š t d č ǰ y r
w f h z c; ``k``/``g`` are written with the letters of ``q``/``γ`` (front-vowel shapes come from the
font); ``-`` before a suffix is the narrow no-break space U+202F; ``'`` before a final a/e is the
Mongolian vowel separator U+180E; ``,`` ``.`` become ᠂ ᠃. Kept as they are: ``%(name)s`` placeholders,
digits, Chinese, and anything between backticks (Latin names such as `PDF`).

Usage: ``python scripts/mongolian_catalogue.py`` (then ``minzheng compilemessages -l mn``);
``--check`` exits 1 when the catalogue differs from what the source gives.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "minzheng" / "locale" / "mn" / "portal.tsv"
CATALOGUE = ROOT / "minzheng" / "locale" / "mn" / "LC_MESSAGES" / "django.po"
REVIEW = "#. 机器辅助，待审校 (machine-aided, needs review)"

LETTERS = {
    "ng": "\u1829", "a": "\u1820", "e": "\u1821", "i": "\u1822", "o": "\u1823", "u": "\u1824",
    "ö": "\u1825", "ü": "\u1826", "n": "\u1828", "b": "\u182a", "p": "\u182b", "q": "\u182c",
    "k": "\u182c", "γ": "\u182d", "g": "\u182d", "m": "\u182e", "l": "\u182f", "s": "\u1830",
    "š": "\u1831", "t": "\u1832", "d": "\u1833", "č": "\u1834", "ǰ": "\u1835", "y": "\u1836",
    "r": "\u1837", "w": "\u1838", "v": "\u1838", "f": "\u1839", "z": "\u183d", "c": "\u183c", "h": "\u183e",
    "-": "\u202f", "'": "\u180e", ",": "\u1802", ".": "\u1803",
}  # fmt: skip
# placeholders, backtick-quoted Latin, then one transliteration letter (the digraph first)
TOKEN = re.compile(r"%\([a-z_]+\)[sd]|%%|`[^`]*`|ng|[aeiouöünbpqkγgmlsštdčǰyrwvfzch\-',.]|.", re.DOTALL)

# a Latin, Greek or Cyrillic letter left over is a typo in the transliteration, never meant to be kept
STRAY = re.compile(r"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")


def to_script(latin: str) -> str:
    """The transliteration in Mongolian script; placeholders, digits and other characters unchanged."""
    if latin.startswith("#mong:"):
        return latin.removeprefix("#mong:")
    out = []
    for token in TOKEN.findall(latin):
        if token.startswith("`"):
            out.append(token.strip("`"))
        elif token in LETTERS:
            out.append(LETTERS[token])
        elif STRAY.match(token):
            raise SystemExit(f"{token!r} is no letter of the transliteration (a typo?) in: {latin}")
        else:
            out.append(token)
    return "".join(out)


def source() -> dict[str, str]:
    rows: dict[str, str] = {}
    for number, line in enumerate(SOURCE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        msgid, _, latin = line.partition("\t")
        if not latin:
            raise SystemExit(f"{SOURCE}:{number}: no tab between the Chinese and the transliteration")
        rows[msgid.replace("\\n", "\n")] = to_script(latin.strip())
    return rows


def po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def po_unquote(lines: list[str]) -> str:
    joined = "".join(line[line.index('"') + 1 : line.rindex('"')] for line in lines)
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), joined)


def fill(text: str, rows: dict[str, str]) -> tuple[str, set[str]]:
    """Every entry of the catalogue whose msgid has a row gets its msgstr(s) and the review comment; also
    returns the msgids filled."""
    found: set[str] = set()
    blocks = text.split("\n\n")
    for index, block in enumerate(blocks):
        lines = block.split("\n")
        starts = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        if not starts or any(line.startswith("msgctxt") for line in lines):
            continue
        start = starts[0]
        end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith('"'))
        msgid = po_unquote(lines[start:end])
        if not msgid or msgid not in rows:
            continue
        found.add(msgid)
        translated = po_string(rows[msgid])
        head = [
            line
            for line in lines[:start]
            if line != REVIEW and not (line.startswith("#,") and "fuzzy" in line)
        ]
        comments = [line for line in head if line.startswith("#.")]
        others = [line for line in head if not line.startswith("#.")]
        first_msgstr = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        if lines[end].startswith("msgid_plural"):
            body = [*lines[start:first_msgstr], f"msgstr[0] {translated}", f"msgstr[1] {translated}"]
        else:
            body = [*lines[start:end], f"msgstr {translated}"]
        blocks[index] = "\n".join([*comments, REVIEW, *others, *body])
    return "\n\n".join(blocks), found


def main(argv: list[str]) -> int:
    rows = source()
    current = CATALOGUE.read_text(encoding="utf-8")
    filled, found = fill(current, rows)
    missing = [msgid for msgid in rows if msgid not in found]
    for msgid in missing:
        sys.stdout.write(f"not in the catalogue (run makemessages -l mn): {msgid}\n")
    if "--check" in argv:
        return 1 if filled != current else 0
    CATALOGUE.write_text(filled, encoding="utf-8")
    sys.stdout.write(f"{len(rows)} messages written into {CATALOGUE.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
