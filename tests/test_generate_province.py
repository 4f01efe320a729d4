"""generate_province builds a plausible, consistent province; --replace gives the same again."""

import datetime
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Notice, Role, User, Ward
from accounts.text import fold
from bench.province import (
    PROVINCE_CADRE_PHONE,
    WARD_CADRE_PHONE,
    synthetic_users,
)
from certificates.models import Certificate
from courses.models import CoursePage, Enrollment, StepProgress
from courses.selectors import course_steps
from training.models import Assignment, Audience, PhoneReveal

RESIDENTS = 1500
PASSWORD = "can-bo-thu-nghiem-2026"


def _generate(**options) -> str:
    out = StringIO()
    call_command(
        "generate_province",
        residents=options.pop("residents", RESIDENTS),
        seed=11,
        password=PASSWORD,
        stdout=out,
        **options,
    )
    return out.getvalue()


def _counts() -> dict:
    residents = synthetic_users().filter(role=Role.LEARNER)
    enrollments = Enrollment.objects.filter(user__in=residents)
    return {
        "users": User.objects.count(),
        "residents": residents.count(),
        "enrollments": enrollments.count(),
        "completed": enrollments.filter(completed_at__isnull=False).count(),
        "steps": StepProgress.objects.filter(enrollment__user__in=residents).count(),
        "certificates": Certificate.objects.filter(user__in=residents).count(),
        "assignments": Assignment.objects.count(),
    }


def _lagging_codes(output: str) -> list[int]:
    line = next(line for line in output.splitlines() if line.startswith("Lagging wards"))
    return [int(code) for code in re.findall(r"\((\d+)\)", line.split(":", 1)[1])]


def _check_progress_is_consistent(now):
    """Completed enrolments have every step, unfinished ones a strict prefix, times in order."""
    steps_of = {
        course.pk: [step.page.pk for step in course_steps(course=course)]
        for course in CoursePage.objects.live()
    }
    done = defaultdict(list)
    for enrollment_id, step_id, at in StepProgress.objects.filter(
        enrollment__user__in=synthetic_users()
    ).values_list("enrollment_id", "step_id", "completed_at"):
        done[enrollment_id].append((at, step_id))
    rows = Enrollment.objects.filter(user__in=synthetic_users()).values_list(
        "pk", "course_id", "started_at", "completed_at", "user__date_joined"
    )
    for pk, course_id, started, completed, joined in rows:
        course = steps_of[course_id]
        progress = sorted(done[pk])
        step_ids = [step_id for _at, step_id in progress]
        assert started >= joined
        if completed is not None:
            assert sorted(step_ids) == sorted(course), "a completed enrolment lacks steps"
            assert started <= completed <= now
            assert completed >= now - datetime.timedelta(days=60, minutes=5)
            assert progress[-1][0] == completed
        else:
            assert len(step_ids) < len(course)
            assert set(step_ids) == set(course[: len(step_ids)]), "not a prefix"
        # Learners go through a course in order.
        assert step_ids == [step for step in course if step in set(step_ids)]
        assert all(started <= at <= (completed or now) for at, _step in progress)


