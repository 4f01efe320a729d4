# ruff: noqa: S608 - SQL is built only from model metadata (quoted names), never from input.
"""Build a realistic synthetic province for benchmarks and manual testing.

At the default size (Hồ Chí Minh City, 168 real wards, 300,000 residents) it writes
about 400,000 enrolments, 1,000,000 step-progress rows and 60,000 certificates,
plus one province-wide assignment per live course, in about a minute on 2 cores: rows are
generated in Python from one seeded random stream and written with PostgreSQL
COPY (bulk_create on other databases, which is fine for small sizes).

Synthetic people are recognisable, so `--replace` can remove them again:
residents have phone numbers +8470xxxxxxx AND the shared unusable password
RESIDENT_PASSWORD; the two cadres have the fixed numbers and names below. Replacing
deletes those users, every row that points at them (following each relation's
on_delete) and the assignments the synthetic province cadre created; nothing else.

Not generated: quiz attempts (completed quizzes show only as step progress), notices,
reminders, certificate PDF files.
"""

import datetime
import hashlib
import math
import secrets
import statistics
import time
import unicodedata
from bisect import bisect
from itertools import accumulate, batched
from random import Random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import CASCADE, DO_NOTHING, SET_NULL, Q
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from accounts.models import Consent, Province, Role, User
from accounts.text import fold, given_name_of
from certificates.models import Certificate, CertificateCounter, new_token

# The code path certificates.services.certificate_issue uses for the current version.
from certificates.services import _current_template_version
from courses.models import CoursePage, Enrollment, StepProgress
from courses.selectors import course_steps
from training.figures import ward_counts_refresh
from training.models import Assignment, Audience

SYNTHETIC_PREFIX = "+8470"
# Starts with "!": Django treats it as an unusable password, so synthetic
# residents cannot log in; together with the phone range it marks them.
RESIDENT_PASSWORD = "!generate_province-synthetic-resident"
WARD_CADRE_PHONE = "+84709999998"
WARD_CADRE_NAME = "Trần Thị Thu Hà"
PROVINCE_CADRE_PHONE = "+84709999999"
PROVINCE_CADRE_NAME = "Lê Quốc Bảo"
# Resident numbers are +8470 followed by 7 digits below the cadres' numbers.
PHONE_SPACE = 9_999_998
MAX_RESIDENTS = 5_000_000
# Temporary table of the ids of the users --replace deletes.
ID_TABLE = "generate_province_ids"

DAY = 86_400.0
SIGN_UP_DAYS = 120  # residents signed up over the last 120 days
COMPLETION_DAYS = 60  # completed enrolments finished over the last 60 days
LAGGING_SHARE = 0.06  # 10 of 168 wards lag on purpose
BORN_BY_YEAR = 1975

# --- Vietnamese names (family name first). Weights are rough shares in per cent.
FAMILY_NAMES = {
    "Nguyễn": 31,
    "Trần": 11,
    "Lê": 9.5,
    "Phạm": 6,
    "Phan": 4.5,
    "Huỳnh": 4,  # southern spelling of Hoàng
    "Hoàng": 2.5,
    "Võ": 3.5,  # southern spelling of Vũ
    "Vũ": 2,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 1.5,
    "Hồ": 1.5,
    "Ngô": 1.3,
    "Dương": 1.1,
    "Trương": 1.2,
    "Lý": 0.8,
    "Đinh": 0.7,
    "Lâm": 0.7,
    "Đoàn": 0.6,
    "Mai": 0.5,
    "Châu": 0.5,
    "Lương": 0.5,
    "Cao": 0.5,
    "Hà": 0.5,
    "Trịnh": 0.5,
    "Tô": 0.4,
    "Lưu": 0.4,
    "Tạ": 0.3,
    "Quách": 0.3,
    "Thái": 0.3,
    "Kiều": 0.2,
    "La": 0.2,
}


def _words(text: str) -> list[str]:
    """The NFC words of a space-separated list."""
    return unicodedata.normalize("NFC", text).split()


