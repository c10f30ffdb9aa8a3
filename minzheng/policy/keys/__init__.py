"""The parameter keys of the civil-affairs areas beside social assistance, one module per area so each area
adds its figures (time limits, amounts, cut-offs) without touching the others. ``policy.rules`` merges them
into ``PARAMETER_KEYS``."""

from __future__ import annotations

from minzheng.policy.keydefs import ParameterKey
from minzheng.policy.keys import eldercare, marriage, organisations, petitions

AREA_KEYS: tuple[ParameterKey, ...] = (*eldercare.KEYS, *marriage.KEYS, *organisations.KEYS, *petitions.KEYS)