@pytest.mark.django_db
def test_works_for_a_province_with_few_wards(units):
    """The tests' two-ward Hà Nội: all residents there, no ward singled out as lagging.

    --replace removes what points at synthetic residents, and nobody else, even with a
    phone number in the synthetic range.
    """
    real = User.objects.create_user(
        phone="+84700000042", password="mat-khau-that-2026", full_name="Phan Văn Thật"
    )
    output = _generate(residents=200, province=1)
    residents = synthetic_users().filter(role=Role.LEARNER)
    assert residents.count() == 200
    assert set(residents.values_list("ward__province__code", flat=True)) == {1}
    assert _lagging_codes(output) == []
    ward_counts = Counter(residents.values_list("ward_id", flat=True))
    assert len(ward_counts) == 2 and statistics.mean(ward_counts.values()) == 100
    assert Enrollment.objects.filter(user__in=residents).exists()
    assert not residents.filter(phone=real.phone).exists()
    resident = residents.first()
    Notice.objects.create(user=resident, key="welcome", kind="welcome", params={"name": "A"})
    PhoneReveal.objects.create(viewer=User.objects.get(phone=WARD_CADRE_PHONE), resident=resident)
    Enrollment.objects.create(user=real, course=CoursePage.objects.first())

    _generate(residents=200, province=1, replace=True)
    assert residents.count() == 200
    assert not Notice.objects.filter(key="welcome").exists()
    assert not PhoneReveal.objects.exists()
    assert User.objects.filter(pk=real.pk).exists()
    assert Enrollment.objects.filter(user=real).count() == 1
    with pytest.raises(CommandError, match="No province"):
        _generate(province=99, replace=True)


# The checks of one province at the size of a small city. This comes after the test
# above: the module's province lives until the module ends.
@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    """One generated province for the checks below (generating takes a while), rolled
    back after the module; each test runs in its own savepoint inside it."""
    # Set up before the first test's cache-emptying fixture: forget the outlines of the
    # courses earlier tests created and rolled back (their page ids are gone).
    cache.clear()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_units", stdout=StringIO())
        output = _generate()
        yield {"output": output, "now": timezone.now(), "counts": _counts()}
        transaction.set_rollback(True)


def _residents():
    return synthetic_users().filter(role=Role.LEARNER)


def _people() -> list[tuple]:
    return list(
        _residents().values_list(
            "phone", "full_name", "name_folded", "birth_year", "works_in_public_service"
        )
    )


@pytest.mark.django_db
def test_sizes_are_in_proportion_to_the_residents_asked_for(province):
    """At 300,000: ~400k enrolments, ~1M steps, ~60k certificates."""
    counts = province["counts"]
    assert counts["residents"] == RESIDENTS
    assert counts["users"] == RESIDENTS + 2 + 10  # + the two cadres + seed_demo's 10 people
    assert 1.1 <= counts["enrollments"] / RESIDENTS <= 1.8
    assert 2.8 <= counts["steps"] / RESIDENTS <= 4.0
    assert 0.14 <= counts["certificates"] / RESIDENTS <= 0.28
    assert CoursePage.objects.live().count() == 7  # seed_demo ran
    assert counts["assignments"] == 7


@pytest.mark.django_db
def test_residents_live_in_every_ward_of_the_real_province_unevenly(province):
    hcm_wards = Ward.objects.filter(province__code=79)
    assert hcm_wards.count() == 168
    per_ward = Counter(_residents().values_list("ward_id", flat=True))
    assert set(per_ward) <= set(hcm_wards.values_list("pk", flat=True))
    assert len(per_ward) == 168
    assert max(per_ward.values()) >= 5 * min(per_ward.values())


@pytest.mark.django_db
def test_residents_have_vietnamese_names_and_plausible_details(province):
    people = _people()
    assert all(re.fullmatch(r"\+8470\d{7}", phone) for phone, *_ in people)
    names = [name for _phone, name, *_ in people]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert all(folded == fold(name) for _phone, name, folded, *_ in people)
    # Lists of residents sort by given name, the last word of the full name.
    assert all(
        given == name.split()[-1]
        for name, given in _residents().values_list("full_name", "given_name")
    )
    assert all(3 <= len(name.split()) <= 4 for name in names)
    assert sum(not name.isascii() for name in names) > 0.9 * len(names)
    assert Counter(name.split()[0] for name in names).most_common(1)[0][0] == "Nguyễn"
    assert len(set(names)) > 0.7 * len(names)
    years = [year for *_, year, _public in people if year is not None]
    assert min(years) >= 1940 and max(years) <= 2008 and len(years) > 0.9 * len(people)
    public_share = sum(public for *_, public in people) / len(people)
    assert 0.03 <= public_share <= 0.10
    now = province["now"]
    joined = _residents().values_list("date_joined", flat=True)
    assert all(now - datetime.timedelta(days=121) <= at <= now for at in joined)