# North of Huế people write Hoàng and Vũ rather than Huỳnh and Võ.
NORTHERN_FAMILY_SWAP = {"Huỳnh": 1, "Hoàng": 5.5, "Võ": 1, "Vũ": 4.5}
MALE_MIDDLE = _words(
    "Văn Hữu Đức Minh Quốc Thanh Công Hoàng Ngọc Xuân Gia Quang Thành Anh Trọng Duy Bảo "
    "Đình Nhật Tấn"
)
FEMALE_MIDDLE = _words(
    "Ngọc Thu Thanh Kim Thùy Mỹ Phương Bảo Hồng Minh Khánh Hoài Diễm Thúy Bích Tuyết Ánh "
    "Lan Hải Quỳnh"
)
MALE_GIVEN = _words(
    "Anh Bình Cường Dũng Đức Hải Hiếu Hoàng Hùng Huy Khánh Khoa Long Minh Nam Nghĩa Phong "
    "Phúc Quang Sơn Tài Thắng Thành Thịnh Toàn Trung Tuấn Việt Vinh Bảo Đạt Hưng Kiên Lâm "
    "Lộc Tâm Tùng Quân Khôi Hiển Phát Tín Nhân Thiện Hậu"
)
FEMALE_GIVEN = _words(
    "Anh Chi Dung Giang Hà Hạnh Hằng Hiền Hoa Hồng Hương Huyền Lan Liên Linh Loan Mai My "
    "Nga Ngân Ngọc Nhung Oanh Phương Quyên Tâm Thảo Thủy Trang Trinh Tuyết Uyên Vân Vy "
    "Yến Xuân Nhi Hân Thư Diệp Thoa Lệ Duyên Thắm"
)

# --- How residents take courses. Citizen courses in tree order, cycled if more.
# Chance that an active resident of activity 1.0 enrols, and that an enrolment is
# finished, in a ward of factor 1.0.
CITIZEN_POPULARITY = (0.50, 0.42, 0.30, 0.36, 0.33, 0.20)
CITIZEN_COMPLETION = (0.20, 0.152, 0.105, 0.147, 0.126, 0.105)
ACTIVE_SHARE = 0.64  # residents who enrol in anything at all (ward factor 1.0)
# Steps done by an unfinished learner: 0, 1, 2, ... (truncated to the course).
PREFIX_WEIGHTS = (0.8, 1.3, 1.1, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)


def synthetic_users():
    """The users a previous run created: residents by phone range and mark, and the cadres."""
    return User.objects.filter(phone__startswith=SYNTHETIC_PREFIX).filter(
        Q(password=RESIDENT_PASSWORD)
        | Q(phone=WARD_CADRE_PHONE, full_name=WARD_CADRE_NAME)
        | Q(phone=PROVINCE_CADRE_PHONE, full_name=PROVINCE_CADRE_NAME)
    )


class _Table:
    """Fast insertion of plain rows: COPY on PostgreSQL, bulk_create elsewhere.

    `fields` name the values each row gives, in order; every other column gets its
    field default (computed once), the primary key its sequence unless given.
    """

    def __init__(self, model, fields: list[str]):
        opts = model._meta
        self.model = model
        self.fields = [opts.get_field(name) for name in fields]
        given = {field.attname for field in self.fields}
        self.rest = [
            field
            for field in opts.concrete_fields
            if field.attname not in given and not field.primary_key
        ]
        self.tail = tuple(
            field.get_db_prep_save(field.get_default(), connection) for field in self.rest
        )

    def write(self, rows, *, batch_size: int = 5000) -> int:
        count = 0
        if connection.vendor == "postgresql":
            qn = connection.ops.quote_name
            columns = ", ".join(qn(field.column) for field in self.fields + self.rest)
            sql = f"COPY {qn(self.model._meta.db_table)} ({columns}) FROM STDIN"
            tail = self.tail
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    count += 1
            return count
        attnames = [field.attname for field in self.fields]
        for chunk in batched(rows, batch_size):
            self.model.objects.bulk_create(
                [self.model(**dict(zip(attnames, row, strict=True))) for row in chunk]
            )
            count += len(chunk)
        return count


def _reserve_ids(model, count: int) -> int:
    """The first of `count` consecutive free primary keys, taken from the sequence.

    On PostgreSQL the table is locked for the rest of the transaction so no other
    insert can take an id in the block before the sequence is moved past it.
    """
    table = model._meta.db_table
    column = model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT MAX({qn(column)}) FROM {qn(table)}")
            return (cursor.fetchone()[0] or 0) + 1
        cursor.execute(f"LOCK TABLE {qn(table)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            f"SELECT GREATEST(nextval(%s), COALESCE(MAX({qn(column)}), 0) + 1) FROM {qn(table)}",
            [sequence],
        )
        (start,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, start + max(count, 1) - 1])
    return start


