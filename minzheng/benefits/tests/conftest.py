"""Hypothesis: no example database on disk (the suite runs in a shared working tree), deterministic; a
temporary MEDIA_ROOT (the what-if jobs store their reports there)."""

import pytest
from hypothesis import settings

settings.register_profile("minzheng", database=None, derandomize=True)
settings.load_profile("minzheng")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """The what-if job stores its report beside the job under MEDIA_ROOT: a fresh one per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
