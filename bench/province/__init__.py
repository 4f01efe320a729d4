"""Build a realistic synthetic province for benchmarks and manual testing.

`manage.py generate_province` (training/management/commands) runs `generate`.

At the default size (Hồ Chí Minh City, 168 real wards, 300,000 residents) it writes
about 400,000 enrolments, 1,000,000 step-progress rows and 60,000 certificates,
plus one province-wide assignment per live course, in about a minute on 2 cores: rows are
generated in Python from one seeded random stream and written with PostgreSQL
COPY (bulk_create on other databases, which is fine for small sizes).

Synthetic people are recognisable (see replace.py), so `--replace` can remove them
again with every row that points at them and the assignments the synthetic province
cadre created; nothing else.

Not generated: quiz attempts (completed quizzes show only as step progress), notices,
reminders, certificate PDF files.

    people.py    names, birth years, ward sizes (pure random draws)
    tables.py    COPY writer and id reservation
    generate.py  the phases, one function each
    replace.py   the synthetic marker and --replace
"""

import statistics
import time
from random import Random

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Consent, Role, User
from certificates.models import Certificate
from courses.models import Enrollment, StepProgress
from training.figures import ward_counts_refresh
from training.models import Assignment

from . import generate as phases
from .replace import PROVINCE_CADRE_PHONE, WARD_CADRE_PHONE, delete_previous, synthetic_users

MAX_RESIDENTS = 5_000_000

__all__ = ["PROVINCE_CADRE_PHONE", "WARD_CADRE_PHONE", "generate", "synthetic_users"]


class Progress:
    """Lines on the command's output, each with the seconds since the start."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f}s] {message}")


def generate(
    *,
    residents: int,
    province_code: int,
    seed: int,
    replace: bool,
    password: str | None,
    stdout,
) -> None:
    """Generate the province in one transaction (replacing an earlier run's if asked) and
    print what the dashboards should show."""
    progress = Progress(stdout)
    if not 1 <= residents <= MAX_RESIDENTS:
        raise CommandError(f"--residents must be between 1 and {MAX_RESIDENTS}.")
    province, wards = phases.province_of(province_code, progress)
    courses = phases.live_courses(progress)
    progress.say(f"{province.name}: {len(wards)} wards; {len(courses)} live courses")

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if synthetic_users().exists():
            if not replace:
                raise CommandError(
                    "Synthetic users of an earlier run exist; use --replace to delete them."
                )
            progress.say(f"deleted {delete_previous():,} synthetic users of the earlier run")
        expected = _generate(
            progress, Random(seed), Random(seed + 1), province, wards, courses, residents, password
        )
    _analyze(progress)
    # The rows went in without signals: count every ward afresh for the dashboards.
    progress.say(f"counted {ward_counts_refresh():,} wards for the dashboards")
    _report(progress, expected)


def _generate(progress, rng, step_rng, province, wards, courses, residents, password) -> dict:
    """Every phase in turn; the order of the random draws makes the province."""
    now = timezone.now().timestamp()
    plan = phases.plan_wards(rng, wards, residents)
    people = phases.draw_people(rng, province, plan, now)
    phones = phases.draw_phones(rng, residents)
    progress.say(f"residents generated: {residents:,}")
    first_user = phases.write_residents(people, phones, wards)
    consents = phases.write_consents(people, first_user)
    progress.say(f"residents written: {residents:,} (and {consents:,} consents)")

    specs = phases.plan_courses(rng, courses)
    enrolments = phases.draw_enrolments(rng, people, plan, specs, now)
    progress.say(f"enrolments generated: {len(enrolments):,}")
    first_enrolment = phases.write_enrolments(enrolments, first_user, specs)
    progress.say(f"enrolments written: {len(enrolments):,}")
    steps = phases.write_step_progress(step_rng, enrolments, first_enrolment, specs, now)
    progress.say(f"step progress written: {steps:,}")
    certificates = phases.write_certificates(rng, enrolments, people, first_user, specs)
    progress.say(f"certificates written: {certificates:,} (ready, no PDF file)")

    cadre_password = phases.new_password(password)
    cadre = phases.create_cadres(rng, province, wards, plan, cadre_password, now)
    assignments = phases.create_assignments(rng, province, wards, specs, cadre, now)
    progress.say(f"cadres and {len(assignments)} assignments created")
    return {
        "province": province,
        "wards": wards,
        "sizes": plan.sizes,
        "largest": plan.largest,
        "lagging": sorted(plan.lagging, key=lambda i: wards[i].name),
        "rates": phases.finished_share_by_ward(people, enrolments, wards),
        "password": cadre_password,
        "generated_password": not password,
    }


def _analyze(progress) -> None:
    """Fresh planner statistics for the tables written, as autovacuum would give them."""
    if connection.vendor != "postgresql":
        return
    # VACUUM too, as autovacuum would have done in production: it sets the visibility
    # map (index-only scans) and makes the space of rows deleted by --replace reusable.
    # It needs autocommit, so not inside a test.
    analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    progress.say(analyze)
    models = [User, Consent, Enrollment, StepProgress, Certificate, Assignment]
    tables = [model._meta.db_table for model in models]
    tables.append(Assignment.wards.through._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{analyze} {connection.ops.quote_name(table)}")


def _report(progress, info: dict) -> None:
    residents = synthetic_users().filter(role=Role.LEARNER)
    enrolments = Enrollment.objects.filter(user__in=residents)
    wards, sizes, rates = info["wards"], info["sizes"], info["rates"]
    median = statistics.median(rates) if rates else 0.0
    largest = wards[info["largest"]]
    lines = [
        "",
        f"Province: {info['province'].name} (code {info['province'].code})",
        f"  wards:          {len(wards):>10,}  (residents per ward {min(sizes):,} – "
        f"{max(sizes):,}, median {statistics.median(sizes):,.0f})",
        f"  residents:      {residents.count():>10,}",
        f"  enrolments:     {enrolments.count():>10,}"
        f"  ({enrolments.filter(completed_at__isnull=False).count():,} completed)",
        f"  step progress:  "
        f"{StepProgress.objects.filter(enrollment__user__in=residents).count():>10,}",
        f"  certificates:   {Certificate.objects.filter(user__in=residents).count():>10,}",
        f"  assignments:    "
        f"{Assignment.objects.filter(created_by__phone=PROVINCE_CADRE_PHONE).count():>10,}",
        f"Residents with a finished course: province median {median:.1%} of a ward's residents.",
        f"Lagging wards by design ({len(info['lagging'])}): "
        + ", ".join(f"{wards[i].name} ({wards[i].code}) {rates[i]:.1%}" for i in info["lagging"]),
        f"Ward cadre:     {WARD_CADRE_PHONE} ({largest.name}, "
        f"{sizes[info['largest']]:,} residents)",
        f"Province cadre: {PROVINCE_CADRE_PHONE} ({info['province'].name})",
        f"Cadre password: {info['password']}"
        if info["generated_password"]
        else "Cadre password: as given with --password",
        f"Done in {time.monotonic() - progress.started:.1f}s.",
    ]
    for line in lines:
        progress.stdout.write(line)
