#!/usr/bin/env python
"""Throughput and wire weight of the pages a logged-in learner reads.

    .venv/bin/python bench/learner_pages.py [--requests N] [--concurrency C]

What it does, each run from scratch (nothing in the repository is written):

1. Creates a fresh PostgreSQL database (hocvuso_bench, dropped first if it exists)
   and prepares it with the production settings: migrate, load_units, seed_demo,
   collectstatic (into a temporary STATIC_ROOT).
2. Adds a 10-step course (9 lessons reusing demo lesson bodies + the quiz of demo
   course 03), enrols the demo learner +84912000001 with 3 steps done, and creates
   a server-side session for that learner. The session key is sent as the
   `sessionid` cookie by the client itself: production sets SESSION_COOKIE_SECURE,
   and a raw HTTP client sends a cookie header regardless of the Secure flag.
3. Starts gunicorn (sync workers) on a free loopback port.
4. Load: for the home page (baseline, a plain Wagtail page), the 10-step course
   page and one of its lessons, each requested as the learner: a warm-up, then
   N requests from C client threads. Prints requests/s, median and p95 latency,
   and each page's requests/s relative to the home page (target: lesson ≥ 0.6×).
5. Wire weight of the lesson page: gzip size of the HTML plus the CSS and JS it
   links (images excluded). Target: ≤ 15 KB.
6. Queries per page and in-process render time (Django test client, same DB),
   to tell where server time goes.
7. Stops gunicorn, drops the database, removes the temporary directory.

Everything is bounded: each subprocess has a timeout, each load phase a deadline.
"""

import argparse
import gzip
import http.client
import json
import math
import os
import platform
import re
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
DB_NAME = "hocvuso_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/14"
LEARNER_PHONE = "0912000001"  # seed_demo's first learner, +84912000001
LESSON_TARGET_RATIO = 0.6
WIRE_TARGET_KB = 15.0
PHASE_DEADLINE_S = 25.0  # per page: the load phase stops after 3 × this at most

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

def rel(page):
    url = page.get_url()
    return "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url

print("BENCH_JSON " + json.dumps({
    "home": rel(HomePage.objects.get()),
    "course": rel(course),
    "lesson": rel(target),
    "lesson_title": target.title,
    "steps": len(steps),
    "done": 3,
    "session": session.session_key,
    "user": user.phone,
    "logout_url": reverse("accounts:logout"),
    "complete_url": reverse("learning:lesson_complete", args=[target.pk]),
}))
""".replace("LEARNER_PHONE", LEARNER_PHONE)

# Queries and in-process time per page, through the test client (same DB, same settings).
PROFILE_SNIPPET = r"""
import json, os, statistics, time
from django.db import connection
from django.test import Client

pages = json.loads(os.environ["BENCH_PAGES"])
client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
client.cookies["sessionid"] = os.environ["BENCH_SESSION"]
captured = []

def timed(execute, sql, params, many, context):
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        captured.append((sql, time.perf_counter() - t0))

out = {}
for name, path in pages:
    client.get(path)
    client.get(path)
    times, sql_times, counts = [], [], []
    for _ in range(20):
        captured.clear()
        t0 = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = client.get(path)
        times.append(time.perf_counter() - t0)
        sql_times.append(sum(t for _sql, t in captured))
        counts.append(len(captured))
    out[name] = {
        "status": response.status_code,
        "queries": max(counts),
        "sql_ms": 1000 * statistics.median(sql_times),
        "median_ms": 1000 * statistics.median(times),
        "sql": [sql[:160] for sql, _t in captured],
    }
