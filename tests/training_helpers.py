"""Residents, cadres and progress for cadre-side tests, built in bulk (no per-row saves)."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Role, User
from accounts.text import fold, given_name_of
from certificates.models import Certificate
from certificates.services import template_version_current as current_template_version
from courses.models import Enrollment

PASSWORD = "hoc-vu-so-2026"
_HASH = make_password(PASSWORD)


def make_residents(ward, count: int, *, first_phone: int, names=None, **fields) -> list[User]:
    """`count` residents of a ward with phones +849<first_phone + n>."""
    residents = [
        User(
            phone=f"+849{first_phone + n:08d}",
            full_name=(names[n] if names else f"Người dân {ward.code}-{n}"),
            ward=ward,
            password=_HASH,
            **fields,
        )
        for n in range(count)
    ]
    for resident in residents:
        resident.name_folded = fold(resident.full_name)
        resident.given_name = given_name_of(resident.full_name)
    return User.objects.bulk_create(residents)


def make_cadre(phone: str, *, wards=(), province=None, name="Cán bộ Trần Văn Bình") -> User:
    role = Role.PROVINCE_CADRE if province else Role.WARD_CADRE
    cadre = User.objects.create_user(
        phone=phone, password=PASSWORD, full_name=name, role=role, managed_province=province
    )
    cadre.managed_wards.set(wards)
    return cadre


def start(residents, course, *, completed_days_ago=None, certificate=False) -> None:
    """Enrol residents; complete them `completed_days_ago` days ago (with a certificate)."""
    now = timezone.now()
    completed_at = None if completed_days_ago is None else now - timedelta(days=completed_days_ago)
    Enrollment.objects.bulk_create(
        [Enrollment(user=r, course=course, completed_at=completed_at) for r in residents]
    )
    if certificate:
        version = current_template_version()
        Certificate.objects.bulk_create(
            [
                Certificate(
                    user=r,
                    course=course,
                    number=f"HVS-2026-{r.pk:06d}{course.pk}",
                    full_name=r.full_name,
                    course_title=course.title,
                    completed_on=completed_at.date(),
                    template_version=version,
                )
                for r in residents
            ]
        )
