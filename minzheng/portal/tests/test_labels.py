"""The Chinese label constants the portal translates (ADR 0040): the list for makemessages is the constants,
and a label reads in Mongolian on Mongolian pages and unchanged in Chinese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.utils import translation

from minzheng.applications.rules import Step
from minzheng.catalogue.programmes import PROGRAMME_LABELS, WORKFLOW_LABELS
from minzheng.documents.models import DocumentKind
from minzheng.portal.labels import MESSAGES, label
from minzheng.registry.choices import DisabilityCategory


def test_the_messages_are_exactly_the_label_constants():
    constants = {
        *PROGRAMME_LABELS.values(),
        *WORKFLOW_LABELS.values(),
        *(str(kind.label) for kind in DocumentKind),
        *(str(category.label) for category in DisabilityCategory if category.value),
        *(str(step.label) for step in Step),
    }

    assert set(MESSAGES) == constants
    assert len(MESSAGES) == len(constants)


def test_a_label_is_in_mongolian_on_mongolian_pages_and_unchanged_in_chinese():
    with translation.override("mn"):
        mongolian = label(PROGRAMME_LABELS["dibao"])
        unknown = label("某个未列入的词")
    with translation.override("zh-hans"):
        chinese = label(PROGRAMME_LABELS["dibao"])

    assert mongolian == "ᠠᠮᠢᠳᠤᠷᠠᠯ\u202fᠤᠨ ᠳᠣᠣᠷᠠᠳᠤ ᠪᠠᠲᠠᠯᠠᠮᠵᠢ"
    assert unknown == "某个未列入的词"
    assert chinese == "最低生活保障"


def test_the_mongolian_catalogue_is_written_from_its_source():
    """django.po holds exactly what ``scripts/mongolian_catalogue.py`` writes from ``locale/mn/portal.tsv``:
    no hand edit lost at the next run, no row of the source missing from the catalogue."""
    root = Path(__file__).resolve().parents[3]

    result = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, "scripts/mongolian_catalogue.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
