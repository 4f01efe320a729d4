"""The learner journey across apps: the only place that orchestrates them (DESIGN.md).

A lesson read or a quiz passed completes a step; the last step completes the
course; course completion is where what follows a course hangs (a notice and
the certificate).
"""

from django.db import transaction

from accounts.notices import notice_send
from certificates import services as certificate_services
from courses import services as course_services
from courses.models import Enrollment, LessonPage
from quizzes import services as quiz_services
from quizzes.models import QuizAttempt


def course_completed(*, enrollment: Enrollment) -> None:
    """Everything that follows a finished course, in the completing transaction.

    The certificate row is created here, pending; its PDF is rendered by a
    worker after the transaction commits.
    """
    certificate_services.certificate_issue(enrollment=enrollment)
    notice_send(
        user=enrollment.user,
        key=f"course_completed:{enrollment.course_id}",
        kind="course_completed",
        params={"course": enrollment.course.title},
    )


@transaction.atomic
def lesson_complete(*, user, lesson: LessonPage) -> course_services.StepResult:
    """Mark a lesson read; completes the course if it was the last step."""
    result = course_services.step_complete(user=user, step=lesson)
    if result.course_completed_now:
        course_completed(enrollment=result.enrollment)
    return result


@transaction.atomic
def quiz_submit(*, user, attempt_id: int, posted: dict[str, list[str]]) -> QuizAttempt:
    """Score an attempt; a pass completes the quiz's step (and maybe the course)."""
    attempt = quiz_services.attempt_submit(attempt_id=attempt_id, user=user, posted=posted)
    if attempt.passed:
        result = course_services.step_complete(user=user, step=attempt.quiz)
        if result.course_completed_now:
            course_completed(enrollment=result.enrollment)
    return attempt
