"""Cached derivations of rarely changing tables, invalidated by generation (issue 21: the portal's policy
list at p95 < 20 ms).

A value derived from a table (a place's policy guide from the policy parameters, the place chooser from the
divisions) is cached in Django's cache framework under a key naming the *generations* of the tables it was
derived from and its parts (place, date, language …). Every write to such a table starts a new generation
of it (``changed``): the write services call it, and ``post_save``/``post_delete`` receivers do for writes
outside them (``PolicyConfig.ready``, ``DivisionsConfig.ready``). A new generation is a fresh random token,
not a counter, so an evicted or restarted cache never brings back an old generation's entries. A date among
the parts starts new entries at midnight, when other periods come into force.

The generation is set at once (the writing transaction then reads its own change) and again on commit (a
reader that cached the old value between the two is superseded). With several server processes the cache
must be shared (``REDIS_URL``, docs/deployment.md); the per-process default (local memory) is right for the
embedded single-process demo, and entries expire after ``TIMEOUT_SECONDS`` in any case.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

TIMEOUT_SECONDS = 6 * 3600  # an upper bound on staleness if a process misses a change (per-process cache)
POLICY = "policy"  # the policy parameters
DIVISIONS = "divisions"  # the division tree

T = TypeVar("T")


def _key(table: str) -> str:
    return f"generation:{table}"


def generation(table: str) -> str:
    """The current generation of ``table`` (created on first use)."""
    current = cache.get(_key(table))
    if current is None:
        cache.add(_key(table), secrets.token_hex(8), timeout=None)
        current = cache.get(_key(table)) or secrets.token_hex(8)  # a culled key: nothing is reused
    return str(current)


def changed(table: str) -> None:
    """Start a new generation of ``table`` now and again on commit: what was derived from it is recomputed."""
    cache.set(_key(table), secrets.token_hex(8), timeout=None)
    transaction.on_commit(lambda: cache.set(_key(table), secrets.token_hex(8), timeout=None))


def cache_key(name: str, tables: tuple[str, ...], parts: tuple[Hashable, ...]) -> str:
    """The key of ``name`` and ``parts`` in the current generations of ``tables`` (also the version to vary
    a template fragment on: ``{% cache … key %}``)."""
    return ":".join((name, *(generation(t) for t in tables), *(str(p) for p in parts)))


def cached(name: str, tables: tuple[str, ...], parts: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()`` for ``name`` and ``parts`` in the current generations of ``tables``, from the cache when
    it is there. ``build`` must depend on nothing but those tables and ``parts``."""
    return cached_at(cache_key(name, tables, parts), build)


def cached_at(key: str, build: Callable[[], T]) -> T:
    """``build()`` under ``key`` (from ``cache_key``)."""
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, timeout=TIMEOUT_SECONDS)
    return found
