"""The one rate-limit helper: counts per client address (or per any other key) in the cache.

The address is the one django-axes computes (`client_address`), so the proxy setting
(`PROXY_COUNT` in learning/settings) is honoured in one place. Counts live in Django's
cache (Redis in production), so every web process counts together. A cache that is down
must not take the site down with it: the limiter then lets the request through and logs.
"""

import hashlib
import logging
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` counted events per key in a fixed window of `window_seconds`."""

    name: str
    max_hits: int
    window_seconds: int


# Many people share one address on mobile networks (CGNAT) and ward Wi-Fi, so limits per
# address are high: they stop scripts, not a room of learners. Per-person limits
# (a phone's log-in, one first-login code) are tight and live with what they protect.
LOGIN_FAILURES_PER_ADDRESS = Limit("login-address", max_hits=50, window_seconds=60 * 60)
FIRST_LOGIN_FAILURES_PER_ADDRESS = Limit("first-login-address", max_hits=50, window_seconds=3600)
SIGN_UP_ATTEMPTS_PER_ADDRESS = Limit("sign-up-address", max_hits=20, window_seconds=60 * 60)
CERTIFICATE_LOOKUPS_PER_ADDRESS = Limit("verify-address", max_hits=30, window_seconds=60)


def client_address(request) -> str:
    """The client's address as django-axes sees it (behind PROXY_COUNT proxies)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or "unknown"


def _cache_key(limit: Limit, key: str) -> str:
    # Hashed: the key may be a phone number or an IPv6 address, neither belongs in a key.
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"ratelimit:{limit.name}:{digest}"


def limit_count(*, limit: Limit, key: str) -> int:
    """How many events this key has in the current window; 0 when the cache is down."""
    try:
        return int(cache.get(_cache_key(limit, key)) or 0)
    except Exception:  # any cache failure (Redis down, timeout): fail open
        logger.warning("rate limit %s: cache unavailable, not limiting", limit.name, exc_info=True)
        return 0


def limit_exceeded(*, limit: Limit, key: str) -> bool:
    """Whether this key has used up its events for the current window (fails open)."""
    return limit_count(limit=limit, key=key) >= limit.max_hits


def limit_hit(*, limit: Limit, key: str) -> int:
    """Count one event for this key; the number counted so far, 0 when the cache is down."""
    cache_key = _cache_key(limit, key)
    try:
        # add() starts the window only if none is running; incr() is atomic in Redis.
        cache.add(cache_key, 0, timeout=limit.window_seconds)
        try:
            return cache.incr(cache_key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(cache_key, 1, timeout=limit.window_seconds)
            return 1
    except Exception:  # any cache failure (Redis down, timeout): fail open
        logger.warning("rate limit %s: cache unavailable, not counting", limit.name, exc_info=True)
        return 0


def limit_hit_and_check(*, limit: Limit, key: str) -> bool:
    """Count one event; True when it goes over the limit (fails open)."""
    return limit_hit(limit=limit, key=key) > limit.max_hits