@pytest.mark.django_db
def test_progress_is_consistent(province):
    _check_progress_is_consistent(province["now"])


@pytest.mark.django_db
def test_certificates_only_for_completed_enrolments_one_in_force_each(province):
    counts = province["counts"]
    assert counts["certificates"] <= counts["completed"]
    completed = set(
        Enrollment.objects.filter(completed_at__isnull=False).values_list("user_id", "course_id")
    )
    certificates = list(
        Certificate.objects.filter(user__in=_residents()).values_list(
            "user_id", "course_id", "number", "status", "full_name", "user__full_name"
        )
    )
    assert all((user, course) in completed for user, course, *_ in certificates)
    assert not (
        Certificate.objects.exclude(status=Certificate.Status.REPLACED)
        .values("user", "course")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    assert all(re.fullmatch(r"HVS-\d{4}-\d{6}", number) for _u, _c, number, *_ in certificates)
    assert all(status == Certificate.Status.READY for *_, status, _f, _n in certificates)
    assert all(frozen == current for *_, frozen, current in certificates)


@pytest.mark.django_db
def test_lagging_wards_lag_far_behind_the_others(province):
    lagging = _lagging_codes(province["output"])
    assert 8 <= len(lagging) <= 12
    residents = _residents()
    finished_users = set(
        Enrollment.objects.filter(user__in=residents, completed_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    finished, registered = Counter(), Counter()
    for pk, ward_code in residents.values_list("pk", "ward__code"):
        group = "lagging" if ward_code in lagging else "others"
        registered[group] += 1
        finished[group] += pk in finished_users
    rate = {group: finished[group] / registered[group] for group in registered}
    assert rate["lagging"] < 0.5 * rate["others"]


@pytest.mark.django_db
def test_assignments_cover_the_province_due_around_today(province):
    """The whole province, due from 20 days ago to 40 days ahead."""
    today = timezone.localdate()
    for assignment in Assignment.objects.all():
        assert assignment.whole_province.code == 79
        assert assignment.wards.count() == 168
        assert -20 <= (assignment.due_date - today).days <= 40
    audiences = Counter(Assignment.objects.values_list("audience", "born_in_or_before"))
    assert audiences[(Audience.BORN_BY, 1975)] == 1
    assert audiences[(Audience.PUBLIC_SERVANTS, None)] == 1


@pytest.mark.django_db
def test_cadres_of_the_largest_ward_and_the_province_can_log_in(province):
    ward_cadre = User.objects.get(phone=WARD_CADRE_PHONE)
    province_cadre = User.objects.get(phone=PROVINCE_CADRE_PHONE)
    assert ward_cadre.role == Role.WARD_CADRE
    (managed,) = ward_cadre.managed_wards.values_list("pk", flat=True)
    per_ward = Counter(_residents().values_list("ward_id", flat=True))
    assert per_ward[managed] == max(per_ward.values())
    assert province_cadre.role == Role.PROVINCE_CADRE
    assert province_cadre.managed_province.code == 79
    assert check_password(PASSWORD, ward_cadre.password)
    assert WARD_CADRE_PHONE in province["output"] and PROVINCE_CADRE_PHONE in province["output"]
    assert not any(user.has_usable_password() for user in _residents()[:50])


@pytest.mark.django_db
def test_a_second_run_must_replace_and_replacing_gives_the_same_province(province):
    with pytest.raises(CommandError, match="--replace"):
        _generate()
    numbers = set(
        Certificate.objects.filter(user__in=_residents()).values_list("number", flat=True)
    )
    again = _generate(replace=True)
    assert _counts() == province["counts"]
    assert _lagging_codes(again) == _lagging_codes(province["output"])
    assert set(Certificate.objects.values_list("number", flat=True)) == numbers
    _check_progress_is_consistent(timezone.now())
