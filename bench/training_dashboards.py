#!/usr/bin/env python
"""Cadre dashboards at the scale of a real province: time and SQL queries per page.

    .venv/bin/python bench/training_dashboards.py [--residents 300000] [--requests 20] [--fresh]

What it does:

1. Uses the PostgreSQL database `hocvuso_province`. If it does not exist (or with
   --fresh) it is created with the production settings: migrate, load_units,
   seed_demo, then `generate_province --residents N` (Hồ Chí Minh City, 168 wards;
   about 6 minutes at 300,000 residents on 2 cores). It is kept afterwards, so
   reruns start at once; `--drop` removes it at the end.
2. In one child process with the production settings (Redis database 14 as the
   cache, flushed first), logged in as the generated province cadre and as the
   ward cadre of the ward closest to 2,000 residents, it requests, through
   Django's test client (server time only, no network):
   - the home page (a plain Wagtail page: the baseline),
   - the province dashboard (/can-bo/tinh/<id>/),
   - the ward dashboard, first page of residents (/can-bo/xa/<id>/),
   3 warm-up requests each, then --requests timed ones. Prints median and p95 ms,
   the ratio to the home page, and the number of SQL queries per page.
3. Prints EXPLAIN (ANALYZE, BUFFERS) of the slowest query of the province page
   (the main aggregate).

Targets (issue #5): province ≤ 300 ms and ≤ 15 queries; ward ≤ 150 ms.
"""

import argparse
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    MARKER,
    PY,
    admin_sql,
    cpu_model,
    log,
    production_env,
    redis_flush,
    run,
    server_version,
    snippet_json,
)

DB_NAME = "hocvuso_province"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/14"


def database_exists() -> bool:
    import psycopg
    from common import ADMIN_DSN

    with psycopg.connect(ADMIN_DSN, connect_timeout=10) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    return row is not None


def child_main(args) -> int:
    """Runs inside the production settings: time the pages and print one JSON line."""
    import django

    sys.path.insert(0, str(PY.parent.parent.parent))  # the repository root
    django.setup()
    people = _bench_people()
    pages = _time_pages(args, people)
    slowest_sql = max(pages["province_cold"]["sql"], key=lambda q: q[1])[0]
    plan = _explain(slowest_sql)
    for page in pages.values():
        page.pop("sql")
    result = {**_province_facts(people), **pages, "slowest_sql": slowest_sql, "plan": plan}
    print(MARKER + json.dumps(result, ensure_ascii=False))
    return 0


def _bench_people() -> dict:
    """The generated province cadre, and the ward cadre given the ward nearest 2,000 residents."""
    from django.db.models import Count

    from accounts.models import Role, User, Ward

    province_cadre = (
        User.objects.filter(role=Role.PROVINCE_CADRE, managed_province__isnull=False)
        .order_by("-pk")
        .first()
    )
    province = province_cadre.managed_province
    wards = Ward.objects.filter(province=province).annotate(n=Count("residents")).order_by("pk")
    ward = min(wards, key=lambda w: abs(w.n - 2000))
    ward_cadre = User.objects.filter(role=Role.WARD_CADRE).order_by("-pk").first()
    ward_cadre.managed_wards.add(ward)  # idempotent: the bench's own cadre sees this ward
    return {
        "province_cadre": province_cadre,
        "province": province,
        "ward_cadre": ward_cadre,
        "ward": ward,
        "ward_ids": [w.pk for w in wards],
    }


