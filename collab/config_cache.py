"""Party configuration that every ticket create reads (categories, routing rules, partners, SLA
policies and calendars, webhook endpoints, the originator's product for the ticket's SKU), kept in
the cache instead of queried per request.

Saving or deleting a configuration row drops its entry (now, and again after the commit, so a
request that read the old row in between cannot leave it cached). With the Redis cache, as in
production, that reaches every server process at once; with the in-memory cache only the saving
process, and ``CONFIG_CACHE_SECONDS`` bounds what the others may miss meanwhile, as for API keys.

With the in-memory cache (``LocMemCache``, the embedded default) the entries are kept in a dict
of this process instead, as the objects themselves: that cache pickles every value on each set
and get, and the unpickling of a create's nine reads (model instances, each rebuilt) was about a
twentieth of its CPU (bench/README.md, API load). The objects are shared by every request of the
process: callers read them and never change them. The semantics are the in-memory cache's: the
same expiry, the same forgetting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

# Measured: these reads were 5 of the 17 statements of an API create (bench/README.md).
CONFIG_CACHE_SECONDS = 10

T = TypeVar("T")

# The kinds, each keyed by the owning party's id (categories: one entry for all).
CATEGORIES = "categories"
ROUTING_RULES = "routing_rules"
PARTNERS = "partners"
SLA_POLICIES = "sla_policies"
PARTY_CALENDAR = "party_calendar"
WEBHOOK_ENDPOINTS = "webhook_endpoints"
PRODUCTS = "products"  # keyed by "<owner id>:<sku>"


# name -> (monotonic expiry, value), when the cache is the in-memory one. Products are kept per
# SKU, so entries that are never read again (and so never replaced) are pruned past this size.
_local: dict[str, tuple[float, object]] = {}
_LOCAL_MAX = 10_000


def _in_process() -> bool:
    return settings.CACHES["default"]["BACKEND"].endswith(".LocMemCache")


def _prefix() -> str:
    # The database's name in every key: several databases (test runs, deployments) may share
    # one Redis, and their rows' ids mean different things.
    return f"config:{connection.settings_dict['NAME']}:"


def _name(kind: str, ident: object) -> str:
    return f"{_prefix()}{kind}:{ident}"


def config_cached(kind: str, ident: object, load: Callable[[], T]) -> T:
    """The cached ``kind`` configuration of ``ident`` (a party id, or a fixed name), loaded with
    ``load`` on a miss. ``load`` must not return None (wrap optional answers in a list)."""
    name = _name(kind, ident)
    if _in_process():
        held = _local.get(name)
        if held is not None and held[0] > time.monotonic():
            return held[1]
        value = load()
        if len(_local) >= _LOCAL_MAX:
            _local_prune()
        _local[name] = (time.monotonic() + CONFIG_CACHE_SECONDS, value)
        return value
    value = cache.get(name)
    if value is None:
        value = load()
        cache.set(name, value, CONFIG_CACHE_SECONDS)
    return value


def _local_prune() -> None:
    now = time.monotonic()
    for name, (expiry, _value) in list(_local.items()):
        if expiry <= now:
            _local.pop(name, None)
    if len(_local) >= _LOCAL_MAX:
        _local.clear()


def config_forget(kind: str, idents: Iterable[object]) -> None:
    """Drop the cached ``kind`` configuration of ``idents`` after a change to it."""
    names = [_name(kind, ident) for ident in set(idents)]
    if not names:
        return
    _forget(names)
    transaction.on_commit(lambda: _forget(names))


def _forget(names: list[str]) -> None:
    if _in_process():
        for name in names:
            _local.pop(name, None)
    else:
        cache.delete_many(names)


def config_cache_clear() -> None:
    """Drop every cached configuration of this database: after changes that send no signals
    (raw SQL, ``QuerySet.update``, fixtures loaded between tests)."""
    _local.clear()
    if hasattr(cache, "delete_pattern"):  # Redis (django-redis): only this database's keys
        cache.delete_pattern(f"{_prefix()}*")
    else:
        cache.clear()
