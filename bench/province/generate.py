"""The phases of generating a province, in the order `bench.province.generate` runs them.

Each phase draws from the seeded random streams in a fixed order: the same seed gives
the same province, so the order of the calls must not change.
"""

import datetime
import hashlib
import math
import secrets
from dataclasses import dataclass
from random import Random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Consent, Province, Role, User, Ward
from accounts.text import fold, given_name_of
from certificates.models import Certificate, CertificateCounter, new_token
from certificates.services import template_version_current
from courses.models import CoursePage, Enrollment, StepProgress
from courses.selectors import course_steps
from training.models import Assignment, Audience

from .people import (
    ACTIVE_SHARE,
    CITIZEN_COMPLETION,
    CITIZEN_POPULARITY,
    Names,
    Picker,
    birth_year_weights,
    prefix_picker,
    ward_sizes,
)
from .replace import (
    PHONE_SPACE,
    PROVINCE_CADRE_NAME,
    PROVINCE_CADRE_PHONE,
    RESIDENT_PASSWORD,
    SYNTHETIC_PREFIX,
    WARD_CADRE_NAME,
    WARD_CADRE_PHONE,
)
from .tables import Table, as_datetime, reserve_ids

DAY = 86_400.0
SIGN_UP_DAYS = 120  # residents signed up over the last 120 days
COMPLETION_DAYS = 60  # completed enrolments finished over the last 60 days
LAGGING_SHARE = 0.06  # 10 of 168 wards lag on purpose
BORN_BY_YEAR = 1975


@dataclass
class Person:
    joined: float  # timestamp
    ward_index: int
    name: str
    birth_year: int | None
    public_service: bool


@dataclass
class Enrolment:
    started: float
    person: int  # index into the people
    course: int  # index into the course plans
    completed: float | None
    steps_done: int


@dataclass
class WardPlan:
    sizes: list[int]  # residents per ward
    largest: int  # the ward cadre's ward
    lagging: set[int]  # wards doing badly on purpose
    factors: list[float]  # how well each ward does (1.0: average)


# ------------------------------------------------------------------ what exists


def province_of(code: int, progress) -> tuple[Province, list[Ward]]:
    """The province and its wards, loading the administrative units first if there are none."""
    if not Province.objects.exists():
        progress.say("no provinces yet: running load_units")
        call_command("load_units", stdout=progress.stdout)
    province = Province.objects.filter(code=code).first()
    if province is None:
        raise CommandError(f"No province with code {code}; run load_units or check --province.")
    wards = list(province.wards.order_by("code"))
    if not wards:
        raise CommandError(f"{province} has no wards; run load_units.")
    return province, wards


def live_courses(progress) -> list[tuple[CoursePage, list[int]]]:
    """Each live course with its live steps' ids, seeding the demo courses if there are none."""
    courses = list(CoursePage.objects.live().order_by("path"))
    if not courses:
        progress.say("no live course: running seed_demo")
        call_command("seed_demo", stdout=progress.stdout)
        courses = list(CoursePage.objects.live().order_by("path"))
    result = []
    for course in courses:
        steps = [step.page.pk for step in course_steps(course=course)]
        if steps:
            result.append((course, steps))
    if not result:
        raise CommandError("No live course with live steps.")
    return result


# ------------------------------------------------------------------ drawing


def plan_wards(rng: Random, wards: list[Ward], residents: int) -> WardPlan:
    """Ward sizes, the lagging wards, and how well each ward does."""
    sizes = ward_sizes(rng, len(wards), residents)
    largest = max(range(len(wards)), key=sizes.__getitem__)
    lagging_count = 0 if len(wards) < 3 else max(1, round(len(wards) * LAGGING_SHARE))
    lagging = set(rng.sample([i for i in range(len(wards)) if i != largest], lagging_count))
    factors = [
        rng.uniform(0.10, 0.24)
        if i in lagging
        else min(max(rng.lognormvariate(0, 0.35), 0.72), 2.0)
        for i in range(len(wards))
    ]
    return WardPlan(sizes=sizes, largest=largest, lagging=lagging, factors=factors)


