"""The database-backed ``Params`` provider: policy parameters resolved through
``policy.selectors.parameter_value`` (most specific jurisdiction, then urban/rural; ``ParameterMissing``
when none is in force). Lookups are cached per (key, place, urban/rural, date) for one provider, so a
batch over many households of one place asks the database once per key."""

from __future__ import annotations

import datetime as dt

from minzheng.policy.rules import ResolvedParameter
from minzheng.policy.selectors import parameter_value


class SelectorParams:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str, dt.date], ResolvedParameter] = {}

    def get(self, key: str, division_code: str, urban_rural: str, on_date: dt.date) -> ResolvedParameter:
        found = self._cache.get((key, division_code, urban_rural, on_date))
        if found is None:
            found = parameter_value(key, division_code, on_date, urban_rural)
            self._cache[(key, division_code, urban_rural, on_date)] = found
        return found
