"""Policy-parameter keys of eldercare: institutions (issue 17)."""

from __future__ import annotations

from minzheng.policy.keydefs import ParameterKey

KEYS: tuple[ParameterKey, ...] = ()
