"""Models of entitlements (issue 17): owned by that part; see docs/eldercare.md."""

from __future__ import annotations

__all__: list[str] = []
