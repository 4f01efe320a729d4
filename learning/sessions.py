"""Sessions in the database, read through the cache (Django's cached_db, shorter lived).

The database stays the truth: every write goes to it first, and a cache that is down
or empty costs one query, never a log-out. What the cache adds is that a logged-in
page reads its session without a query. A log-out while Redis is unreachable cannot
drop the cached copy, so the copy lives only SESSION_CACHE_SECONDS: that bounds how
long such a session could come back with Redis, like every other cache entry here.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

SESSION_CACHE_SECONDS = 5 * 60


class SessionStore(CachedDBStore):
    cache_key_prefix = "session:"

    def load(self):
        data = self._cache.get(self.cache_key)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        # The expiry comes from the row: the session is not loaded yet, so asking it
        # (get_expiry_age() without an argument) would call load() again.
        self._cache.set(self.cache_key, data, self._cache_seconds(stored.expire_date))
        return data

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)  # the database first
        self._cache.set(self.cache_key, self._session, self._cache_seconds())

    def _cache_seconds(self, expiry=None) -> int:
        return min(SESSION_CACHE_SECONDS, self.get_expiry_age(expiry=expiry))
