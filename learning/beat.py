"""Celery beat schedulers that run exactly once, however many beat processes are started.

- With a Redis broker: celery-redbeat keeps the schedule in Redis and holds a lock
  there; a second beat waits for the lock. Ours also survives Redis going away: a
  tick that cannot reach Redis, or finds its lock gone (Redis restarted empty),
  sends nothing, and the next ticks take the lock back (if no other beat did) and
  store the schedule again.
- Embedded (file-system queue, one machine): the usual schedule file under
  VAR_DIR/celery/, behind an exclusive file lock, so a second beat waits too.
"""

import fcntl
import logging
import time
from pathlib import Path

from celery.beat import PersistentScheduler
from redbeat import RedBeatScheduler
from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, get_redis
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)

# How soon a beat that lost Redis or its lock tries again.
RETRY_SECONDS = 5.0


class HealingRedBeatScheduler(RedBeatScheduler):
    """RedBeat whose ticks wait out a Redis outage instead of ending the process."""

    def tick(self, *args, **kwargs):
        try:
            if self.lock is None and self.lock_key and not self._take_lock_back():
                return RETRY_SECONDS  # another beat holds the lock: stand by
            return super().tick(*args, **kwargs)
        except (RedisError, OSError) as error:
            if isinstance(error, LockError):
                log.warning("beat: lost the lock (%s); sending nothing until it is back", error)
                self.lock = None
            else:
                log.warning("beat: Redis unreachable (%s); trying again shortly", error)
            return RETRY_SECONDS

    def _take_lock_back(self) -> bool:
        """Take the lock if it is free, and store the schedule again (Redis may be new)."""
        client = get_redis(self.app)
        lock = client.lock(self.lock_key, timeout=self.lock_timeout)
        # as redbeat does: each tick sets the lock's time to live, rather than adding to it
        lock.lua_extend = client.register_script(LUA_EXTEND_TO_SCRIPT)
        if not lock.acquire(blocking=False):
            return False
        self.lock = lock
        self.setup_schedule()
        log.info("beat: lock taken back; schedule stored again")
        return True


class LockedPersistentScheduler(PersistentScheduler):
    """The file-based scheduler, entered by one beat at a time (an exclusive flock)."""

    def setup_schedule(self):
        lock_path = Path(self.schedule_filename).with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = lock_path.open("a")  # kept open: the lock lasts as long as the process
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                log.info("beat: another beat runs here; waiting for its lock")
                time.sleep(RETRY_SECONDS)
        super().setup_schedule()
