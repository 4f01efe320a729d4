#!/usr/bin/env python
"""Server CPU per request of the pages a logged-in learner reads, against a plain Wagtail page.

    .venv/bin/python bench/learner_pages.py [--requests N] [--database-url URL] [--redis-url URL]

Issue 12, point 1: lesson, course, quiz landing, catalogue and "my learning" each cost
at most the server CPU per request of a plain Wagtail page, measured side by side in
one run, and at most 4 queries when warm. Each run from scratch, one function a phase:

1. setup_ours: a fresh PostgreSQL database (dropped first if it exists) prepared with
   the production settings (migrate, load_units, seed_demo, collectstatic into a temp
   STATIC_ROOT); a 10-step course (9 demo lessons + the quiz of demo course 03), the demo
   learner +84912000001 enrolled with 3 steps done, and a server-side session for them.
   The client sends it as the `sessionid` cookie (the Secure flag is a browser rule).
2. setup_plain: `wagtail start` of the installed Wagtail into the temp folder (its own
   project template, SQLite, its production settings), migrated: the plain page.
3. start_servers: gunicorn -w 2 (sync) for each, on free loopback ports.
4. check_pages: each page answers 200, ours to the logged-in, enrolled learner.
5. measure: N requests per page at 1 connection, in interleaved rounds (plain page
   first in each); requests/s, p50, p95, and CPU ms/request of the gunicorn workers
   (user + system time from /proc; the client, PostgreSQL and Redis not included).
6. count_queries: queries per warm page in-process (Django test client, same database
   and cache); BENCH_PROFILE=1 also prints a cProfile of each page (top functions).
7. report: per page the ratio to the plain page and MET / NOT MET (CPU ≤ 1.0× plain
   and ≤ 4 queries); wire weight of the lesson page (HTML + CSS/JS, gzip).
8. cleanup: servers stopped, database dropped, Redis database flushed, temp dir removed.

Everything is bounded: each subprocess has a timeout, each load phase a deadline.
"""

import argparse
import gzip
import http.client
import json
import math
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

from common import (
    PY,
    ROOT,
    admin_sql,
    cpu_model,
    log,
    production_env,
    redis_flush,
    run,
    server_version,
    snippet_json,
)

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WAGTAIL = ROOT / ".venv" / "bin" / "wagtail"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hocvuso_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
LEARNER_PHONE = "0912000001"  # seed_demo's first learner, +84912000001
CPU_TARGET_RATIO = 1.0  # CPU per request of a learner page / of the plain Wagtail page
MAX_QUERIES = 4
WIRE_TARGET_KB = 15.0
PLAIN = "plain Wagtail"
PHASE_DEADLINE_S = 30.0  # per page and round at most

# Run by `manage.py shell -c` in the bench database: the 10-step course, the
# learner's progress, a session; prints one JSON line.
SETUP_SNIPPET = r"""
import json
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from accounts.models import User
from accounts.phone import normalize_phone
from courses import services as course_services
from courses.models import LessonPage
from learning import services as learning_services
from learning.demo import seed
from learning.models import HomePage

specs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(seed.COURSES_DIR.glob("*.json"))]
lessons = [lesson for spec in specs for lesson in spec["lessons"]][:9]
assert len(lessons) == 9, len(lessons)
spec = dict(
    specs[2],
    title="Khóa học thử hiệu năng: mười bước",
    slug="thu-hieu-nang-muoi-buoc",
    summary="Chín bài học và một bài kiểm tra, để đo tốc độ trang.",
    lessons=lessons,
)
course, _created = seed.course_create(seed.catalogue_page(), spec)
steps = list(course.get_children().live().specific().order_by("path"))
assert len(steps) == 10, len(steps)

user = User.objects.get(phone=normalize_phone("LEARNER_PHONE"))
course_services.enrollment_start(user=user, course=course)
lesson_steps = [s for s in steps if isinstance(s, LessonPage)]
for lesson in lesson_steps[:3]:
    learning_services.lesson_complete(user=user, lesson=lesson)
target = lesson_steps[3]  # the next lesson to read: step 4 of 10, has both neighbours

engine = import_module(settings.SESSION_ENGINE)
session = engine.SessionStore()
session[SESSION_KEY] = user._meta.pk.value_to_string(user)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()

quiz = next(s for s in steps if not isinstance(s, LessonPage))

def rel(page):
    url = page.get_url()
    return "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url

print("BENCH_JSON " + json.dumps({
    "home": rel(HomePage.objects.get()),
    "course": rel(course),
    "lesson": rel(target),
    "quiz": rel(quiz),
    "catalogue": rel(seed.catalogue_page()),
    "my_learning": reverse("learning:my_learning"),
    "lesson_title": target.title,
    "steps": len(steps),
    "done": 3,
    "session": session.session_key,
    "user": user.phone,
    "logout_url": reverse("accounts:logout"),
    "complete_url": reverse("learning:lesson_complete", args=[target.pk]),
}))
""".replace("LEARNER_PHONE", LEARNER_PHONE)

