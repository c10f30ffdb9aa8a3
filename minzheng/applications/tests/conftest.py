"""Explicit test figures for a jurisdiction where Inner Mongolia's were not found (ADR 0029: on the built-in
set every temporary-assistance case is 需人工核定). The tests of the decided path configure them; the tests
of the manual path (test_manual_determination) leave them open."""

from __future__ import annotations

import pytest

from minzheng.applications.tests.figures import REGION, temporary_configure  # noqa: F401


@pytest.fixture
def temporary_figures(users):
    """The test jurisdiction's temporary figures over the built-in set (loaded by the test's own fixture)."""
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    temporary_configure(users["region"])
