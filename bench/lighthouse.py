#!/usr/bin/env python
"""Lighthouse (mobile) on the learner pages and the province dashboard, served as in production.

    make lighthouse                                  # installs Lighthouse, then runs this
    CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse.py [--residents 3000]

What it does:

1. Builds the PostgreSQL database `hocvuso_lighthouse` (or --database-url) with the
   production settings: migrate, load_units, seed_demo, and `generate_province`
   (Hồ Chí Minh City with its 168 wards; --residents, default 3,000, only sets how many
   people live in them), then collectstatic into a temporary directory.
2. Logs in, server-side, demo learner 0912000001 (seed_demo gives them progress) and
   generate_province's province cadre: one session each.
3. Serves the site with gunicorn on a free loopback port (DEBUG off, WhiteNoise serving
   the collected static files; plain http, as behind the TLS proxy).
4. Runs Lighthouse (.tools/lighthouse, pinned by the Makefile; it never downloads a
   browser: CHROME_PATH=/usr/bin/chromium) with its default mobile settings on the
   learner's home, catalogue, course, lesson, quiz, "my learning" and the public
   verification page, and on the province dashboard, sending the session cookie with
   --extra-headers. Prints each category's score and MET / NOT MET:
   learner pages: performance, accessibility and best practices 100;
   province page: performance ≥ 95 (mobile).
   For a score under its target it lists the audits that lost points.
5. Drops the database (unless --keep) and the temporary directory.

Exit status 0 when every target is met, 1 otherwise.
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    PY,
    ROOT,
    admin_sql,
    cpu_model,
    log,
    production_env,
    redis_flush,
    run,
    snippet_json,
)

LIGHTHOUSE = ROOT / ".tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CHROMIUM = "/usr/bin/chromium"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hocvuso_lighthouse"
REDIS_URL = "redis://127.0.0.1:6379/13"
CATEGORIES = ["performance", "accessibility", "best-practices"]
LEARNER_TARGETS = {"performance": 100, "accessibility": 100, "best-practices": 100}
PROVINCE_TARGETS = {"performance": 95}

# Run by `manage.py shell -c`: the pages to measure and a session for each user.
SETUP_SNIPPET = r"""
import json
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from accounts.models import Province, User
from accounts.phone import normalize_phone
from courses.models import Enrollment, LessonPage
from quizzes.models import QuizPage


def session_for(user):
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def path(page):
    return "/" + page.get_url().split("://", 1)[-1].split("/", 1)[-1].lstrip("/")