def draw_people(rng: Random, province: Province, plan: WardPlan, now: float) -> list[Person]:
    """Every resident, ward by ward, sorted by the time they signed up."""
    campaign = [now - rng.uniform(5, SIGN_UP_DAYS - 5) * DAY for _ in plan.sizes]
    names = Names(rng, northern=province.code < 40)
    birth_year = Picker(rng, birth_year_weights())
    all_weights = birth_year_weights()
    working = sum(weight for year, weight in all_weights.items() if 1966 <= year <= 2003)
    public_service_share = 0.06 / (working / sum(all_weights.values())) / 0.97
    people = []
    for ward_index, size in enumerate(plan.sizes):
        for _ in range(size):
            year = birth_year() if rng.random() >= 0.03 else None
            public = (
                year is not None and 1966 <= year <= 2003 and rng.random() < public_service_share
            )
            if rng.random() < 0.3:  # signed up on the ward's campaign days
                joined = campaign[ward_index] + rng.uniform(-2, 2) * DAY
            else:
                joined = now - SIGN_UP_DAYS * DAY * rng.random() ** 1.25
            joined = min(joined, now - 2 * 3600)
            female = rng.random() < 0.53
            name = names(female=female, birth_year=year)
            people.append(Person(joined, ward_index, name, year, public))
    people.sort(key=lambda person: person.joined)
    return people


def draw_phones(rng: Random, count: int) -> list[str]:
    """Distinct synthetic phone numbers no existing user has."""
    taken = set(
        User.objects.filter(phone__startswith=SYNTHETIC_PREFIX).values_list("phone", flat=True)
    )
    drawn = (
        f"{SYNTHETIC_PREFIX}{n:07d}" for n in rng.sample(range(PHONE_SPACE), count + len(taken))
    )
    return [phone for phone in drawn if phone not in taken][:count]


def plan_courses(rng: Random, courses: list[tuple[CoursePage, list[int]]]) -> list[dict]:
    """Per course: its audience, due date (days from today) and how popular it is."""
    cadre_courses = [
        i for i, (course, _) in enumerate(courses) if course.audience == CoursePage.Audience.CADRES
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
                "prefix": prefix_picker(rng, len(steps)),
            }
        )
    return specs


def draw_enrolments(
    rng: Random, people: list[Person], plan: WardPlan, specs: list[dict], now: float
) -> list[Enrolment]:
    """Who took which course, how far they got, and when; sorted by start."""
    active_by_ward = [min(0.95, ACTIVE_SHARE * f**0.35) for f in plan.factors]
    finish_by_ward = [f**0.65 for f in plan.factors]
    window_start = now - COMPLETION_DAYS * DAY
    enrolments = []
    for offset, person in enumerate(people):
        if rng.random() >= active_by_ward[person.ward_index]:
            continue
        activity = rng.uniform(0.35, 1.65)
        # Who joined last week has had less time to finish anything.
        exposure = 1 - math.exp(-(now - person.joined) / (20 * DAY))
        finish = finish_by_ward[person.ward_index] * (0.55 + 0.45 * activity)
        for index, spec in enumerate(specs):
            if spec["public_servants"]:
                enrol = 0.8 if person.public_service else 0.02
                done = (0.38 if person.public_service else 0.085) * finish_by_ward[
                    person.ward_index
                ]
            else:
                enrol = spec["popularity"] * activity * (1.2 if person.public_service else 1.0)
                if spec["born_by"]:
                    born_by = person.birth_year is not None and person.birth_year <= BORN_BY_YEAR
                    enrol *= 1.7 if born_by else 0.85
                done = spec["completion"] * finish
            if rng.random() >= enrol:
                continue
            joined = person.joined
            earliest_finish = max(joined + 3600, window_start)
            if rng.random() < min(done * exposure, 0.95) and earliest_finish < now - 600:
                # Spread over the whole window; only those who joined later finish
                # after they joined (so recent weeks carry somewhat more).
                completed = rng.uniform(window_start, now - 60)
                if completed < earliest_finish:
                    completed = rng.uniform(earliest_finish, now - 60)
                started = max(joined + 60, completed - 600 - rng.expovariate(1 / (3 * DAY)))
                enrolments.append(Enrolment(started, offset, index, completed, len(spec["steps"])))
            else:
                started = joined + 60 + (now - joined - 60) * rng.random() ** 1.6
                enrolments.append(Enrolment(started, offset, index, None, spec["prefix"]()))
    enrolments.sort(key=lambda enrolment: enrolment.started)
    return enrolments


