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
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Role, User, Ward
    from training.figures import ward_counts_changed
    from training.models import Assignment

    province_cadre = (
        User.objects.filter(role=Role.PROVINCE_CADRE, managed_province__isnull=False)
        .order_by("-pk")
        .first()
    )
    province = province_cadre.managed_province
    residents = User.objects.filter(ward__province=province, is_active=True).count()
    wards = Ward.objects.filter(province=province).annotate(n=Count("residents")).order_by("pk")
    ward = min(wards, key=lambda w: abs(w.n - 2000))
    ward_cadre = User.objects.filter(role=Role.WARD_CADRE).order_by("-pk").first()
    ward_cadre.managed_wards.add(ward)  # idempotent: the bench's own cadre sees this ward

    ward_ids = [w.pk for w in wards]
    rng = random.Random(2026)

    def before_cold():
        cache.clear()  # every ward counted afresh (as after a deploy or a bulk load)

    def before_some_changed():
        # What a busy morning looks like: residents of 10 wards did something since.
        ward_counts_changed(*rng.sample(ward_ids, 10))

    def measure(user, url, prepare=None, requests=args.requests) -> dict:
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

    province_url = reverse("training:province", args=[province.pk])
    home = measure(province_cadre, "/")
    province_page = measure(province_cadre, province_url)
    province_changed = measure(province_cadre, province_url, prepare=before_some_changed)
    province_cold = measure(
        province_cadre, province_url, prepare=before_cold, requests=max(3, args.requests // 4)
    )
    ward_page = measure(ward_cadre, reverse("training:ward", args=[ward.pk]))
    ward_cold = measure(ward_cadre, reverse("training:ward", args=[ward.pk]), prepare=before_cold)

    slowest_sql = max(province_cold["sql"], key=lambda q: q[1])[0]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest_sql)
        plan = [row[0] for row in cursor.fetchall()]
    pages = (home, province_page, province_changed, province_cold, ward_page, ward_cold)
    for page in pages:
        page.pop("sql")
    result = {
        "province": province.name,
        "wards": Ward.objects.filter(province=province).count(),
        "residents": residents,
        "assignments": Assignment.objects.filter(wards__province=province).distinct().count(),
        "ward": ward.name,
        "ward_residents": ward.n,
        "home": home,
        "province_page": province_page,
        "province_changed": province_changed,
        "province_cold": province_cold,
        "ward_page": ward_page,
        "ward_cold": ward_cold,
        "slowest_sql": slowest_sql,
        "plan": plan,
    }
    print(MARKER + json.dumps(result, ensure_ascii=False))
    return 0


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=300_000, help="residents (300000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (20)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database first")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (1000 <= args.residents <= 2_000_000 and 3 <= args.requests <= 1000):
        parser.error("--residents 1000..2000000, --requests 3..1000")
    if args.child:
        return child_main(args)

    log("== Học vụ số: cadre dashboards at province scale")
    log(f"command:  (cd {os.getcwd()} && {shlex.join([sys.executable, *sys.argv])})")
    log(
        f"machine:  nproc={os.cpu_count()}, CPU {cpu_model()}, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, PostgreSQL {server_version()}"
        "; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    tmp = Path(tempfile.mkdtemp(prefix="hocvuso-bench-training-"))
    env = production_env(tmp, database_url=DATABASE_URL, redis_url=REDIS_URL)
    manage = [str(PY), "manage.py"]
    try:
        if args.fresh or not database_exists():
            log(f"\n== building {DB_NAME} ({args.residents:,} residents)")
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            admin_sql(f'CREATE DATABASE "{DB_NAME}"')
            run([*manage, "migrate", "--no-input", "-v", "0"], env, 600, "migrate")
            run([*manage, "load_units"], env, 600, "load_units")
            run([*manage, "seed_demo"], env, 600, "seed_demo")
            run(
                [*manage, "generate_province", "--residents", str(args.residents)],
                env,
                3600,
                "generate_province",
            )
        else:
            log(f"\n== reusing {DB_NAME} (--fresh rebuilds it)")
            run([*manage, "migrate", "--no-input", "-v", "0"], env, 600, "migrate")
        run([*manage, "collectstatic", "--no-input", "-v", "0"], env, 600, "collectstatic")
        redis_flush(REDIS_URL)
        me = [str(PY), str(Path(__file__).resolve()), "--child", "--requests", str(args.requests)]
        log("\n== pages")
        result = snippet_json(run(me, env, 1800, "timed requests"))
        report(result)
    finally:
        if args.drop:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