def _skip_foreign_key_checks(cursor) -> bool:
    """On PostgreSQL, skip the per-row foreign-key triggers for the rest of the transaction,
    if this role may (superuser). Only while deleting rows whose dependents
    `_delete_where` removes first: otherwise 300,000 users x 40 referencing tables
    are checked one by one at commit, which takes minutes.
    """
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _delete_where(cursor, model, where: str, depth: int = 0) -> int:
    """DELETE the rows of `model` matching the SQL condition, and first what points at
    them, following each relation's on_delete like Django's collector does (CASCADE
    deletes, SET_NULL updates, anything else must find no row). Returns the rows deleted.

    Every column is written with its table name: in a nested subquery an unqualified
    name that the inner table lacks would silently refer to the outer one.
    """
    if depth > 8:
        raise CommandError(f"Relations nest too deep to delete {model._meta.label} rows.")
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    for relation in get_candidate_relations_to_delete(model._meta):
        field = relation.field
        related = relation.related_model._meta.concrete_model
        related_table = qn(related._meta.db_table)
        keys = f"SELECT {table}.{qn(field.target_field.column)} FROM {table} WHERE {where}"
        condition = f"{related_table}.{qn(field.column)} IN ({keys})"
        on_delete = field.remote_field.on_delete
        if on_delete is CASCADE:
            _delete_where(cursor, related, condition, depth + 1)
        elif on_delete is SET_NULL:
            cursor.execute(
                f"UPDATE {related_table} SET {qn(field.column)} = NULL WHERE {condition}"
            )
        elif on_delete is DO_NOTHING and not field.db_constraint:
            continue
        else:
            cursor.execute(f"SELECT 1 FROM {related_table} WHERE {condition} LIMIT 1")
            if cursor.fetchone():
                raise CommandError(
                    f"{related._meta.label} rows point at the {model._meta.label} rows to delete "
                    f"({on_delete.__name__}); remove them first."
                )
    cursor.execute(f"DELETE FROM {table} WHERE {where}")
    return cursor.rowcount


class _Picker:
    """Weighted choice with one random() and a bisect."""

    def __init__(self, rng: Random, weights: dict):
        self.rng = rng
        self.items = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def __call__(self):
        return self.items[bisect(self.cumulative, self.rng.random() * self.total)]


class _Names:
    """Vietnamese full names: family, one or two middle names, given name; NFC."""

    def __init__(self, rng: Random, *, northern: bool):
        family = dict(FAMILY_NAMES)
        if northern:
            family.update(NORTHERN_FAMILY_SWAP)
        self.rng = rng
        self.family = _Picker(rng, {unicodedata.normalize("NFC", k): v for k, v in family.items()})
        self.male_middle, self.female_middle = MALE_MIDDLE, FEMALE_MIDDLE
        self.male_given, self.female_given = MALE_GIVEN, FEMALE_GIVEN
        self.thi, self.van = (
            unicodedata.normalize("NFC", "Thị"),
            unicodedata.normalize("NFC", "Văn"),
        )

    def __call__(self, *, female: bool, birth_year: int | None) -> str:
        rng = self.rng
        older = birth_year is not None and birth_year < 1975
        if female:
            first = self.thi if rng.random() < (0.8 if older else 0.4) else None
            middles, given = self.female_middle, self.female_given
            second_share = 0.35
        else:
            first = self.van if rng.random() < (0.55 if older else 0.2) else None
            middles, given = self.male_middle, self.male_given
            second_share = 0.15
        parts = [self.family()]
        if first is None:
            parts.append(rng.choice(middles))
        else:
            parts.append(first)
            if rng.random() < second_share:
                parts.append(rng.choice(middles))
        name = rng.choice(given)
        if name == parts[-1]:  # "Thanh Thanh" is rare; pick again once
            name = rng.choice(given)
        parts.append(name)
        return " ".join(parts)


def _birth_year_weights() -> dict:
    """Adults 18-86; fewer of the oldest, as in the population and on phones."""
    weights = {}
    for year in range(1940, 2009):
        if year < 1960:
            weights[year] = 0.25 + 0.35 * (year - 1940) / 19
        elif year < 1975:
            weights[year] = 0.8
        elif year < 2000:
            weights[year] = 1.0
        else:
            weights[year] = 0.85
    return weights