# Queries per warm page through the test client (same DB, same settings); with
# BENCH_PROFILE=1 a cProfile of 20 requests of each page, top functions by own time.
PROFILE_SNIPPET = r"""
import cProfile, io, json, os, pstats
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pages = json.loads(os.environ["BENCH_PAGES"])
client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
client.cookies["sessionid"] = os.environ["BENCH_SESSION"]
out = {}
for name, path in pages:
    client.get(path)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    out[name] = {
        "status": response.status_code,
        "queries": len(queries),
        "sql": [q["sql"][:160] for q in queries.captured_queries],
    }
    if os.environ.get("BENCH_PROFILE"):
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(path)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
        out[name]["profile"] = text.getvalue()
print("BENCH_JSON " + json.dumps(out))
"""

# The plain site's settings: its own production settings, on loopback, static files
# served from the app folders (no collectstatic needed for one page).
PLAIN_LOCAL_SETTINGS = """
from .base import STORAGES

SECRET_KEY = "plain-bench-only-%s"
ALLOWED_HOSTS = ["127.0.0.1"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP -------------------------------------------------------------------------


def fetch(
    port: int, path: str, headers: dict, timeout: float = 30
) -> tuple[int, dict, bytes, list]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        header_map = {k.lower(): v for k, v in response.getheaders()}
        cookies = response.msg.get_all("Set-Cookie") or []
        return response.status, header_map, body, cookies
    finally:
        conn.close()


def decoded(headers: dict, body: bytes) -> bytes:
    return gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body


class Client:
    """Headers of a logged-in phone browser: the session cookie, then the CSRF cookie it is given."""

    def __init__(self, port: int, session_key: str | None = None):
        self.port = port
        self.cookies = {"sessionid": session_key} if session_key else {}

    def headers(self, gzip_ok: bool = True) -> dict:
        headers = {
            "User-Agent": "hocvuso-bench/1 (Android; like a phone)",
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if gzip_ok:
            headers["Accept-Encoding"] = "gzip"
        return headers

    def get(self, path: str, gzip_ok: bool = True):
        status, headers, body, set_cookies = fetch(self.port, path, self.headers(gzip_ok))
        for raw in set_cookies:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if name == "csrftoken":  # keep it, as a browser would; never replace the session
                    self.cookies[name] = morsel.value
        return status, headers, body, set_cookies


def wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 40) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            status, _h, _b, _c = fetch(port, "/", {}, timeout=5)
            if status == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f}s")


def hammer(client: Client, path: str, total: int, concurrency: int, deadline_s: float) -> dict:
    """`total` GETs of `path` from `concurrency` threads; a new connection each (sync workers close)."""
    headers = client.headers()
    lock = threading.Lock()
    indices = iter(range(total))
    latencies: list[float] = []
    failures: list[str] = []
    cookie_names: dict[str, int] = {}
    stop_at = time.monotonic() + deadline_s

    def worker():
        local, bad, names = [], [], {}
        while time.monotonic() < stop_at:
            with lock:
                index = next(indices, None)
            if index is None:
                break
            t0 = time.perf_counter()
            try:
                status, _h, _body, set_cookies = fetch(client.port, path, headers)
            except OSError as error:
                bad.append(type(error).__name__)
                continue
            elapsed = time.perf_counter() - t0
            if status == 200:
                local.append(elapsed)
                for raw in set_cookies:
                    name = raw.split("=", 1)[0].strip()
                    names[name] = names.get(name, 0) + 1
            else:
                bad.append(str(status))
        with lock:
            latencies.extend(local)
            failures.extend(bad)
            for name, count in names.items():
                cookie_names[name] = cookie_names.get(name, 0) + count

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_s + 35)
    return {
        "latencies": latencies,
        "failures": failures,
        "wall_s": time.perf_counter() - t0,
        "cookies": cookie_names,
        "truncated": len(latencies) + len(failures) < total,
    }


def summarise(parts: list[dict], cpu_s: float) -> dict:
    """Several rounds of one page as one figure: requests/s over the summed wall time."""
    latencies = sorted(x for part in parts for x in part["latencies"])
    failures = [x for part in parts for x in part["failures"]]
    wall = sum(part["wall_s"] for part in parts)
    cookies: dict[str, int] = {}
    for part in parts:
        for name, count in part["cookies"].items():
            cookies[name] = cookies.get(name, 0) + count
    n = len(latencies)
    return {
        "ok": n,
        "failed": len(failures),
        "failures": sorted(set(failures)),
        "wall_s": wall,
        "rps": n / wall if wall else 0.0,
        "median_ms": 1000 * statistics.median(latencies) if n else 0.0,
        "p95_ms": 1000 * latencies[max(0, math.ceil(0.95 * n) - 1)] if n else 0.0,
        "cpu_ms": 1000 * cpu_s / n if n else 0.0,
        "cookies": cookies,
        "truncated": any(part["truncated"] for part in parts),
    }


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of the gunicorn master's children (the workers) so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


class AssetLinks(HTMLParser):
    """CSS and JS a page links; images counted only (they are excluded from the weight)."""

    def __init__(self):
        super().__init__()
        self.assets: list[str] = []
        self.images = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").lower()
            href = attrs["href"]
            if "stylesheet" in rel or href.split("?")[0].endswith((".css", ".js")):
                self.assets.append(href)
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        elif tag in ("img", "source"):
            self.images += 1


# --- phases -------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    error_log: Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per page (300)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--database-url", default=DATABASE_URL, help="dropped and recreated")
    parser.add_argument("--redis-url", default=REDIS_URL, help="this Redis database is flushed")
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
    args = parser.parse_args()
    if not (1 <= args.requests <= 20000 and 1 <= args.rounds <= 50 and 1 <= args.workers <= 16):
        parser.error("--requests 1..20000, --rounds 1..50, --workers 1..16")
    args.db_name = args.database_url.rsplit("/", 1)[1]
    return args


def print_header(args) -> None:
    log("== Học vụ số: learner pages against a plain Wagtail page")
    log(f"command:  (cd {os.getcwd()} && {shlex.join([sys.executable, *sys.argv])})")
    log(f"date:     {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    log(
        f"params:   requests={args.requests} per page at 1 connection, rounds={args.rounds}, "
        f"gunicorn workers={args.workers} (sync), database {args.db_name}, Redis {args.redis_url}"
    )
    log(
        f"machine:  nproc={os.cpu_count()} (usable {len(os.sched_getaffinity(0))}), "
        f"CPU {cpu_model()}, {platform.system()} {platform.release()}"
    )
    gunicorn = subprocess.run(
        [str(GUNICORN), "--version"], capture_output=True, text=True, timeout=20
    ).stdout.strip()
    import wagtail  # the bench runs with the project's Python

    log(
        f"software: Python {platform.python_version()}, PostgreSQL {server_version()}, "
        f"{gunicorn}, Wagtail {wagtail.__version__}"
    )
    if not (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo").exists():
        log("compiling messages (make messages)")
        subprocess.run(["make", "-C", str(ROOT), "messages"], check=True, timeout=120)


def setup_ours(args, env: dict) -> dict:
    """The bench database, production-prepared, with the learner's course and session."""
    manage = [str(PY), "manage.py"]
    log(f"\n== setup: our site (database {args.db_name})")
    admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{args.db_name}"')
    redis_flush(args.redis_url)
    # System checks run in the test suite and `make check-deploy`; here they would only
    # add a Django start per command on a busy machine.
    skip = ["--skip-checks"]
    # collectstatic needs no database: run it beside migrate (two cores).
    static_job = subprocess.Popen(
        [*manage, "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        run([*manage, "migrate", "--no-input", "-v", "0", *skip], env, 900, "migrate")
        run([*manage, "load_units", *skip], env, 300, "load_units")
        run([*manage, "seed_demo", *skip], env, 400, "seed_demo")
        static_out, _ = static_job.communicate(timeout=300)
    finally:
        if static_job.poll() is None:
            static_job.kill()
            static_job.wait(timeout=10)
    if static_job.returncode != 0:
        raise SystemExit(f"collectstatic: exit {static_job.returncode}\n{static_out[-3000:]}")
    info = snippet_json(
        run([*manage, "shell", "-c", SETUP_SNIPPET], env, 300, "10-step course + session")
    )
    log(f"  learner {info['user']} enrolled, {info['done']}/{info['steps']} steps done")
    return info


def setup_plain(tmp: Path) -> tuple[Path, dict]:
    """`wagtail start` of the installed Wagtail, migrated; its folder and environment."""
    log("\n== setup: the plain Wagtail site (`wagtail start plainsite`)")
    folder = tmp / "plain"
    folder.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plainsite.settings.production",
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
    }
    env.pop("DATABASE_URL", None)
    run([str(WAGTAIL), "start", "plainsite", str(folder)], env, 300, "wagtail start")
    (folder / "plainsite" / "settings" / "local.py").write_text(
        PLAIN_LOCAL_SETTINGS % os.getpid(), encoding="utf-8"
    )
    started = time.monotonic()
    done = subprocess.run(
        [str(PY), "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    if done.returncode != 0:
        raise SystemExit(f"plain migrate: exit {done.returncode}\n{done.stderr[-3000:]}")
    log(f"  {'migrate (SQLite)':<28} {time.monotonic() - started:6.1f}s")
    return folder, env


def start_server(name: str, module: str, cwd: Path, env: dict, workers: int, tmp: Path) -> Server:
    port = free_port()
    error_log = tmp / f"gunicorn-{name}.log"
    proc = subprocess.Popen(
        [str(GUNICORN), module, "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        + ["--error-logfile", str(error_log), "--log-level", "warning"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(name, proc, port, error_log)
    log(
        f"  {name}: gunicorn -w {workers} on 127.0.0.1:{port}, answering after "
        f"{wait_until_up(port, proc):.1f}s"
    )
    return server


def check_pages(targets: list, info: dict) -> dict:
    """Every page answers 200; ours to the logged-in learner. Returns the HTML sizes."""
    log("\n== checks")
    sizes = {}
    for name, client, path in targets:
        status, headers, body, _c = client.get(path)
        text = decoded(headers, body).decode("utf-8", "replace")
        if status != 200:
            raise SystemExit(f"{name} {path}: HTTP {status}")
        if name != PLAIN and f'action="{info["logout_url"]}"' not in text:
            raise SystemExit(f"{name} {path}: not logged in (no log-out form)")
        if name == "lesson" and f'action="{info["complete_url"]}"' not in text:
            raise SystemExit(f"{name}: no 'complete' form, learner not seen as enrolled")
        sizes[name] = len(body)
        warm = hammer(client, path, 10, 1, 20)
        if warm["failures"]:
            raise SystemExit(f"{name}: warm-up failures {sorted(set(warm['failures']))}")
        log(f"  {name:<14} {path}  HTTP 200" + ("" if name == PLAIN else ", logged in"))
    return sizes


def measure(args, targets: list, servers: dict) -> dict:
    """N requests per page at 1 connection, in interleaved rounds; CPU from /proc."""
    log(
        f"\n== load: {args.requests} requests per page at 1 connection in {args.rounds} rounds; "
        "load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    parts = {name: [] for name, _c, _p in targets}
    cpu = dict.fromkeys(parts, 0.0)
    per_round = [
        args.requests // args.rounds + (i < args.requests % args.rounds) for i in range(args.rounds)
    ]
    for count in per_round:
        for name, client, path in targets:
            master = servers[name].proc.pid
            before = worker_cpu_seconds(master)
            parts[name].append(hammer(client, path, count, 1, PHASE_DEADLINE_S))
            cpu[name] += worker_cpu_seconds(master) - before
    log("  load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return {name: summarise(parts[name], cpu[name]) for name in parts}


def count_queries(env: dict, targets: list, session: str) -> dict:
    log("\n== queries per warm page (in-process, Django test client, same database and cache)")
    pages = [(name, path) for name, _client, path in targets if name != PLAIN]
    profile_env = {**env, "BENCH_PAGES": json.dumps(pages), "BENCH_SESSION": session}
    return snippet_json(
        run([str(PY), "manage.py", "shell", "-c", PROFILE_SNIPPET], profile_env, 300, "queries")
    )


def report(results: dict, queries: dict, sizes: dict) -> None:
    plain = results[PLAIN]
    log("")
    log(
        f"{'page':<14} {'ok/fail':>8} {'req/s':>7} {'p50':>8} {'p95':>8} {'CPU/req':>9} "
        f"{'×plain':>7} {'queries':>8} {'HTML gz':>8}  verdict"
    )
    for name, r in results.items():
        ratio = r["cpu_ms"] / plain["cpu_ms"] if plain["cpu_ms"] else float("inf")
        q = queries.get(name, {}).get("queries")
        if name == PLAIN:
            verdict = "(baseline, anonymous)"
        else:
            met = ratio <= CPU_TARGET_RATIO and q is not None and q <= MAX_QUERIES
            verdict = "MET" if met else "NOT MET"
        log(
            f"{name:<14} {r['ok']:>4}/{r['failed']:<3} {r['rps']:>7.1f} {r['median_ms']:>6.1f}ms "
            f"{r['p95_ms']:>6.1f}ms {r['cpu_ms']:>7.2f}ms {ratio:>6.2f}× "
            f"{'-' if q is None else q:>8} {sizes.get(name, 0) / 1024:>7.1f}K  {verdict}"
        )
        if r["failed"]:
            log(f"  ! {name}: {r['failed']} failures: {', '.join(r['failures'])}")
    log(
        f"  target per page: CPU/req ≤ {CPU_TARGET_RATIO:.1f}× the plain Wagtail page and "
        f"≤ {MAX_QUERIES} queries warm. CPU/req = user+system time of the gunicorn workers "
        "per request; latencies include connecting (no keep-alive)."
    )
    for name, found in queries.items():
        if os.environ.get("BENCH_SHOW_SQL"):
            log(f"  -- {name}")
            for sql in found["sql"]:
                log(f"     {sql}")
        if found.get("profile"):
            log(f"  -- cProfile of 20 requests of {name} (own time)")
            log("\n".join("     " + line for line in found["profile"].splitlines()[:30]))


def wire_weight(client: Client, path: str) -> None:
    """gzip size of the lesson's HTML plus the CSS and JS it links (images excluded)."""
    status, headers, body, _c = client.get(path)
    html = decoded(headers, body)
    total = len(body) if headers.get("content-encoding") == "gzip" else len(gzip.compress(html))
    links = AssetLinks()
    links.feed(html.decode("utf-8", "replace"))
    for href in links.assets:
        if href.startswith("/"):
            _s, a_headers, a_body, _c = client.get(href)
            raw = decoded(a_headers, a_body)
            gzipped = a_headers.get("content-encoding") == "gzip"
            total += len(a_body) if gzipped else len(gzip.compress(raw, 6))
    log(
        f"\nwire weight of the lesson page: {total / 1024:.1f} KB gzip with {len(links.assets)} "
        f"CSS/JS files (target ≤ {WIRE_TARGET_KB:.0f} KB: "
        f"{'MET' if total / 1024 <= WIRE_TARGET_KB else 'NOT MET'})"
    )


def stop(server: Server) -> None:
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(timeout=5)
    errors = (
        server.error_log.read_text(errors="replace").strip() if server.error_log.exists() else ""
    )
    if errors:
        log(f"\n== gunicorn error log of {server.name} (tail)\n" + errors[-1200:])


def cleanup(args, servers: list, tmp: Path) -> None:
    for server in servers:
        stop(server)
    if not args.keep:
        try:
            admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
            redis_flush(args.redis_url)
        except Exception as error:  # noqa: BLE001 - report, keep cleaning up
            log(f"cleanup: {error}")
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    print_header(args)
    tmp = Path(tempfile.mkdtemp(prefix="hocvuso-bench-"))
    env = production_env(tmp, database_url=args.database_url, redis_url=args.redis_url)
    servers: list[Server] = []
    try:
        info = setup_ours(args, env)
        plain_dir, plain_env = setup_plain(tmp)
        log("\n== servers")
        ours = start_server("ours", "learning.wsgi", ROOT, env, args.workers, tmp)
        servers.append(ours)
        plain = start_server("plain", "plainsite.wsgi", plain_dir, plain_env, args.workers, tmp)
        servers.append(plain)
        learner = Client(ours.port, info["session"])
        targets = [
            (PLAIN, Client(plain.port), "/"),
            ("lesson", learner, info["lesson"]),
            ("course", learner, info["course"]),
            ("quiz landing", learner, info["quiz"]),
            ("catalogue", learner, info["catalogue"]),
            ("my learning", learner, info["my_learning"]),
            ("home", learner, info["home"]),
        ]
        by_name = {name: (plain if name == PLAIN else ours) for name, _c, _p in targets}
        sizes = check_pages(targets, info)
        results = measure(args, targets, by_name)
        queries = count_queries(env, targets, info["session"])
        report(results, queries, sizes)
        wire_weight(learner, info["lesson"])
    finally:
        cleanup(args, servers, tmp)
    log(
        f"\nservers stopped, database {args.db_name} "
        f"{'kept' if args.keep else 'dropped'}; total {time.monotonic() - started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
