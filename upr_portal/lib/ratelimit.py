"""A fixed-window rate limit kept in Redis that fails open.

The caller's key (for example an IP address) is hashed with a secret before it reaches
Redis, so Redis never holds the address itself, and the key expires with its window.
If Redis can't be reached within a fraction of a second the answer is `UNAVAILABLE`:
callers accept the request and flag it rather than lose it.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import threading
import time

import redis

logger = logging.getLogger(__name__)

# Short timeouts: a rate limit must never make a resident wait for a sick Redis.
_SOCKET_TIMEOUT = 0.25
_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


def _client(url: str) -> redis.Redis:
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_SOCKET_TIMEOUT,
                retry_on_timeout=False,
            )
            _clients[url] = client
        return client


def hashed(value: str, *, secret: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def hit(
    *,
    redis_url: str,
    scope: str,
    key: str,
    secret: str,
    limit: int,
    window_seconds: int,
    now: float | None = None,
) -> Verdict:
    """Count one request for `key` in `scope`; `LIMITED` once over `limit` in the window."""
    window = int((now if now is not None else time.time()) // window_seconds)
    redis_key = f"rl:{scope}:{hashed(key, secret=secret)}:{window}"
    try:
        pipe = _client(redis_url).pipeline(transaction=True)
        pipe.incr(redis_key)
        pipe.expire(redis_key, window_seconds + 1)
        count, _expiry_set = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("rate limit unavailable, failing open: %s", type(exc).__name__)
        return Verdict.UNAVAILABLE
    return Verdict.LIMITED if int(count) > limit else Verdict.ALLOWED