def _ward_sizes(rng: Random, wards: int, residents: int) -> list[int]:
    """Uneven, lognormal: at 300,000 residents from ~300 to ~5,000 a ward."""
    weights = [min(max(rng.lognormvariate(0, 0.6), 0.2), 3.3) for _ in range(wards)]
    total = sum(weights)
    exact = [weight * residents / total for weight in weights]
    sizes = [int(value) for value in exact]
    by_remainder = sorted(range(wards), key=lambda i: exact[i] - sizes[i], reverse=True)
    for index in by_remainder[: residents - sum(sizes)]:
        sizes[index] += 1
    return sizes


def _prefix_picker(rng: Random, steps: int):
    return _Picker(rng, dict(enumerate(PREFIX_WEIGHTS[:steps])))


def _as_datetime(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(round(ts, 3), datetime.UTC)


class Command(BaseCommand):
    help = (
        "Generate a realistic synthetic province for benchmarks and manual testing: "
        "residents with Vietnamese names spread unevenly over the province's real wards, "
        "enrolments, step progress, certificates and one province-wide assignment per "
        "live course (seed_demo is run first if there is none). About 10 wards (6%) lag "
        "on purpose. Residents get phone numbers +8470xxxxxxx and one shared unusable "
        f"password (they cannot log in); a ward cadre ({WARD_CADRE_PHONE}, for the ward with most "
        f"residents) and a province cadre ({PROVINCE_CADRE_PHONE}) can. Synthetic certificates are "
        "'ready' without a PDF file (pdf empty, pdf_sha256 the hash of empty content): "
        "downloading one gives 404, the verification page works. "
        "Uses COPY on PostgreSQL; on SQLite keep --residents small. Do not run against a "
        "production database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents",
            type=int,
            default=300_000,
            help="Number of residents (default 300000); everything else scales with it.",
        )
        parser.add_argument(
            "--province",
            type=int,
            default=79,
            help="Official code of the province (default 79, Thành phố Hồ Chí Minh).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="Random seed (default 2026): same seed, same data.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the synthetic users of an earlier run (and everything they own, and "
            "the assignments the synthetic province cadre created) first, in the same "
            "transaction.",
        )
        parser.add_argument(
            "--password",
            help="Password of the two synthetic cadres (default: a random one, printed).",
        )

    # ------------------------------------------------------------------ helpers

    def _say(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f}s] {message}")

    def _province(self, code: int) -> Province:
        if not Province.objects.exists():
            self._say("no provinces yet: running load_units")
            call_command("load_units", stdout=self.stdout)
        province = Province.objects.filter(code=code).first()
        if province is None:
            raise CommandError(f"No province with code {code}; run load_units or check --province.")
        return province

    def _courses(self) -> list[tuple[CoursePage, list[int]]]:
        courses = list(CoursePage.objects.live().order_by("path"))
        if not courses:
            self._say("no live course: running seed_demo")
            call_command("seed_demo", stdout=self.stdout)
            courses = list(CoursePage.objects.live().order_by("path"))
        result = []
        for course in courses:
            steps = [step.page.pk for step in course_steps(course=course)]
            if steps:
                result.append((course, steps))
        if not result:
            raise CommandError("No live course with live steps.")
        return result

    def _delete_previous(self) -> int:
        """Remove the synthetic users and everything that points at them, by plain SQL.

        The ORM would load every row (a post_delete receiver rules out fast deletes)
        and take minutes; this follows the same on_delete rules table by table.
        """
        users = synthetic_users()
        # Certificate numbers of the last run: give the block back if nothing came after.
        blocks = {}
        for number in (
            Certificate.objects.filter(user__in=users).values_list("number", flat=True).iterator()
        ):
            _, year, serial = number.split("-")
            low, high = blocks.get(int(year), (math.inf, 0))
            blocks[int(year)] = (min(low, int(serial)), max(high, int(serial)))
        qn = connection.ops.quote_name
        user_sql, user_params = users.values("pk").query.sql_with_params()
        postgres = connection.vendor == "postgresql"
        id_table = qn(ID_TABLE)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {id_table} (id bigint NOT NULL PRIMARY KEY)")
            cursor.execute(f"INSERT INTO {id_table} (id) {user_sql}", user_params)
            cursor.execute(f"SELECT COUNT(*) FROM {id_table}")
            (count,) = cursor.fetchone()
            if postgres:
                cursor.execute(f"ANALYZE {id_table}")
            ids = f"SELECT {id_table}.id FROM {id_table}"
            skip_checks = _skip_foreign_key_checks(cursor)
            assignments = qn(Assignment._meta.db_table)
            created_by = qn(Assignment._meta.get_field("created_by").column)
            _delete_where(cursor, Assignment, f"{assignments}.{created_by} IN ({ids})")
            users_table, pk = qn(User._meta.db_table), qn(User._meta.pk.column)
            deleted = _delete_where(cursor, User, f"{users_table}.{pk} IN ({ids})")
            if deleted != count:  # rolls the whole transaction back
                raise CommandError(f"Meant to delete {count} users, would delete {deleted}.")
            if skip_checks:
                cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute(f"DROP TABLE {qn(ID_TABLE)}")
        for year, (low, high) in blocks.items():
            CertificateCounter.objects.filter(year=year, last=high).update(last=low - 1)
        return count

    # ------------------------------------------------------------------ main

    def handle(self, *args, **options):
        self.started = time.monotonic()
        residents = options["residents"]
        if not 1 <= residents <= MAX_RESIDENTS:
            raise CommandError(f"--residents must be between 1 and {MAX_RESIDENTS}.")
        rng = Random(options["seed"])
        step_rng = Random(options["seed"] + 1)
        postgres = connection.vendor == "postgresql"

        province = self._province(options["province"])
        wards = list(province.wards.order_by("code"))
        if not wards:
            raise CommandError(f"{province} has no wards; run load_units.")
        courses = self._courses()
        self._say(f"{province.name}: {len(wards)} wards; {len(courses)} live courses")

        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            if synthetic_users().exists():
                if not options["replace"]:
                    raise CommandError(
                        "Synthetic users of an earlier run exist; use --replace to delete them."
                    )
                removed = self._delete_previous()
                self._say(f"deleted {removed:,} synthetic users of the earlier run")
            counts = self._generate(rng, step_rng, province, wards, courses, residents, options)

        if postgres:
            # VACUUM too, as autovacuum would have done in production: it sets the
            # visibility map (index-only scans) and makes the space of rows deleted
            # by --replace reusable. It needs autocommit, so not inside a test.
            analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            self._say(analyze)
            tables = [
                User._meta.db_table,
                Consent._meta.db_table,
                Enrollment._meta.db_table,
                StepProgress._meta.db_table,
                Certificate._meta.db_table,
                Assignment._meta.db_table,
                Assignment.wards.through._meta.db_table,
            ]
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"{analyze} {connection.ops.quote_name(table)}")
        # The rows went in without signals: count every ward afresh for the dashboards.
        self._say(f"counted {ward_counts_refresh():,} wards for the dashboards")
        self._report(counts)

    def _generate(self, rng, step_rng, province, wards, courses, residents, options) -> dict:
        now = timezone.now().timestamp()
        local_tz = timezone.get_default_timezone()

        # --- wards: size, how well they do, sign-up campaign day
        sizes = _ward_sizes(rng, len(wards), residents)
        largest = max(range(len(wards)), key=sizes.__getitem__)
        lagging_count = 0 if len(wards) < 3 else max(1, round(len(wards) * LAGGING_SHARE))
        lagging = set(rng.sample([i for i in range(len(wards)) if i != largest], lagging_count))
        factors = [
            rng.uniform(0.10, 0.24)
            if i in lagging
            else min(max(rng.lognormvariate(0, 0.35), 0.72), 2.0)
            for i in range(len(wards))
        ]
        campaign = [now - rng.uniform(5, SIGN_UP_DAYS - 5) * DAY for _ in wards]

        # --- residents
        names = _Names(rng, northern=province.code < 40)
        birth_year = _Picker(rng, _birth_year_weights())
        working = [y for y in range(1940, 2009) if 1966 <= y <= 2003]
        all_weights = _birth_year_weights()
        working_share = sum(all_weights[y] for y in working) / sum(all_weights.values())
        public_service_share = 0.06 / working_share / 0.97
        people = []  # (joined, ward index, name, birth year, public service)
        for ward_index, size in enumerate(sizes):
            for _ in range(size):
                year = birth_year() if rng.random() >= 0.03 else None
                public = (
                    year is not None
                    and 1966 <= year <= 2003
                    and rng.random() < public_service_share
                )
                if rng.random() < 0.3:  # signed up on the ward's campaign days
                    joined = campaign[ward_index] + rng.uniform(-2, 2) * DAY
                else:
                    joined = now - SIGN_UP_DAYS * DAY * rng.random() ** 1.25
                joined = min(joined, now - 2 * 3600)
                female = rng.random() < 0.53
                people.append(
                    (joined, ward_index, names(female=female, birth_year=year), year, public)
                )
        people.sort(key=lambda person: person[0])
        taken = set(
            User.objects.filter(phone__startswith=SYNTHETIC_PREFIX).values_list("phone", flat=True)
        )
        phones = [
            phone
            for phone in (
                f"{SYNTHETIC_PREFIX}{n:07d}"
                for n in rng.sample(range(PHONE_SPACE), residents + len(taken))
            )
            if phone not in taken
        ][:residents]
        self._say(f"residents generated: {residents:,}")

        first_user = _reserve_ids(User, residents)
        folded = {}
        ward_ids = [ward.pk for ward in wards]

        def user_rows():
            for offset, (joined, ward_index, name, year, public) in enumerate(people):
                fold_of = folded.get(name)
                if fold_of is None:
                    fold_of = folded[name] = (fold(name), given_name_of(name))
                yield (
                    first_user + offset,
                    phones[offset],
                    RESIDENT_PASSWORD,
                    name,
                    *fold_of,
                    year,
                    ward_ids[ward_index],
                    public,
                    _as_datetime(joined),
                )

        _Table(
            User,
            [
                "id",
                "phone",
                "password",
                "full_name",
                "name_folded",
                "given_name",
                "birth_year",
                "ward_id",
                "works_in_public_service",
                "date_joined",
            ],
        ).write(user_rows())
        consents = _Table(Consent, ["user_id", "text_version", "given_at"]).write(
            (first_user + offset, settings.CONSENT_TEXT_VERSION, _as_datetime(person[0]))
            for offset, person in enumerate(people)
        )
        self._say(f"residents written: {residents:,} (and {consents:,} consents)")

        # --- courses: audience, due date, appeal
        cadre_courses = [
            i
            for i, (course, _) in enumerate(courses)
            if course.audience == CoursePage.Audience.CADRES
        ]
        if not cadre_courses and len(courses) > 1:
            cadre_courses = [len(courses) - 1]
        citizen_courses = [i for i in range(len(courses)) if i not in cadre_courses]
        born_by_course = citizen_courses[0] if citizen_courses else None
        due_offsets = [round(-20 + 60 * i / max(len(courses) - 1, 1)) for i in range(len(courses))]
        rng.shuffle(due_offsets)
        specs = []
        for index, (course, steps) in enumerate(courses):
            nth = citizen_courses.index(index) if index in citizen_courses else 0
            specs.append(
                {
                    "course": course,
                    "steps": steps,
                    "public_servants": index in cadre_courses,
                    "born_by": index == born_by_course,
                    "popularity": CITIZEN_POPULARITY[nth % len(CITIZEN_POPULARITY)],
                    # Assignments due long ago are further along.
                    "completion": CITIZEN_COMPLETION[nth % len(CITIZEN_COMPLETION)]
                    * (1.15 - 0.006 * due_offsets[index]),
                    "due": due_offsets[index],
                    "prefix": _prefix_picker(rng, len(steps)),
                }
            )

        # --- enrolments
        active_by_ward = [min(0.95, ACTIVE_SHARE * f**0.35) for f in factors]
        finish_by_ward = [f**0.65 for f in factors]
        window_start = now - COMPLETION_DAYS * DAY
        enrollments = []  # (started, user offset, course index, completed or None, steps done)
        for offset, (joined, ward_index, _name, year, public) in enumerate(people):
            if rng.random() >= active_by_ward[ward_index]:
                continue
            activity = rng.uniform(0.35, 1.65)
            # Who joined last week has had less time to finish anything.
            exposure = 1 - math.exp(-(now - joined) / (20 * DAY))
            finish = finish_by_ward[ward_index] * (0.55 + 0.45 * activity)
            for index, spec in enumerate(specs):
                if spec["public_servants"]:
                    enrol = 0.8 if public else 0.02
                    done = (0.38 if public else 0.085) * finish_by_ward[ward_index]
                else:
                    enrol = spec["popularity"] * activity * (1.2 if public else 1.0)
                    if spec["born_by"]:
                        enrol *= 1.7 if year is not None and year <= BORN_BY_YEAR else 0.85
                    done = spec["completion"] * finish
                if rng.random() >= enrol:
                    continue
                earliest_finish = max(joined + 3600, window_start)
                if rng.random() < min(done * exposure, 0.95) and earliest_finish < now - 600:
                    # Spread over the whole window; only those who joined later finish
                    # after they joined (so recent weeks carry somewhat more).
                    completed = rng.uniform(window_start, now - 60)
                    if completed < earliest_finish:
                        completed = rng.uniform(earliest_finish, now - 60)
                    started = max(joined + 60, completed - 600 - rng.expovariate(1 / (3 * DAY)))
                    enrollments.append((started, offset, index, completed, len(spec["steps"])))
                else:
                    started = joined + 60 + (now - joined - 60) * rng.random() ** 1.6
                    enrollments.append((started, offset, index, None, spec["prefix"]()))
        enrollments.sort(key=lambda row: row[0])
        self._say(f"enrolments generated: {len(enrollments):,}")

        first_enrollment = _reserve_ids(Enrollment, len(enrollments))
        course_ids = [spec["course"].pk for spec in specs]
        _Table(Enrollment, ["id", "user_id", "course_id", "started_at", "completed_at"]).write(
            (
                first_enrollment + position,
                first_user + offset,
                course_ids[index],
                _as_datetime(started),
                _as_datetime(completed) if completed is not None else None,
            )
            for position, (started, offset, index, completed, _done) in enumerate(enrollments)
        )
        self._say(f"enrolments written: {len(enrollments):,}")

        def step_rows():
            for position, (started, _offset, index, completed, done) in enumerate(enrollments):
                if not done:
                    continue
                steps = specs[index]["steps"]
                if completed is not None:
                    span = completed - started
                    times = sorted(step_rng.random() for _ in range(done - 1))
                    times = [started + span * t for t in times] + [completed]
                else:
                    span = min(now - started, step_rng.expovariate(1 / (5 * DAY)))
                    times = sorted(started + span * step_rng.random() for _ in range(done))
                enrollment_id = first_enrollment + position
                for step_id, at in zip(steps, times, strict=False):
                    yield (enrollment_id, step_id, _as_datetime(at))

        step_count = _Table(StepProgress, ["enrollment_id", "step_id", "completed_at"]).write(
            step_rows()
        )
        self._say(f"step progress written: {step_count:,}")

        # --- certificates, numbered per year in the order they were issued
        issued = sorted(
            (completed + rng.uniform(1, 30), offset, index, completed)
            for (_started, offset, index, completed, _done) in enrollments
            if completed is not None
        )
        per_year = {}
        for row in issued:
            year = datetime.datetime.fromtimestamp(row[0], local_tz).year
            per_year[year] = per_year.get(year, 0) + 1
        next_serial = {}
        for year, count in sorted(per_year.items()):
            counter, _created = CertificateCounter.objects.select_for_update().get_or_create(
                year=year
            )
            next_serial[year] = counter.last + 1
            CertificateCounter.objects.filter(pk=counter.pk).update(last=counter.last + count)
        template_version = _current_template_version()
        empty_hash = hashlib.sha256(b"").hexdigest()

        def certificate_rows():
            for issued_at, offset, index, completed in issued:
                year = datetime.datetime.fromtimestamp(issued_at, local_tz).year
                serial = next_serial[year]
                next_serial[year] = serial + 1
                issued_dt = _as_datetime(issued_at)
                yield (
                    first_user + offset,
                    course_ids[index],
                    f"HVS-{year}-{serial:06d}",
                    new_token(),
                    Certificate.Status.READY,
                    people[offset][2],
                    specs[index]["course"].title,
                    datetime.datetime.fromtimestamp(completed, local_tz).date(),
                    template_version.pk,
                    issued_dt,
                    issued_dt,
                    empty_hash,
                    _as_datetime(issued_at + rng.uniform(2, 20)),
                )

        certificate_count = _Table(
            Certificate,
            [
                "user_id",
                "course_id",
                "number",
                "token",
                "status",
                "full_name",
                "course_title",
                "completed_on",
                "template_version_id",
                "issued_at",
                "queued_at",
                "pdf_sha256",
                "rendered_at",
            ],
        ).write(certificate_rows())
        self._say(f"certificates written: {certificate_count:,} (ready, no PDF file)")

        # --- cadres and assignments
        password = options["password"] or secrets.token_urlsafe(9)
        hashed = make_password(password)
        ward_cadre = self._cadre(
            WARD_CADRE_PHONE, WARD_CADRE_NAME, wards[largest], hashed, now, Role.WARD_CADRE
        )
        ward_cadre.managed_wards.add(wards[largest])
        province_cadre = self._cadre(
            PROVINCE_CADRE_PHONE,
            PROVINCE_CADRE_NAME,
            wards[rng.randrange(len(wards))],
            hashed,
            now,
            Role.PROVINCE_CADRE,
            managed_province=province,
        )
        today = timezone.localdate()
        assignments = []
        for spec in specs:
            audience, born = Audience.ALL, None
            if spec["public_servants"]:
                audience = Audience.PUBLIC_SERVANTS
            elif spec["born_by"]:
                audience, born = Audience.BORN_BY, BORN_BY_YEAR
            assignment = Assignment.objects.create(
                course=spec["course"],
                whole_province=province,
                due_date=today + datetime.timedelta(days=spec["due"]),
                audience=audience,
                born_in_or_before=born,
                created_by=province_cadre,
                created_at=_as_datetime(now - rng.uniform(70, 110) * DAY),
            )
            assignment.wards.set(wards)
            assignments.append(assignment)
        self._say(f"cadres and {len(assignments)} assignments created")

        # --- what the dashboards should show
        users_per_ward = [0] * len(wards)
        finished_per_ward = [0] * len(wards)
        seen = set()
        for _started, offset, _index, completed, _done in enrollments:
            if completed is not None and offset not in seen:
                seen.add(offset)
                finished_per_ward[people[offset][1]] += 1
        for person in people:
            users_per_ward[person[1]] += 1
        rates = [
            finished / size if size else 0.0
            for finished, size in zip(finished_per_ward, users_per_ward, strict=True)
        ]
        return {
            "province": province,
            "wards": wards,
            "sizes": sizes,
            "largest": largest,
            "lagging": sorted(lagging, key=lambda i: wards[i].name),
            "rates": rates,
            "password": password,
            "generated_password": not options["password"],
        }

    def _cadre(self, phone, name, ward, hashed, now, role, managed_province=None) -> User:
        if User.objects.filter(phone=phone).exists():  # synthetic ones are gone by now
            raise CommandError(f"A real user has the synthetic cadre number {phone}.")
        user = User(
            phone=phone,
            full_name=name,
            password=hashed,
            ward=ward,
            birth_year=1982,
            works_in_public_service=True,
            role=role,
            managed_province=managed_province,
            date_joined=_as_datetime(now - 150 * DAY),
        )
        user.save()
        Consent.objects.create(
            user=user, text_version=settings.CONSENT_TEXT_VERSION, given_at=user.date_joined
        )
        return user

    def _report(self, info: dict) -> None:
        users = synthetic_users()
        residents = users.filter(role=Role.LEARNER)
        wards, sizes, rates = info["wards"], info["sizes"], info["rates"]
        median = statistics.median(rates) if rates else 0.0
        lines = [
            "",
            f"Province: {info['province'].name} (code {info['province'].code})",
            f"  wards:          {len(wards):>10,}  (residents per ward {min(sizes):,} – "
            f"{max(sizes):,}, median {statistics.median(sizes):,.0f})",
            f"  residents:      {residents.count():>10,}",
            f"  enrolments:     {Enrollment.objects.filter(user__in=residents).count():>10,}"
            f"  ({Enrollment.objects.filter(user__in=residents, completed_at__isnull=False).count():,}"
            " completed)",
            f"  step progress:  "
            f"{StepProgress.objects.filter(enrollment__user__in=residents).count():>10,}",
            f"  certificates:   {Certificate.objects.filter(user__in=residents).count():>10,}",
            f"  assignments:    "
            f"{Assignment.objects.filter(created_by__phone=PROVINCE_CADRE_PHONE).count():>10,}",
            f"Residents with a finished course: province median {median:.1%} of a ward's "
            "residents.",
            f"Lagging wards by design ({len(info['lagging'])}): "
            + ", ".join(
                f"{wards[i].name} ({wards[i].code}) {rates[i]:.1%}" for i in info["lagging"]
            ),
            f"Ward cadre:     {WARD_CADRE_PHONE} ({wards[info['largest']].name}, "
            f"{sizes[info['largest']]:,} residents)",
            f"Province cadre: {PROVINCE_CADRE_PHONE} ({info['province'].name})",
            f"Cadre password: {info['password']}"
            if info["generated_password"]
            else "Cadre password: as given with --password",
            f"Done in {time.monotonic() - self.started:.1f}s.",
        ]
        for line in lines:
            self.stdout.write(line)