print("BENCH_JSON " + json.dumps(out))
"""


def system_check(manage: list, env: dict) -> list[str]:
    """`manage.py check` with the production settings on PostgreSQL; the error ids, printed."""
    done = subprocess.run(
        [*manage, "check", "--database", "default"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode == 0:
        log("  manage.py check              OK")
        return []
    found = [
        (match.group(1), line.strip())
        for line in done.stderr.splitlines()
        if (match := re.search(r"\((\w+\.[EW]\d+)\)", line))
    ]
    ids = sorted({check_id for check_id, _line in found})
    log(
        f"  ! manage.py check fails with the production settings on PostgreSQL: "
        f"{len(found)} x {', '.join(ids) or '?'} -> commands run with --skip-checks"
    )
    first = found[0][1] if found else (done.stderr.strip().splitlines() or ["?"])[-1]
    log(f"    e.g. {first.strip()[:160]}")
    return ids or ["?"]


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

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookies = {"sessionid": session_key}

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


# --- main ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per page (default 400)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--rounds", type=int, default=4, help="interleaved rounds the requests are split into"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
    args = parser.parse_args()
    if not (
        1 <= args.requests <= 20000
        and 1 <= args.concurrency <= 64
        and 1 <= args.workers <= 16
        and 1 <= args.rounds <= 50
    ):
        parser.error("--requests 1..20000, --concurrency 1..64, --workers 1..16, --rounds 1..50")

    started = time.monotonic()
    log("== Học vụ số: learner pages benchmark")
    log(f"command:  (cd {os.getcwd()} && {shlex.join([sys.executable, *sys.argv])})")
    log(
        f"params:   requests={args.requests} concurrency={args.concurrency} "
        f"gunicorn workers={args.workers} (sync)"
    )
    log(
        f"machine:  nproc={os.cpu_count()} (usable {len(os.sched_getaffinity(0))}), "
        f"CPU {cpu_model()}, {platform.system()} {platform.release()}"
    )
    gunicorn_version = subprocess.run(
        [str(GUNICORN), "--version"], capture_output=True, text=True, timeout=20
    ).stdout.strip()
    log(
        f"software: Python {platform.python_version()}, PostgreSQL {server_version()}, "
        f"{gunicorn_version}"
    )

    if not (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo").exists():
        log("compiling messages (make messages)")
        subprocess.run(["make", "-C", str(ROOT), "messages"], check=True, timeout=120)

    tmp = Path(tempfile.mkdtemp(prefix="hocvuso-bench-"))
    env = production_env(tmp, database_url=DATABASE_URL, redis_url=REDIS_URL)
    manage = [str(PY), "manage.py"]
    proc: subprocess.Popen | None = None
    static_job: subprocess.Popen | None = None
    db_created = False
    try:
        log(f"\n== setup (database {DB_NAME}, temp dir {tmp})")
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{DB_NAME}"')
        db_created = True
        redis_flush(REDIS_URL)
        # The shipped production settings fail Django's system checks on PostgreSQL
        # (postgres.E005: wagtailsearch's SearchVectorField/GinIndex want
        # 'django.contrib.postgres' in INSTALLED_APPS). Settings are not ours to
        # change: report the check, then run the commands with --skip-checks.
        check_errors = system_check(manage, env)
        skip = ["--skip-checks"] if check_errors else []
        # collectstatic needs no database: run it beside migrate (two cores).
        static_started = time.monotonic()
        static_job = subprocess.Popen(
            [*manage, "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        run([*manage, "migrate", "--no-input", "-v", "0", *skip], env, 240, "migrate")
        run([*manage, "load_units", *skip], env, 120, "load_units")
        run([*manage, "seed_demo", *skip], env, 120, "seed_demo")
        try:
            static_out, _ = static_job.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            raise SystemExit("collectstatic: timed out") from None
        if static_job.returncode != 0:
            raise SystemExit(f"collectstatic: exit {static_job.returncode}\n{static_out[-3000:]}")
        log(f"  {'collectstatic (in parallel)':<28} {time.monotonic() - static_started:6.1f}s")
        info = snippet_json(
            run([*manage, "shell", "-c", SETUP_SNIPPET], env, 120, "10-step course + session")
        )
        log(
            f"  learner {info['user']} enrolled, {info['done']}/{info['steps']} steps done; "
            f"session created server-side"
        )

        port = free_port()
        log(f"\n== gunicorn: {args.workers} sync workers on 127.0.0.1:{port}")
        error_log = tmp / "gunicorn.log"
        proc = subprocess.Popen(
            [
                str(GUNICORN),
                "learning.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--error-logfile",
                str(error_log),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        log(f"  answering after {wait_until_up(port, proc):.1f}s")

        client = Client(port, info["session"])
        pages = [
            ("home (baseline)", info["home"]),
            ("course, 10 steps", info["course"]),
            ("lesson, step 4/10", info["lesson"]),
        ]

        # Warm up, and check each page is really served to the logged-in, enrolled learner.
        log("\n== warm-up and checks")
        html_sizes = {}
        for name, path in pages:
            status, headers, body, _c = client.get(path)
            text = decoded(headers, body).decode("utf-8", "replace")
            if status != 200:
                raise SystemExit(f"{name} {path}: HTTP {status}")
            if f'action="{info["logout_url"]}"' not in text:
                raise SystemExit(
                    f"{name} {path}: not logged in (no log-out form); session not accepted"
                )
            if name.startswith("lesson") and f'action="{info["complete_url"]}"' not in text:
                raise SystemExit(f"{name}: no 'complete' form, learner not seen as enrolled")
            html_sizes[name] = (len(body), len(text.encode()), headers.get("content-encoding", "-"))
            warm = hammer(client, path, 6 * args.concurrency, args.concurrency, 20)
            if warm["failures"]:
                raise SystemExit(f"{name}: warm-up failures {sorted(set(warm['failures']))}")
            log(
                f"  {name:<18} {path}  HTTP 200, logged in, "
                f"{len(warm['latencies'])} warm-up requests"
            )

        rounds = max(1, min(args.rounds, args.requests))
        log(
            f"\n== load: {args.requests} requests per page, {args.concurrency} client threads, "
            f"in {rounds} interleaved rounds; load average before: "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
            log(
                "  ! the machine is busy before the load starts (other processes): "
                "absolute figures are noisy, compare ratios and CPU/req, or rerun"
            )
        parts: dict[str, list] = {name: [] for name, _p in pages}
        cpu: dict[str, float] = {name: 0.0 for name, _p in pages}
        per_round = [args.requests // rounds + (i < args.requests % rounds) for i in range(rounds)]
        load_deadline = time.monotonic() + PHASE_DEADLINE_S * len(pages)
        for round_index, count in enumerate(per_round):
            # Rotate the order so no page always runs first (or after the same one).
            order = pages[round_index % len(pages) :] + pages[: round_index % len(pages)]
            for name, path in order:
                remaining = load_deadline - time.monotonic()
                if remaining <= 1:
                    break
                cpu_before = worker_cpu_seconds(proc.pid)
                parts[name].append(
                    hammer(client, path, count, args.concurrency, min(remaining, PHASE_DEADLINE_S))
                )
                cpu[name] += worker_cpu_seconds(proc.pid) - cpu_before
        results = {name: summarise(parts[name], cpu[name]) for name, _p in pages}
        log(
            "  load average after: "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
            + (
                "  (stopped at the time limit: fewer requests than asked)"
                if any(
                    r["truncated"] or r["ok"] + r["failed"] < args.requests
                    for r in results.values()
                )
                else ""
            )
        )

        base = results[pages[0][0]]["rps"] or 1e-9
        log("")
        log(
            f"{'page':<18} {'path':<58} {'ok/fail':>8} {'req/s':>7} {'median':>8} {'p95':>8} {'×home':>6} {'CPU/req':>8} {'html gz/raw':>13}"
        )
        for name, path in pages:
            r = results[name]
            gz, raw, enc = html_sizes[name]
            size = (
                f"{gz / 1024:.1f}/{raw / 1024:.1f}K" if enc == "gzip" else f"{raw / 1024:.1f}K raw"
            )
            log(
                f"{name:<18} {path[:58]:<58} {r['ok']:>4}/{r['failed']:<3} {r['rps']:>7.1f} "
                f"{r['median_ms']:>6.1f}ms {r['p95_ms']:>6.1f}ms {r['rps'] / base:>5.2f}× {r['cpu_ms']:>6.1f}ms {size:>13}"
            )
        for name, _path in pages:
            r = results[name]
            if r["failed"]:
                log(f"  ! {name}: {r['failed']} failures: {', '.join(r['failures'])}")
            if r["cookies"]:
                names = ", ".join(f"{k} on {v}" for k, v in sorted(r["cookies"].items()))
                log(f"  note {name}: Set-Cookie in responses: {names} of {r['ok']}")
        log(
            "  CPU/req: user+system CPU of the gunicorn workers per request (PostgreSQL, Redis "
            "and the client threads not included); latencies include connecting (no keep-alive)"
        )
        ratio = results[pages[2][0]]["rps"] / base
        log(
            f"lesson / home requests/s = {ratio:.2f}× (target ≥ {LESSON_TARGET_RATIO}×): "
            f"{'MET' if ratio >= LESSON_TARGET_RATIO else 'NOT MET'}"
        )

        # Wire weight of the lesson page, as a phone fetches it (gzip accepted).
        log("\n== wire weight of the lesson page (gzip; images excluded)")
        status, headers, body, _c = client.get(info["lesson"])
        html = decoded(headers, body)
        encoding = headers.get("content-encoding", "none")
        html_gz = len(body) if encoding == "gzip" else len(gzip.compress(html, 6))
        log(
            f"  HTML  {info['lesson']}: Content-Encoding: {encoding}; "
            f"{len(html) / 1024:.1f} KB raw, {html_gz / 1024:.1f} KB gzip"
            + (
                ""
                if encoding == "gzip"
                else "  ! NOT COMPRESSED by the server (gzip size computed here)"
            )
        )
        links = AssetLinks()
        links.feed(html.decode("utf-8", "replace"))
        total_served, total_gz = (len(body), html_gz)
        for href in links.assets:
            if not href.startswith("/"):
                log(f"  asset {href}: not on this site, skipped")
                continue
            a_status, a_headers, a_body, _c = client.get(href)
            a_raw = decoded(a_headers, a_body)
            a_enc = a_headers.get("content-encoding", "none")
            a_gz = len(a_body) if a_enc == "gzip" else len(gzip.compress(a_raw, 6))
            total_served += len(a_body)
            total_gz += a_gz
            log(
                f"  asset {href}: HTTP {a_status}, Content-Encoding: {a_enc}; "
                f"{len(a_raw) / 1024:.1f} KB raw, {a_gz / 1024:.1f} KB gzip"
                + (
                    ""
                    if a_enc == "gzip"
                    else f"  ! served uncompressed ({len(a_body) / 1024:.1f} KB on the wire)"
                )
                + f", cache-control: {a_headers.get('cache-control', '-')}"
            )
        log(f"  images on the page: {links.images} (excluded)")
        log(
            f"  total: {total_gz / 1024:.1f} KB with gzip everywhere (target ≤ {WIRE_TARGET_KB:.0f} KB: "
            f"{'MET' if total_gz / 1024 <= WIRE_TARGET_KB else 'NOT MET'}); "
            f"{total_served / 1024:.1f} KB as actually served"
        )

        # Where server time goes: queries and in-process time per page.
        log("\n== server side, in-process (Django test client, same DB; 20 requests after warm-up)")
        profile_env = {
            **env,
            "BENCH_PAGES": json.dumps(pages),
            "BENCH_SESSION": info["session"],
        }
        profile = snippet_json(
            run([*manage, "shell", "-c", PROFILE_SNIPPET], profile_env, 120, "profile")
        )
        log(f"  {'page':<18} {'status':>6} {'queries':>8} {'SQL ms':>8} {'median ms':>10}")
        log("  (SQL ms: time inside cursor.execute, round trip included; the rest is Python)")
        for name, _path in pages:
            p = profile[name]
            log(
                f"  {name:<18} {p['status']:>6} {p['queries']:>8} {p['sql_ms']:>8.1f} {p['median_ms']:>10.1f}"
            )
        if os.environ.get("BENCH_SHOW_SQL"):
            for name, _path in pages:
                log(f"  -- {name}")
                for sql in profile[name]["sql"]:
                    log(f"     {sql}")
        errors = error_log.read_text(errors="replace").strip() if error_log.exists() else ""
        if errors:
            log("\n== gunicorn error log (tail)\n" + errors[-1500:])
    finally:
        if static_job is not None and static_job.poll() is None:
            static_job.kill()
            static_job.wait(timeout=10)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if db_created and not args.keep:
            try:
                admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
                redis_flush(REDIS_URL)
            except Exception as error:  # noqa: BLE001 - report, keep cleaning up
                log(f"cleanup: {error}")
        shutil.rmtree(tmp, ignore_errors=True)
    log(
        f"\ngunicorn stopped, database {DB_NAME} "
        f"{'kept' if args.keep else 'dropped'}; total {time.monotonic() - started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