# ------------------------------------------------------------------ writing


def write_residents(people: list[Person], phones: list[str], wards: list[Ward]) -> int:
    """The residents; returns the first one's id (ids are consecutive, in sign-up order)."""
    first_user = reserve_ids(User, len(people))
    folded = {}
    ward_ids = [ward.pk for ward in wards]

    def user_rows():
        for offset, person in enumerate(people):
            fold_of = folded.get(person.name)
            if fold_of is None:
                fold_of = folded[person.name] = (fold(person.name), given_name_of(person.name))
            yield (
                first_user + offset,
                phones[offset],
                RESIDENT_PASSWORD,
                person.name,
                *fold_of,
                person.birth_year,
                ward_ids[person.ward_index],
                person.public_service,
                as_datetime(person.joined),
            )

    columns = ["id", "phone", "password", "full_name", "name_folded", "given_name"]
    columns += ["birth_year", "ward_id", "works_in_public_service", "date_joined"]
    Table(User, columns).write(user_rows())
    return first_user


def write_consents(people: list[Person], first_user: int) -> int:
    """Each resident's consent, given when they signed up."""
    return Table(Consent, ["user_id", "text_version", "given_at"]).write(
        (first_user + offset, settings.CONSENT_TEXT_VERSION, as_datetime(person.joined))
        for offset, person in enumerate(people)
    )


def write_enrolments(enrolments: list[Enrolment], first_user: int, specs: list[dict]) -> int:
    """The enrolments; returns the first one's id (ids are consecutive, in start order)."""
    first = reserve_ids(Enrollment, len(enrolments))
    Table(Enrollment, ["id", "user_id", "course_id", "started_at", "completed_at"]).write(
        (
            first + position,
            first_user + enrolment.person,
            specs[enrolment.course]["course"].pk,
            as_datetime(enrolment.started),
            as_datetime(enrolment.completed) if enrolment.completed is not None else None,
        )
        for position, enrolment in enumerate(enrolments)
    )
    return first


def write_step_progress(
    step_rng: Random, enrolments: list[Enrolment], first_enrolment: int, specs: list[dict], now
) -> int:
    """The steps each enrolment has done, in course order, at times within the enrolment."""

    def step_rows():
        for position, enrolment in enumerate(enrolments):
            done, started, completed = enrolment.steps_done, enrolment.started, enrolment.completed
            if not done:
                continue
            if completed is not None:
                times = sorted(step_rng.random() for _ in range(done - 1))
                times = [started + (completed - started) * t for t in times] + [completed]
            else:
                span = min(now - started, step_rng.expovariate(1 / (5 * DAY)))
                times = sorted(started + span * step_rng.random() for _ in range(done))
            steps = specs[enrolment.course]["steps"]
            for step_id, at in zip(steps, times, strict=False):
                yield (first_enrolment + position, step_id, as_datetime(at))

    return Table(StepProgress, ["enrollment_id", "step_id", "completed_at"]).write(step_rows())


