"""Hypothesis: no example database on disk (the suite runs in a shared working tree), deterministic."""

from hypothesis import settings

settings.register_profile("minzheng", database=None, derandomize=True)
settings.load_profile("minzheng")