learner = User.objects.get(phone=normalize_phone("0912000001"))
course = Enrollment.objects.filter(user=learner).order_by("pk").first().course
steps = course.get_children().live().specific()
lesson = next(step for step in steps if isinstance(step, LessonPage))
quiz = next(step for step in steps if isinstance(step, QuizPage))
cadre = User.objects.get(phone="+84709999999")
hcm = Province.objects.get(code=79)
print("BENCH_JSON " + json.dumps({
    "cookie": settings.SESSION_COOKIE_NAME,
    "learner": session_for(learner),
    "cadre": session_for(cadre),
    "learner_pages": {
        "home": "/",
        "catalogue": "/hoc/khoa-hoc/",
        "course": path(course),
        "lesson": path(lesson),
        "quiz": path(quiz),
        "my learning": "/hoc/cua-toi/",
        "verification": "/xac-minh/",
    },
    "province": f"/can-bo/tinh/{hcm.pk}/",
    "wards": hcm.wards.count(),
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def lighthouse(url: str, cookie: str, out: Path) -> dict:
    """One Lighthouse run (mobile, its default), as parsed JSON."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--extra-headers=" + json.dumps({"Cookie": cookie}),
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"lighthouse {url}: exit {done.returncode}\n{done.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def lost_points(report: dict, category: str) -> list[str]:
    """The audits of a category that did not score full marks, heaviest first."""
    refs = sorted(report["categories"][category]["auditRefs"], key=lambda r: -r["weight"])
    lines = []
    for ref in refs:
        audit = report["audits"][ref["id"]]
        if audit.get("score") is not None and audit["score"] < 1 and ref["weight"] > 0:
            value = audit.get("displayValue", "")
            lines.append(f"      {audit['id']} ({audit['score']:.2f}) {audit['title']} {value}")
        elif audit.get("score") == 0 and audit.get("scoreDisplayMode") == "binary":
            lines.append(f"      {audit['id']} (0) {audit['title']}")
    return lines


def median_run(name: str, url: str, cookie: str, runs: int, tmp: Path) -> dict:
    """Of `runs` Lighthouse runs, the one with the median performance score (as
    Lighthouse's docs advise: one run varies with what else the machine is doing)."""
    reports = [
        lighthouse(url, cookie, tmp / f"{name.replace(' ', '-')}-{n}.json") for n in range(runs)
    ]
    reports.sort(key=lambda report: report["categories"]["performance"]["score"])
    return reports[len(reports) // 2]


def measure(name: str, url: str, cookie: str, targets: dict, tmp: Path, runs: int) -> bool:
    report = median_run(name, url, cookie, runs, tmp)
    met = True
    cells, details = [], []
    for category in CATEGORIES:
        score = round(report["categories"][category]["score"] * 100)
        target = targets.get(category)
        ok = target is None or score >= target
        met &= ok
        mark = "" if target is None else (" MET" if ok else f" NOT MET (target {target})")
        cells.append(f"{category} {score}{mark}")
        if not ok or (target is None and score < 100):
            details += [f"    {category}:", *lost_points(report, category)]
    metrics = report["audits"]
    timing = ", ".join(
        f"{key} {metrics[audit]['displayValue']}"
        for key, audit in (
            ("FCP", "first-contentful-paint"),
            ("LCP", "largest-contentful-paint"),
            ("TBT", "total-blocking-time"),
            ("CLS", "cumulative-layout-shift"),
        )
    )
    # Lighthouse's own measure of the CPU it ran on (a desktop PC scores about 1,000+;
    # under 500 it warns that scores are not reliable).
    benchmark = report["environment"]["benchmarkIndex"]
    log(f"  {name:<14} " + " | ".join(cells))
    log(f"  {'':<14} {timing}; CPU benchmark index {benchmark:.0f}")
    for line in details:
        log(line)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=3000, help="residents (3000)")
    parser.add_argument(
        "--database-url", default=os.environ.get("LIGHTHOUSE_DATABASE_URL", DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("LIGHTHOUSE_REDIS_URL", REDIS_URL))
    parser.add_argument("--runs", type=int, default=1, help="runs per page, median kept (1)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make lighthouse`")

    version = subprocess.run(
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, timeout=60
    ).stdout.strip()
    chromium = subprocess.run(
        [CHROMIUM, "--version"], capture_output=True, text=True, timeout=60
    ).stdout.strip()
    log("== Học vụ số: Lighthouse (mobile)")
    log(f"command:  (cd {os.getcwd()} && {shlex.join([sys.executable, *sys.argv])})")
    log(f"date:     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    log(
        f"machine:  nproc={os.cpu_count()}, CPU {cpu_model()}, {platform.system()} "
        f"{platform.release()}; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    log(f"software: Lighthouse {version}, {chromium}")

    db_name = args.database_url.rsplit("/", 1)[1]
    tmp = Path(tempfile.mkdtemp(prefix="hocvuso-lighthouse-"))
    env = production_env(tmp, database_url=args.database_url, redis_url=args.redis_url)
    manage = [str(PY), "manage.py"]
    server = None
    try:
        log(f"\n== setup (database {db_name}, {args.residents:,} residents)")
        admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{db_name}"')
        redis_flush(args.redis_url)
        # As bench/learner_pages.py says: production settings fail one system check on
        # PostgreSQL (wagtailsearch wants django.contrib.postgres), so skip the checks.
        skip = "--skip-checks"
        run([*manage, "migrate", "--no-input", "-v", "0", skip], env, 900, "migrate")
        run([*manage, "load_units", skip], env, 300, "load_units")
        run([*manage, "seed_demo", skip], env, 300, "seed_demo")
        province = [*manage, "generate_province", skip, "--residents", str(args.residents)]
        run(province, env, 1800, "generate_province")
        run([*manage, "collectstatic", "--no-input", "-v", "0", skip], env, 300, "collectstatic")
        info = snippet_json(run([*manage, "shell", "-c", SETUP_SNIPPET], env, 120, "sessions"))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(GUNICORN), "learning.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_up(f"{base}/", server)
        log(f"  gunicorn (2 sync workers) on {base}")

        met = True
        learner = f"{info['cookie']}={info['learner']}"
        log("\n== learner pages (targets: performance, accessibility, best-practices 100)")
        for name, path in info["learner_pages"].items():
            met &= measure(name, base + path, learner, LEARNER_TARGETS, tmp, args.runs)
        log(f"\n== province dashboard, {info['wards']} wards (target: performance ≥ 95)")
        cadre = f"{info['cookie']}={info['cadre']}"
        province_url = base + info["province"]
        met &= measure("province", province_url, cadre, PROVINCE_TARGETS, tmp, args.runs)
        log("\nALL TARGETS MET" if met else "\nSOME TARGETS NOT MET")
        return 0 if met else 1
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