def write_certificates(
    rng: Random,
    enrolments: list[Enrolment],
    people: list[Person],
    first_user: int,
    specs: list[dict],
) -> int:
    """A ready certificate (without a PDF file) per completed enrolment, numbered per year in
    the order they were issued, the year's counter moved past them."""
    local_tz = timezone.get_default_timezone()
    issued = sorted(
        (
            enrolment.completed + rng.uniform(1, 30),
            enrolment.person,
            enrolment.course,
            enrolment.completed,
        )
        for enrolment in enrolments
        if enrolment.completed is not None
    )
    next_serial = _reserve_certificate_numbers(
        datetime.datetime.fromtimestamp(row[0], local_tz).year for row in issued
    )
    template_version = template_version_current()
    empty_hash = hashlib.sha256(b"").hexdigest()

    def certificate_rows():
        for issued_at, offset, index, completed in issued:
            year = datetime.datetime.fromtimestamp(issued_at, local_tz).year
            serial = next_serial[year]
            next_serial[year] = serial + 1
            issued_dt = as_datetime(issued_at)
            yield (
                first_user + offset,
                specs[index]["course"].pk,
                f"HVS-{year}-{serial:06d}",
                new_token(),
                Certificate.Status.READY,
                people[offset].name,
                specs[index]["course"].title,
                datetime.datetime.fromtimestamp(completed, local_tz).date(),
                template_version.pk,
                issued_dt,
                issued_dt,
                empty_hash,
                as_datetime(issued_at + rng.uniform(2, 20)),
            )

    columns = ["user_id", "course_id", "number", "token", "status", "full_name", "course_title"]
    columns += ["completed_on", "template_version_id", "issued_at", "queued_at", "pdf_sha256"]
    return Table(Certificate, [*columns, "rendered_at"]).write(certificate_rows())


def _reserve_certificate_numbers(years) -> dict[int, int]:
    """Per year, the first free serial, after moving the year's counter past the block."""
    per_year = {}
    for year in years:
        per_year[year] = per_year.get(year, 0) + 1
    next_serial = {}
    for year, count in sorted(per_year.items()):
        counter, _created = CertificateCounter.objects.select_for_update().get_or_create(year=year)
        next_serial[year] = counter.last + 1
        CertificateCounter.objects.filter(pk=counter.pk).update(last=counter.last + count)
    return next_serial


def create_cadres(
    rng: Random, province: Province, wards: list[Ward], plan: WardPlan, password: str, now
) -> User:
    """The ward cadre of the largest ward and the province cadre; returns the latter."""
    hashed = make_password(password)
    ward = wards[plan.largest]
    ward_cadre = _cadre(WARD_CADRE_PHONE, WARD_CADRE_NAME, ward, hashed, now, Role.WARD_CADRE)
    ward_cadre.managed_wards.add(ward)
    return _cadre(
        PROVINCE_CADRE_PHONE,
        PROVINCE_CADRE_NAME,
        wards[rng.randrange(len(wards))],
        hashed,
        now,
        Role.PROVINCE_CADRE,
        managed_province=province,
    )


def _cadre(phone, name, ward, hashed, now, role, managed_province=None) -> User:
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
        date_joined=as_datetime(now - 150 * DAY),
    )
    user.save()
    Consent.objects.create(
        user=user, text_version=settings.CONSENT_TEXT_VERSION, given_at=user.date_joined
    )
    return user


def create_assignments(
    rng: Random, province: Province, wards: list[Ward], specs: list[dict], cadre: User, now
) -> list[Assignment]:
    """One province-wide assignment per course, by the province cadre."""
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
            created_by=cadre,
            created_at=as_datetime(now - rng.uniform(70, 110) * DAY),
        )
        assignment.wards.set(wards)
        assignments.append(assignment)
    return assignments


def new_password(given: str | None) -> str:
    return given or secrets.token_urlsafe(9)


# ------------------------------------------------------------------ what to expect


def finished_share_by_ward(
    people: list[Person], enrolments: list[Enrolment], wards: list[Ward]
) -> list[float]:
    """Per ward, the share of residents with at least one finished course."""
    residents = [0] * len(wards)
    finished = [0] * len(wards)
    finishers = {enrolment.person for enrolment in enrolments if enrolment.completed is not None}
    for offset, person in enumerate(people):
        residents[person.ward_index] += 1
        finished[person.ward_index] += offset in finishers
    return [done / size if size else 0.0 for done, size in zip(finished, residents, strict=True)]
