"""Policy-parameter keys of the eldercare area (registered in policy.rules.PARAMETER_KEYS)."""

from __future__ import annotations

from minzheng.policy.keydefs import ParameterKey

KEYS: tuple[ParameterKey, ...] = ()
