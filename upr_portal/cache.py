"""A Redis cache that fails open: when Redis is unreachable, reads miss and writes are dropped.

Caching and allauth's rate limits live in this cache. Losing Redis must degrade them, not
take the portal down; /healthz still reports Redis as down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _fail_open(name: str, fallback: Any) -> Any:
    def method(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except _DOWN as exc:
            logger.warning("cache %s failed open: Redis unreachable (%s)", name, type(exc).__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


def _default_arg(*args: Any, **kwargs: Any) -> Any:
    # get(key, default=None)
    if len(args) > 1:
        return args[1]
    return kwargs.get("default")


class FailOpenRedisCache(RedisCache):
    get = _fail_open("get", _default_arg)
    get_many = _fail_open("get_many", {})
    set = _fail_open("set", None)
    # allauth's rate limiter takes a lock with add(); report success so it proceeds.
    add = _fail_open("add", True)
    set_many = _fail_open("set_many", [])
    delete = _fail_open("delete", False)
    delete_many = _fail_open("delete_many", None)
    touch = _fail_open("touch", False)
    has_key = _fail_open("has_key", False)
    incr = _fail_open("incr", 0)
    clear = _fail_open("clear", False)
