"""Residents of a cadre's wards: the ward list (search, status, progress) and their phones.

Who counts as a resident is `accounts.selectors.resident_condition`; which wards a
cadre may see is asked of `accounts.permissions`. Full phone numbers are shown
only through `phone_reveal` and `phone_export_log`, and each look is logged.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.collation import vietnamese
from accounts.models import User, Ward
from accounts.phone import normalize_phone
from accounts.selectors import residents_of
from accounts.text import fold
from courses.models import Enrollment
from courses.selectors import course_steps

from .assignments import Reach
from .figures import CERTIFICATES_IN_FORCE
from .models import Assignment, PhoneExport, PhoneReveal


class ResidentStatus(models.TextChoices):
    """Where a resident is with one assigned course (the filter values of the ward list)."""

    NOT_STARTED = "chua-hoc", _("Chưa học")
    IN_PROGRESS = "dang-hoc", _("Đang học")
    COMPLETED = "hoan-thanh", _("Đã hoàn thành")
    OVERDUE = "qua-han", _("Quá hạn")


# ---------------------------------------------------------------- the ward list


PHONE_SEARCH_RULE = _(
    "Chỉ tìm được theo số điện thoại đầy đủ (ví dụ 0912 345 678) hoặc đúng 3 số cuối "
    "như trong danh sách (0912•••678: gõ 678). Muốn xem số đầy đủ của một người, "
    "bấm “Hiện số” ở dòng của người đó."
)
# What the mask shows, typed back: "678", "•••678", "0912•••678" (or with * . … x).
_LAST_THREE = re.compile(r"[•*.…x]*([0-9]{3})", re.IGNORECASE)
_MASKED = re.compile(r"0([0-9]{3})(?:•+|\*+|…+|\.{3,}|x{3,})([0-9]{3})", re.IGNORECASE)


def resident_phone_condition(*, text: str) -> Q | None:
    """A search matches phones only by the full number or exactly the 3 last digits the mask shows.

    None for a search without digits (a name). Anything in between (4 to 9 digits)
    would let a cadre rebuild a masked number in a few searches without the logged
    "Hiện số", so it raises ValidationError with the rule in Vietnamese.
    """
    if not any(ch.isdigit() for ch in text):
        return None
    compact = "".join(text.split())
    if match := _LAST_THREE.fullmatch(compact):
        return Q(phone__endswith=match[1])
    if match := _MASKED.fullmatch(compact):
        return Q(phone__startswith=f"+84{match[1]}", phone__endswith=match[2])
    # The full number as people write it: 0 and 9 digits, or 84 / +84 and 9 digits.
    digits = "".join(ch for ch in compact if ch.isdigit())
    if (len(digits) == 10 and digits.startswith("0")) or (
        len(digits) == 11 and digits.startswith("84")
    ):
        try:
            return Q(phone=normalize_phone(text))
        except ValidationError:
            pass
    raise ValidationError(PHONE_SEARCH_RULE, code="phone_search")


# People are listed by given name, then by full name (family name first): the local habit.
RESIDENT_ORDER = (vietnamese("given_name"), vietnamese("full_name"), "pk")


def ward_residents(
    *, ward: Ward, assignment: Assignment | None, status: str = "", search: str = ""
) -> QuerySet[User]:
    """Residents of a ward, with their enrolment and certificate for the assigned course.

    Filter by `status` (a ResidentStatus value) and by name without diacritics, or by
    phone as `resident_phone_condition` allows (a refused phone search finds nobody).
    Ordered by given name, then full name.
    """
    residents = residents_of(wards=[ward])
    if search.strip():
        try:
            by_phone = resident_phone_condition(text=search)
        except ValidationError:
            return User.objects.none()
        by_name = Q(name_folded__contains=fold(search))
        residents = residents.filter(by_name if by_phone is None else by_phone)
    if assignment is None:
        return residents.order_by(*RESIDENT_ORDER)
    residents = (
        residents.filter(Reach.of(assignment).residents())
        .annotate(
            enrollment=FilteredRelation(
                "enrollments", condition=Q(enrollments__course_id=assignment.course_id)
            ),
            certificate=FilteredRelation(
                "certificates",
                condition=Q(
                    certificates__course_id=assignment.course_id,
                    certificates__status__in=CERTIFICATES_IN_FORCE,
                ),
            ),
        )
        .annotate(
            enrollment_id=F("enrollment__id"),
            started_at=F("enrollment__started_at"),
            completed_at=F("enrollment__completed_at"),
            certificate_number=F("certificate__number"),
        )
    )
    if status == ResidentStatus.NOT_STARTED:
        residents = residents.filter(enrollment_id__isnull=True)
    elif status == ResidentStatus.IN_PROGRESS:
        residents = residents.filter(enrollment_id__isnull=False, completed_at__isnull=True)
    elif status == ResidentStatus.COMPLETED:
        residents = residents.filter(completed_at__isnull=False)
    elif status == ResidentStatus.OVERDUE:
        if assignment.due_date >= timezone.localdate():
            return residents.none()
        residents = residents.filter(completed_at__isnull=True)
    return residents.order_by(*RESIDENT_ORDER)


@dataclass
class ResidentLine:
    """One line of the ward list: a resident and where they are with the assigned course."""

    resident: User
    status: str
    percent: int
    certificate_number: str | None


def resident_lines(residents: list[User], assignment: Assignment | None) -> list[ResidentLine]:
    """Progress of one page of residents: one more query, whatever the page size."""
    if assignment is None:
        return [ResidentLine(r, "", 0, None) for r in residents]
    total = len(course_steps(course=assignment.course))
    enrollment_ids = [r.enrollment_id for r in residents if r.enrollment_id]
    steps_done = dict(
        Enrollment.objects.filter(pk__in=enrollment_ids)
        .annotate(done=Count("steps_done", filter=Q(steps_done__step__live=True)))
        .values_list("pk", "done")
    )
    overdue = assignment.due_date < timezone.localdate()
    lines = []
    for r in residents:
        if r.completed_at:
            status, percent = ResidentStatus.COMPLETED, 100
        else:
            done = steps_done.get(r.enrollment_id, 0)
            percent = min(99, round(100 * done / total)) if total else 0
            status = ResidentStatus.IN_PROGRESS if r.enrollment_id else ResidentStatus.NOT_STARTED
            if overdue:
                status = ResidentStatus.OVERDUE
        lines.append(ResidentLine(r, status, percent, r.certificate_number))
    return lines


# ---------------------------------------------------------------- phone numbers


def phone_reveal(*, viewer: User, resident: User) -> str:
    """A resident's full number for a cadre whose wards they live in; every look is logged."""
    in_scope = residents_of(wards=permissions.visible_wards(viewer))
    if viewer.pk == resident.pk or not in_scope.filter(pk=resident.pk).exists():
        raise PermissionDenied
    PhoneReveal.objects.create(viewer=viewer, viewer_name=viewer.full_name, resident=resident)
    return resident.phone_display


def phone_export_log(
    *, viewer: User, ward: Ward, file_format: str, params: dict, rows: int
) -> PhoneExport:
    """A ward's list with full phone numbers goes only to a cadre of that ward; every one is logged."""
    if not permissions.can_see_ward(viewer, ward):
        raise PermissionError("out of scope")
    filters = {key: params.get(key) for key in ("assignment", "status", "q", "separator")}
    return PhoneExport.objects.create(
        viewer=viewer,
        viewer_name=viewer.full_name,
        ward=ward,
        ward_name=ward.name,
        file_format=file_format,
        filters=filters,
        rows=rows,
    )
