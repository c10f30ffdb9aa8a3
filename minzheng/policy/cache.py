"""Cached reads of the policy parameters (issue 21: the portal's policy list at p95 < 20 ms).

What is derived from the parameters in force (a place's policy guide, …) is cached in Django's cache
framework under a key that names the place, the date and the *generation* of the parameter set. Every
write of a parameter row starts a new generation (``parameters_changed``): the write services call it, and
so do the ``post_save``/``post_delete`` signals of ``Parameter`` (connected in ``PolicyConfig.ready``, for
writes outside the services: the admin, fixtures, the demo). A new generation is a fresh random token, not
a counter, so an evicted or restarted cache can never bring back an old generation's entries. The date in
the key starts new entries at midnight, when other periods come into force.

The generation is set at once (the writing transaction then reads its own change) and again when the
transaction commits (a reader that cached the old figures between the two is superseded). With several
server processes the cache must be shared (``REDIS_URL``, docs/deployment.md); the per-process default
(local memory) is right for the embedded single-process demo, and entries expire after ``TIMEOUT_SECONDS``
in any case.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "policy:generation"
TIMEOUT_SECONDS = 6 * 3600  # an upper bound on staleness if a process misses a change (per-process cache)

T = TypeVar("T")


def _generation_new() -> str:
    return secrets.token_hex(8)


def generation() -> str:
    """The current generation of the parameter set (created on first use)."""
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, _generation_new(), timeout=None)
        current = cache.get(GENERATION_KEY) or _generation_new()  # a culled key: nothing is reused
    return str(current)


def parameters_changed(**_signal: Any) -> None:
    """Start a new generation now and again on commit; every cached derivation is then recomputed."""
    cache.set(GENERATION_KEY, _generation_new(), timeout=None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, _generation_new(), timeout=None))


def cached(name: str, parts: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()`` for ``name`` and ``parts`` (place, date, language …) in the current generation, from
    the cache when it is there. ``build`` must depend on nothing but the parameters and ``parts``."""
    key = ":".join(("policy", name, generation(), *(str(p) for p in parts)))
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, timeout=TIMEOUT_SECONDS)
    return found  # type: ignore[no-any-return]