def _measure(user, url, *, requests: int, prepare=None) -> dict:
    """3 warm-up requests, then timed ones (each after `prepare`), then one counting queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        if prepare:
            prepare()
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    if prepare:
        prepare()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return {
        "url": url,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "queries": len(queries),
        "sql": [(q["sql"], float(q["time"])) for q in queries.captured_queries],
        "bytes": len(response.content),
    }


def _time_pages(args, people: dict) -> dict:
    """The home page (the baseline), the province page warm, after some wards changed and
    cold, and the ward page warm and cold."""
    from django.core.cache import cache
    from django.urls import reverse

    from training.figures import ward_counts_changed

    rng = random.Random(2026)

    def before_cold():
        cache.clear()  # every ward counted afresh (as after a deploy or a bulk load)

    def before_some_changed():
        # What a busy morning looks like: residents of 10 wards did something since.
        ward_counts_changed(*rng.sample(people["ward_ids"], 10))

    province_cadre, ward_cadre = people["province_cadre"], people["ward_cadre"]
    province_url = reverse("training:province", args=[people["province"].pk])
    ward_url = reverse("training:ward", args=[people["ward"].pk])
    requests = args.requests
    return {
        "home": _measure(province_cadre, "/", requests=requests),
        "province_page": _measure(province_cadre, province_url, requests=requests),
        "province_changed": _measure(
            province_cadre, province_url, requests=requests, prepare=before_some_changed
        ),
        "province_cold": _measure(
            province_cadre, province_url, requests=max(3, requests // 4), prepare=before_cold
        ),
        "ward_page": _measure(ward_cadre, ward_url, requests=requests),
        "ward_cold": _measure(ward_cadre, ward_url, requests=requests, prepare=before_cold),
    }


def _explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def _province_facts(people: dict) -> dict:
    from accounts.models import User, Ward
    from training.models import Assignment

    province, ward = people["province"], people["ward"]
    return {
        "province": province.name,
        "wards": Ward.objects.filter(province=province).count(),
        "residents": User.objects.filter(ward__province=province, is_active=True).count(),
        "assignments": Assignment.objects.filter(wards__province=province).distinct().count(),
        "ward": ward.name,
        "ward_residents": ward.n,
    }


def report(result: dict) -> None:
    log(
        f"  {result['province']}: {result['wards']} wards, {result['residents']:,} residents, "
        f"{result['assignments']} assignments; ward page: {result['ward']} "
        f"({result['ward_residents']:,} residents)"
    )
    base = result["home"]["median_ms"]
    log(f"\n  {'page':<22}{'median ms':>10}{'p95 ms':>9}{'× home':>8}{'queries':>9}{'KB':>7}")
    for label, key, target in (
        ("home (baseline)", "home", None),
        ("province, cached", "province_page", 300),
        ("province, 10 changed", "province_changed", 300),
        ("province, cold", "province_cold", None),
        ("ward, cached", "ward_page", 150),
        ("ward, cold", "ward_cold", 150),
    ):
        page = result[key]
        verdict = ""
        if target:
            verdict = "  ok" if page["median_ms"] <= target else f"  OVER {target} ms"
        log(
            f"  {label:<22}{page['median_ms']:>10.1f}{page['p95_ms']:>9.1f}"
            f"{page['median_ms'] / base:>8.1f}{page['queries']:>9}{page['bytes'] / 1024:>7.1f}"
            + verdict
        )
    log(
        "\n  cached: every ward's counts in the cache; 10 changed: before each request the"
        "\n  counts of 10 random wards are marked changed (recounted); cold: the cache is"
        "\n  emptied before each request (every ward recounted, as after a bulk load)."
    )
    log("\n  slowest query of the province page, cold:")
    log("    " + result["slowest_sql"][:1500])
    log("\n  EXPLAIN (ANALYZE, BUFFERS):")
    for line in result["plan"]:
        log("    " + line)


def main() -> int:
    args = _arguments()
    if args.child:
        return child_main(args)
    _log_machine()
    tmp = Path(tempfile.mkdtemp(prefix="hocvuso-bench-training-"))
    env = production_env(tmp, database_url=DATABASE_URL, redis_url=REDIS_URL)
    try:
        _prepare_database(args, env)
        log("\n== pages")
        report(_time_in_child(args, env))
    finally:
        if args.drop:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=300_000, help="residents (300000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (20)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (1000 <= args.residents <= 2_000_000 and 3 <= args.requests <= 1000):
        parser.error("--residents 1000..2000000, --requests 3..1000")
    return args


def _log_machine() -> None:
    log("== Học vụ số: cadre dashboards at province scale")
    log(f"command:  (cd {os.getcwd()} && {shlex.join([sys.executable, *sys.argv])})")
    log(
        f"machine:  nproc={os.cpu_count()}, CPU {cpu_model()}, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, PostgreSQL {server_version()}"
        "; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


def _prepare_database(args, env: dict) -> None:
    """Build the province database (first run or --fresh), else migrate the kept one."""
    manage = [str(PY), "manage.py"]
    if args.fresh or not database_exists():
        log(f"\n== building {DB_NAME} ({args.residents:,} residents)")
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{DB_NAME}"')
        run([*manage, "migrate", "--no-input", "-v", "0"], env, 600, "migrate")
        run([*manage, "load_units"], env, 600, "load_units")
        run([*manage, "seed_demo"], env, 600, "seed_demo")
        generate = [*manage, "generate_province", "--residents", str(args.residents)]
        run(generate, env, 3600, "generate_province")
    else:
        log(f"\n== reusing {DB_NAME} (--fresh rebuilds it)")
        run([*manage, "migrate", "--no-input", "-v", "0"], env, 600, "migrate")
    run([*manage, "collectstatic", "--no-input", "-v", "0"], env, 600, "collectstatic")


def _time_in_child(args, env: dict) -> dict:
    """The timed requests, in a child process with the production settings and a cold cache."""
    redis_flush(REDIS_URL)
    me = [str(PY), str(Path(__file__).resolve()), "--child", "--requests", str(args.requests)]
    return snippet_json(run(me, env, 1800, "timed requests"))


if __name__ == "__main__":
    raise SystemExit(main())
