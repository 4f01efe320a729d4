"""Writes about progress: enrolling, recording a step, completing a course."""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Page

from . import selectors
from .models import CoursePage, Enrollment, StepProgress


def _forget_progress(user_id: int, course_id: int) -> None:
    """Drop the cached progress once the change is committed, never inside the transaction:
    a cache that is down must not roll back a learner's step (the entry's short timeout
    bounds what a failed delete leaves)."""
    key = selectors.progress_cache_key(user_id, course_id)
    transaction.on_commit(lambda: cache.delete(key))


class NotEnrolled(PermissionDenied):
    """The learner has not started the course this step belongs to."""


class StepNotAvailable(PermissionDenied):
    """The step is unpublished, or not part of a published course."""


def enrollment_start(*, user, course: CoursePage) -> Enrollment:
    """Enrol the learner in a published course; starting twice keeps the first enrolment."""
    if not course.live:
        raise StepNotAvailable
    try:
        with transaction.atomic():
            enrollment, _created = Enrollment.objects.get_or_create(user=user, course=course)
    except IntegrityError:  # the same learner enrolling from two tabs at once
        enrollment = Enrollment.objects.get(user=user, course=course)
    _forget_progress(user.pk, course.pk)
    return enrollment


@dataclass
class StepResult:
    enrollment: Enrollment
    course_completed_now: bool


@transaction.atomic
def step_complete(*, user, step: Page) -> StepResult:
    """Record a step of a course as done, once; complete the course when every live step is.

    The enrolment is completed in the same transaction as its last step, so the
    caller can issue what follows completion (a certificate) atomically.
    """
    if not step.live:
        raise StepNotAvailable
    course = selectors.course_of_step(step=step)
    if course is None:
        raise StepNotAvailable
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if enrollment is None:
        raise NotEnrolled
    try:
        with transaction.atomic():
            StepProgress.objects.get_or_create(enrollment=enrollment, step=step)
    except IntegrityError:  # recorded by a concurrent request: that is the same outcome
        pass
    _forget_progress(user.pk, course.pk)
    completed_now = False
    if enrollment.completed_at is None:
        live_step_ids = set(course.get_children().live().values_list("pk", flat=True))
        done_ids = set(enrollment.steps_done.values_list("step_id", flat=True))
        if live_step_ids <= done_ids:
            enrollment.completed_at = timezone.now()
            enrollment.save(update_fields=["completed_at"])
            completed_now = True
    return StepResult(enrollment=enrollment, course_completed_now=completed_now)
