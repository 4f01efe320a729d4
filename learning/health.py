"""Health checks for load balancers and operators.

- /healthz: the process is alive and answers; no I/O at all.
- /readyz: the database, cache, broker and file storage each answer within a short
  time; 503 with JSON naming the ones that did not. `manage.py readiness` prints the same.

Both are answered by a middleware placed first, before host checks, HTTPS redirects
and sessions: a load balancer probes by IP address over plain HTTP.
"""

import json
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.http import HttpResponse, JsonResponse

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
# A probe from anyone costs little: one result serves every request for this long.
READY_RESULT_SECONDS = 2.0
PROBE_NAME = ".readyz-probe"


def _check_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections["default"].close()  # this thread's own connection


def _check_cache() -> None:
    ping = getattr(cache, "ping", None)
    if ping is not None:  # our Redis cache: a failure must show, not turn into a miss
        ping()
        return
    cache.set(PROBE_NAME, 1, 10)
    if cache.get(PROBE_NAME) != 1:
        raise RuntimeError("cache did not keep a value")


def _check_broker() -> None:
    from learning.celery import app

    budget = settings.READINESS_TIMEOUT
    with app.connection_for_write(
        connect_timeout=budget,
        transport_options={
            "max_retries": 0,
            "socket_connect_timeout": budget,
            "socket_timeout": budget,
        },
    ) as connection:
        channel = connection.default_channel
        client = getattr(channel, "client", None)
        if client is not None:  # Redis: ask it, as opening the channel may not
            client.ping()


def _file_storages() -> list:
    """Every storage the site writes to: public media and the private files."""
    from certificates.models import Certificate

    found = [storages["default"], Certificate._meta.get_field("pdf").storage]
    return list({id(storage): storage for storage in found}.values())


def _check_storage() -> None:
    for storage in _file_storages():
        if isinstance(storage, FileSystemStorage):
            location = storage.location
            os.makedirs(location, exist_ok=True)  # as the first upload would
            if not os.access(location, os.W_OK):
                raise RuntimeError("storage folder not writable")
        else:
            storage.exists(PROBE_NAME)  # reaches the object store, raises when it cannot


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "storage": _check_storage,
}


def _run(name: str, check, results: dict) -> None:
    started = time.monotonic()
    try:
        check()
    except Exception as error:
        log.warning("readiness: %s failed: %r", name, error)
        results[name] = {"ok": False, "error": type(error).__name__}
    else:
        results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000)}


def readiness() -> dict:
    """Run every check at once, each within READINESS_TIMEOUT; say which failed.

    Daemon threads: a check that hangs is abandoned, and holds neither the answer
    nor the process's exit.
    """
    results: dict = {}
    threads = [
        threading.Thread(target=_run, args=(name, check, results), daemon=True, name=name)
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + settings.READINESS_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    checks = {name: results.get(name, {"ok": False, "error": "timeout"}) for name in CHECKS}
    return {"ready": all(check["ok"] for check in checks.values()), "checks": checks}


_last = {"at": -READY_RESULT_SECONDS, "result": None}
_last_lock = threading.Lock()


def _recent_readiness() -> dict:
    with _last_lock:
        if time.monotonic() - _last["at"] >= READY_RESULT_SECONDS:
            _last["result"] = readiness()
            _last["at"] = time.monotonic()
        return _last["result"]


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before anything else runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH:
            return _no_store(HttpResponse("ok", content_type="text/plain"))
        if request.path == READY_PATH:
            result = _recent_readiness()
            return _no_store(
                JsonResponse(
                    result,
                    status=200 if result["ready"] else 503,
                    json_dumps_params={"ensure_ascii": False},
                )
            )
        return self.get_response(request)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def readiness_text(result: dict) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False)
