"""Helpers shared by the bench scripts: running manage.py, PostgreSQL and Redis chores, machine facts."""

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
MARKER = "BENCH_JSON "  # a child process prints its result on a line starting with this


def log(message: str = "") -> None:
    print(message, flush=True)


def run(cmd: list, env: dict, timeout: float, label: str, width: int = 28) -> str:
    """Run a command in the repository; stdout on success, abort with its output otherwise."""
    t0 = time.monotonic()
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"{label}: timed out after {timeout:.0f}s") from None
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{label}: exit {done.returncode}")
    log(f"  {label:<{width}} {time.monotonic() - t0:6.1f}s")
    return done.stdout


def snippet_json(stdout: str) -> dict:
    """The result a child process printed after MARKER."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise SystemExit(f"no result line in output:\n{stdout[-2000:]}")


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)


def server_version() -> str:
    import psycopg

    with psycopg.connect(ADMIN_DSN, connect_timeout=10) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def redis_flush(url: str) -> None:
    """Empty the bench's own Redis database, so nothing leaks between runs."""
    import redis

    redis.Redis.from_url(url, socket_timeout=5).flushdb()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def production_env(tmp: Path, *, database_url: str, redis_url: str) -> dict:
    """The environment of a production-shaped run on loopback, writing only into `tmp`.

    Plain http on 127.0.0.1 (no SSL redirect, no HSTS), a random SECRET_KEY, and
    var/, static and media files in the temp dir. The venv holds no .pyc files, so
    the bytecode cache goes there too: otherwise every Django start recompiles
    Django and Wagtail (~5 s).
    """
    import os
    import secrets
    import string

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "learning.settings.production",
        "SECRET_KEY": "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(64)
        ),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": redis_url,
        "VAR_DIR": str(tmp / "var"),
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # set in some shells; the cache dir is ours
    return env
