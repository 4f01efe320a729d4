"""Assigning courses to wards: who an assignment reaches, the rules of making, changing and
cancelling one, and the reads of assignments a cadre may see.

Which wards a user may act on is always asked of `accounts.permissions`.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import Province, User, Ward
from accounts.refusals import Refusal
from courses.models import CoursePage

from .models import Assignment, AssignmentEvent, Audience

# ---------------------------------------------------------------- who an assignment reaches


@dataclass(frozen=True)
class Reach:
    """Who an assignment reaches among the residents of its wards: everyone, those born
    in or before a year, or public servants.

    Stored on the assignment as `audience` and `born_in_or_before`; this is the one
    place that reads them as a rule, in SQL (`residents`) and for one user (`includes`).
    """

    audience: str = Audience.ALL
    born_in_or_before: int | None = None

    @classmethod
    def of(cls, assignment: Assignment) -> "Reach":
        if assignment.audience == Audience.BORN_BY:
            return cls(Audience.BORN_BY, assignment.born_in_or_before)
        return cls(assignment.audience)

    @property
    def name(self) -> str:
        """A short name per distinct reach ("all", "ps", "by1975"), for count columns and cache keys."""
        if self.audience == Audience.BORN_BY:
            return f"by{self.born_in_or_before}"
        if self.audience == Audience.PUBLIC_SERVANTS:
            return "ps"
        return "all"

    def residents(self, through: str = "") -> Q:
        """The residents reached, as a filter on User (`through` e.g. "user__" from enrolments)."""
        if self.audience == Audience.PUBLIC_SERVANTS:
            return Q(**{f"{through}works_in_public_service": True})
        if self.audience == Audience.BORN_BY:
            return Q(**{f"{through}birth_year__lte": self.born_in_or_before})
        return Q()

    def includes(self, user: User) -> bool:
        """Whether this resident is reached: `residents` for one user already loaded."""
        if self.audience == Audience.PUBLIC_SERVANTS:
            return user.works_in_public_service
        if self.audience == Audience.BORN_BY:
            return user.birth_year is not None and user.birth_year <= self.born_in_or_before
        return True


EVERYONE = Reach()

# ---------------------------------------------------------------- writes


class AssignmentRefused(Refusal):
    """An assignment that may not be made or changed; `message` says why, in Vietnamese."""


def _check_wards_and_terms(
    *,
    cadre: User,
    wards: list[Ward],
    due_date: date,
    audience: str,
    born_in_or_before: int | None,
) -> None:
    """What every course of an assignment shares: the cadre, the wards, the date, the audience."""
    if not permissions.is_cadre(cadre):
        raise AssignmentRefused(_("Chỉ cán bộ mới giao được khóa học."))
    if not wards:
        raise AssignmentRefused(_("Hãy chọn ít nhất một xã/phường."))
    if not permissions.wards_within_scope(cadre, [ward.pk for ward in wards]):
        raise AssignmentRefused(_("Có xã/phường không thuộc phạm vi bạn phụ trách."))
    if due_date < timezone.localdate():
        raise AssignmentRefused(_("Hạn hoàn thành không được ở trong quá khứ."))
    if audience == Audience.BORN_BY and not born_in_or_before:
        raise AssignmentRefused(_("Hãy nhập năm sinh cho đối tượng theo năm sinh."))


def _check_course(course: CoursePage) -> None:
    if not course.live:
        raise AssignmentRefused(_("Khóa học “%(title)s” chưa xuất bản.") % {"title": course.title})


def _check_not_assigned_already(
    *,
    course: CoursePage,
    wards: list[Ward],
    starts: date,
    due_date: date,
    other_than: Assignment | None = None,
) -> None:
    """Refuse a course for a ward that has it in an active assignment whose period overlaps.

    An assignment runs from the day it was made to its due date; once one is past
    due, the same course may be assigned again (a new round).
    """
    # Lock the course row until commit: two cadres assigning it at once are checked in turn.
    list(CoursePage.objects.select_for_update().filter(pk=course.pk).values("pk"))
    clash = (
        Assignment.wards.through.objects.filter(
            ward__in=[ward.pk for ward in wards],
            assignment__course=course,
            assignment__status=Assignment.Status.ACTIVE,
            assignment__due_date__gte=starts,
            assignment__created_at__date__lte=due_date,
        )
        .exclude(assignment_id=other_than.pk if other_than else None)
        .select_related("ward", "assignment")
        .order_by("ward__name", "assignment__due_date")
        .first()
    )
    if clash is not None:
        raise AssignmentRefused(
            _(
                "Khóa học “%(course)s” đã được giao cho %(ward)s (hạn %(due)s) trong cùng "
                "thời gian. Hãy sửa việc giao đó thay vì giao thêm lần nữa."
            )
            % {
                "course": course.title,
                "ward": clash.ward.name,
                "due": f"{clash.assignment.due_date:%d/%m/%Y}",
            }
        )


def _snapshot(assignment: Assignment, ward_ids: list[int]) -> dict:
    return {
        "course": assignment.course_id,
        "due_date": assignment.due_date.isoformat(),
        "audience": assignment.audience,
        "born_in_or_before": assignment.born_in_or_before,
        "wards": sorted(ward_ids),
    }


@transaction.atomic
def assignments_create(
    *,
    cadre: User,
    courses: list[CoursePage],
    wards: list[Ward],
    due_date: date,
    audience: str = Audience.ALL,
    born_in_or_before: int | None = None,
    whole_province: Province | None = None,
) -> list[Assignment]:
    """Assign each course to the wards (in the cadre's scope, not already having it), due not past."""
    if not courses:
        raise AssignmentRefused(_("Hãy chọn ít nhất một khóa học."))
    if whole_province is not None and not permissions.can_see_province_report(
        cadre, whole_province
    ):
        raise AssignmentRefused(_("Có xã/phường không thuộc phạm vi bạn phụ trách."))
    born_in_or_before = born_in_or_before if audience == Audience.BORN_BY else None
    _check_wards_and_terms(
        cadre=cadre,
        wards=wards,
        due_date=due_date,
        audience=audience,
        born_in_or_before=born_in_or_before,
    )
    created = []
    for course in courses:
        _check_course(course)
        _check_not_assigned_already(
            course=course, wards=wards, starts=timezone.localdate(), due_date=due_date
        )
        assignment = Assignment.objects.create(
            course=course,
            due_date=due_date,
            audience=audience,
            born_in_or_before=born_in_or_before,
            whole_province=whole_province,
            created_by=cadre,
        )
        assignment.wards.set(wards)
        AssignmentEvent.objects.create(
            assignment=assignment,
            action=AssignmentEvent.Action.CREATED,
            by=cadre,
            by_name=cadre.full_name,
            changes=_snapshot(assignment, [ward.pk for ward in wards]),
        )
        created.append(assignment)
    return created


@transaction.atomic
def assignment_change(
    *,
    cadre: User,
    assignment: Assignment,
    wards: list[Ward],
    due_date: date,
    audience: str,
    born_in_or_before: int | None,
) -> Assignment:
    """Change the wards, date or audience of an active assignment; the history keeps both."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise AssignmentRefused(_("Việc giao này đã bị hủy, không sửa được."))
    old_wards = list(assignment.wards.values_list("pk", flat=True))
    if not permissions.wards_within_scope(cadre, old_wards):
        raise AssignmentRefused(_("Việc giao này có xã/phường ngoài phạm vi của bạn."))
    born_in_or_before = born_in_or_before if audience == Audience.BORN_BY else None
    unchanged_date = due_date == assignment.due_date
    _check_course(assignment.course)
    _check_wards_and_terms(
        cadre=cadre,
        wards=wards,
        # An unchanged date may stay in the past; a new one may not.
        due_date=max(due_date, timezone.localdate()) if unchanged_date else due_date,
        audience=audience,
        born_in_or_before=born_in_or_before,
    )
    _check_not_assigned_already(
        course=assignment.course,
        wards=wards,
        starts=timezone.localdate(assignment.created_at),
        due_date=due_date,
        other_than=assignment,
    )
    before = _snapshot(assignment, old_wards)
    assignment.due_date = due_date
    assignment.audience = audience
    assignment.born_in_or_before = born_in_or_before
    new_ward_ids = [ward.pk for ward in wards]
    if sorted(new_ward_ids) != sorted(old_wards):
        assignment.whole_province = None
    assignment.save()
    assignment.wards.set(wards)
    after = _snapshot(assignment, new_ward_ids)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        AssignmentEvent.objects.create(
            assignment=assignment,
            action=AssignmentEvent.Action.CHANGED,
            by=cadre,
            by_name=cadre.full_name,
            changes=changes,
        )
    return assignment


@transaction.atomic
def assignment_cancel(*, cadre: User, assignment: Assignment) -> Assignment:
    """Cancel an assignment; it stays, with its history, marked cancelled."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not permissions.wards_within_scope(cadre, assignment.wards.values_list("pk", flat=True)):
        raise AssignmentRefused(_("Việc giao này có xã/phường ngoài phạm vi của bạn."))
    if not assignment.is_active:
        return assignment
    assignment.status = Assignment.Status.CANCELLED
    assignment.cancelled_at = timezone.now()
    assignment.save(update_fields=["status", "cancelled_at"])
    AssignmentEvent.objects.create(
        assignment=assignment,
        action=AssignmentEvent.Action.CANCELLED,
        by=cadre,
        by_name=cadre.full_name,
    )
    return assignment


@transaction.atomic
def assignment_cancel_undo(*, cadre: User, assignment: Assignment) -> Assignment:
    """Restore an assignment cancelled less than 24 hours ago, if nothing took its place."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    ward_ids = list(assignment.wards.values_list("pk", flat=True))
    if not permissions.wards_within_scope(cadre, ward_ids):
        raise AssignmentRefused(_("Việc giao này có xã/phường ngoài phạm vi của bạn."))
    if assignment.is_active:
        return assignment
    if not assignment.can_undo_cancel:
        raise AssignmentRefused(
            _("Việc giao này đã bị hủy hơn 24 giờ nên không hoàn tác được. Hãy giao lại.")
        )
    _check_not_assigned_already(
        course=assignment.course,
        wards=list(Ward.objects.filter(pk__in=ward_ids)),
        starts=timezone.localdate(assignment.created_at),
        due_date=assignment.due_date,
        other_than=assignment,
    )
    assignment.status = Assignment.Status.ACTIVE
    assignment.cancelled_at = None
    assignment.save(update_fields=["status", "cancelled_at"])
    AssignmentEvent.objects.create(
        assignment=assignment,
        action=AssignmentEvent.Action.RESTORED,
        by=cadre,
        by_name=cadre.full_name,
    )
    return assignment


# ---------------------------------------------------------------- reads


def assignments_in_scope(*, user: User) -> QuerySet[Assignment]:
    """Assignments that touch at least one ward the user may see, newest first."""
    return (
        Assignment.objects.filter(
            pk__in=Assignment.wards.through.objects.filter(
                ward__in=permissions.visible_wards(user)
            ).values("assignment_id")
        )
        .select_related("course", "whole_province")
        .order_by("-created_at", "-pk")
    )


def assignment_editable(*, user: User, assignment: Assignment) -> bool:
    """A cadre may change an assignment only if every ward it covers is in their scope."""
    ward_ids = assignment.wards.values_list("pk", flat=True)
    return permissions.wards_within_scope(user, ward_ids)


def ward_assignments(*, ward: Ward) -> list[Assignment]:
    """The active assignments of one ward, soonest due first."""
    return list(
        Assignment.objects.filter(status=Assignment.Status.ACTIVE, wards=ward)
        .select_related("course")
        .order_by("due_date", "pk")
    )


def learner_due_dates(*, user: User) -> dict[int, date]:
    """Course id -> due date of the active assignments that reach this learner."""
    if not user.is_authenticated or user.ward_id is None:
        return {}
    due_dates: dict[int, date] = {}
    active = Assignment.objects.filter(status=Assignment.Status.ACTIVE, wards=user.ward_id).only(
        "course_id", "due_date", "audience", "born_in_or_before"
    )
    for assignment in active:
        if Reach.of(assignment).includes(user):
            due = assignment.due_date
            due_dates[assignment.course_id] = min(due, due_dates.get(assignment.course_id, due))
    return due_dates


CHANGE_LABELS = {
    "due_date": gettext_lazy("Hạn hoàn thành"),
    "audience": gettext_lazy("Đối tượng"),
    "born_in_or_before": gettext_lazy("Sinh từ năm … trở về trước"),
    "wards": gettext_lazy("Số xã/phường"),
}


def _readable(field_name: str, value) -> str:
    if value is None:
        return "—"
    if field_name == "due_date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if field_name == "audience":
        return str(Audience(value).label)
    if field_name == "wards":
        return str(len(value))
    return str(value)


def assignment_history(*, assignment: Assignment) -> list[dict]:
    """The assignment's events, oldest first, with changes as readable "before → after"."""
    history = []
    for event in assignment.events.all():
        changes = []
        if event.action == event.Action.CHANGED:
            for name, (before, after) in event.changes.items():
                label = CHANGE_LABELS.get(name, name)
                changes.append(f"{label}: {_readable(name, before)} → {_readable(name, after)}")
        history.append({"event": event, "changes": changes})
    return history
