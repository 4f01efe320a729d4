"""A Redis cache that never fails the request it serves.

Everything we cache can be rebuilt from the database (DESIGN.md, "Caching"), so a
Redis that is down or hung must cost a miss, not an error: each call has short
socket timeouts; a failing call is logged, counted and answered as a miss (or the
caller's default); and after a failure the cache is skipped for a few seconds, so a
hung server costs one timeout per process and pause, not one per call.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Our own options, taken out of OPTIONS before the rest go to redis-py's pool.
PAUSE_OPTION = "PAUSE_AFTER_ERROR"
DEFAULT_SOCKET_TIMEOUT = 0.25
DEFAULT_PAUSE_SECONDS = 5.0

# A failing cache may also raise these from the socket layer (a reset connection).
CACHE_ERRORS = (RedisError, OSError)


class TolerantRedisCache(RedisCache):
    """Django's RedisCache whose failures are misses: log, count, go on."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.pause_after_error = float(options.pop(PAUSE_OPTION, DEFAULT_PAUSE_SECONDS))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self.errors = 0  # failed calls since the process started (shown by /readyz)
        self._skip_until = 0.0
        self._lock = threading.Lock()

    def _call(self, operation: str, fallback, function, *args, **kwargs):
        """Run one cache operation; on a Redis failure (or during the pause after
        one) return the fallback instead."""
        if time.monotonic() < self._skip_until:
            return fallback
        try:
            return function(*args, **kwargs)
        except CACHE_ERRORS as error:
            with self._lock:
                self.errors += 1
                self._skip_until = time.monotonic() + self.pause_after_error
            log.warning(
                "cache %s failed (%s); treated as a miss, cache skipped for %ss",
                operation,
                error,
                self.pause_after_error,
            )
            return fallback

    def ping(self) -> None:
        """Raise unless Redis answers now (for readiness checks; no fallback, no pause)."""
        self._cache.get_client(write=True).ping()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Counters (rate limits) fail open: a down cache counts every call as the first.
        return self._call("incr", delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._call("clear", False, super().clear)
