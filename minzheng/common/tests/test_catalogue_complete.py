"""The English catalogue is complete: every message has a reviewed translation.

English is offered beside Simplified Chinese, so an empty ``msgstr`` shows Chinese on an English page and a
``#, fuzzy`` entry (msgmerge's guess from a similar old message) is left out of the compiled catalogue
altogether. Both slip in silently whenever ``make messages`` picks up new strings; this test names them.
The parser reads only what gettext writes (``#,`` flags, ``msgid``/``msgid_plural``/``msgstr[n]`` and their
continuation lines), so no gettext library is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ENGLISH = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def entries(path: Path) -> list[Entry]:
    """The catalogue's messages, without the header and without obsolete (``#~``) entries."""
    result: list[Entry] = []
    for start, block in _blocks(path.read_text(encoding="utf-8")):
        entry = Entry(line=start)
        current = None
        for line in block:
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif match := KEYWORD.match(line):
                current = match.group(1)
                entry.fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current is not None:
                entry.fields[current] += _unquote(line[1:-1])
        if entry.msgid:
            result.append(entry)
    return result


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if current:
                blocks.append((start, current))
            current = []
            continue
        if not current:
            start = number
        if not line.startswith("#~"):
            current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line}: {entry.msgid!r}"


def test_the_english_catalogue_has_messages() -> None:
    assert len(entries(ENGLISH)) > 1000


def test_every_english_message_is_translated() -> None:
    untranslated = [_where(e) for e in entries(ENGLISH) if not all(e.translations)]

    assert not untranslated, f"{len(untranslated)} untranslated:\n" + "\n".join(untranslated[:50])


def test_no_english_message_is_fuzzy() -> None:
    fuzzy = [_where(e) for e in entries(ENGLISH) if "fuzzy" in e.flags]

    assert not fuzzy, f"{len(fuzzy)} fuzzy (review the msgstr, then drop the flag):\n" + "\n".join(fuzzy[:50])


def test_english_translations_keep_the_placeholders() -> None:
    """msgfmt checks this when compiling; the test says which message, before anyone compiles."""
    wrong = [
        f"{_where(e)} -> {text!r}"
        for e in entries(ENGLISH)
        if "python-format" in e.flags
        for text in e.translations
        if set(PLACEHOLDER.findall(text.replace("%%", "")))
        != set(PLACEHOLDER.findall(e.msgid.replace("%%", "")))
    ]

    assert not wrong, "\n".join(wrong)


def test_the_parser_sees_untranslated_fuzzy_and_plural_entries(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\nmsgid "已保存"\nmsgstr "Saved"\n\n'
        '#: a.py:2\nmsgid "未翻译"\nmsgstr ""\n\n'
        '#, fuzzy, python-format\n#| msgid "旧 %(n)s"\nmsgid "新 %(n)s"\nmsgstr "Old %(n)s"\n\n'
        '#, python-format\nmsgid "%(n)s 份"\nmsgid_plural "%(n)s 份"\nmsgstr[0] "%(n)s copy"\nmsgstr[1] ""\n\n'
        '#~ msgid "废弃"\n#~ msgstr ""\n',
        encoding="utf-8",
    )

    found = {e.msgid: e for e in entries(po)}

    assert set(found) == {"已保存", "未翻译", "新 %(n)s", "%(n)s 份"}
    assert all(found["已保存"].translations)
    assert not all(found["未翻译"].translations)
    assert "fuzzy" in found["新 %(n)s"].flags
    assert found["%(n)s 份"].translations == ["%(n)s copy", ""]
