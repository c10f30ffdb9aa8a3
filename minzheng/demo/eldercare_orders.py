"""Demo data of eldercare: orders (issue 17). Idempotent; seconds, not minutes."""

from __future__ import annotations


def demo_ensure() -> list[str]:
    """What this part adds to the demo; returns notes for the demo-setup output."""
    return []
