"""Learner actions: POSTs that change progress, and the pages around a quiz attempt."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import selectors as account_selectors
from accounts import services as account_services
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import CourseIndexPage, CoursePage, LessonPage
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.forms import QuizAttemptForm
from quizzes.models import QuizAttempt, QuizPage

from . import services


def _next_url(progress, fallback) -> str:
    step = progress.next_step
    return step.page.url if step else fallback.url


@require_POST
@login_required
def course_start(request, course_id: int):
    """Enrol (first time) and go to the first unfinished step: "Bắt đầu" / "Học tiếp"."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    course_services.enrollment_start(user=request.user, course=course)
    progress = course_selectors.course_progress(course=course, user=request.user)
    return redirect(_next_url(progress, course))


@require_POST
@login_required
def lesson_complete(request, lesson_id: int):
    """ "Hoàn thành và tiếp tục": record the lesson and move on to the next unfinished step."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    result = services.lesson_complete(user=request.user, lesson=lesson)
    course = result.enrollment.course
    if result.course_completed_now:
        messages.success(request, _("Chúc mừng! Bạn đã hoàn thành khóa học."))
        return redirect(course.url)
    progress = course_selectors.course_progress(course=course, user=request.user)
    _previous, following = progress.neighbours(lesson.pk)
    return redirect(following.page.url if following else _next_url(progress, course))


@require_POST
@login_required
def quiz_start(request, quiz_id: int):
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    course = course_selectors.course_of_step(step=quiz)
    if course is None:
        raise Http404
    course_services.enrollment_start(user=request.user, course=course)
    try:
        attempt = quiz_services.attempt_start(user=request.user, quiz=quiz)
    except quiz_services.QuizError as refusal:
        messages.error(request, refusal.message)
        return redirect(quiz.url)
    return redirect("learning:quiz_attempt", attempt_id=attempt.pk)


@require_http_methods(["GET", "POST"])
@login_required
def quiz_attempt(request, attempt_id: int):
    """The drawn questions as one plain form; the answers are never in the page."""
    attempt = get_object_or_404(quiz_selectors.attempts_of(user=request.user), pk=attempt_id)
    if attempt.status == QuizAttempt.Status.SUBMITTED and request.method == "GET":
        return redirect("learning:quiz_result", attempt_id=attempt.pk)
    posted = request.POST if request.method == "POST" else None
    form = QuizAttemptForm(posted, attempt=attempt)
    if form.is_bound:
        try:
            services.quiz_submit(
                user=request.user, attempt_id=attempt.pk, posted=form.posted_answers()
            )
            return redirect("learning:quiz_result", attempt_id=attempt.pk)
        except quiz_services.MissingAnswers as refusal:
            messages.error(request, refusal.message)
        except quiz_services.AttemptAlreadySubmitted as refusal:
            messages.error(request, refusal.message)
            return redirect("learning:quiz_result", attempt_id=attempt.pk)
        except quiz_services.QuizError as refusal:
            messages.error(request, refusal.message)
            return redirect(attempt.quiz.url)
    return render(
        request,
        "learning/quiz_attempt.html",
        {"attempt": attempt, "quiz": attempt.quiz, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_GET
@login_required
def quiz_result(request, attempt_id: int):
    attempt = get_object_or_404(
        quiz_selectors.attempts_of(user=request.user).filter(status=QuizAttempt.Status.SUBMITTED),
        pk=attempt_id,
    )
    quiz = attempt.quiz
    review = quiz_selectors.attempt_review(attempt=attempt)
    course = course_selectors.course_of_step(step=quiz)
    progress = (
        course_selectors.course_progress(course=course, user=request.user) if course else None
    )
    return render(
        request,
        "learning/quiz_result.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "questions": review.questions,
            "show_answers": review.reveals_answers,
            "attempts_left": quiz_selectors.attempts_left_today(user=request.user, quiz=quiz),
            "progress": progress,
        },
    )


@require_GET
def catalogue(request):
    """The "Khóa học" menu link: the first published catalogue page."""
    index = CourseIndexPage.objects.live().order_by("path").first()
    if index is None:
        raise Http404
    return redirect(index.url)


@require_GET
@login_required
def my_learning(request):
    """ "Việc học của tôi": courses in progress and completed, with continue buttons."""
    notices = account_selectors.notices_unread(user=request.user)
    if notices:  # most visits have none: no UPDATE then
        account_services.notice_mark_read(user=request.user)
    cards = course_selectors.learner_course_cards(
        user=request.user, due_dates=course_selectors.assigned_due_dates(user=request.user)
    )
    return render(
        request,
        "learning/my_learning.html",
        {
            "notices": notices,
            "assigned": [card for card in cards if card.assigned and not card.completed],
            "in_progress": [card for card in cards if not card.assigned and not card.completed],
            "completed": [card for card in cards if card.completed],
        },
    )


@functools.cache
def _favicon_bytes() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=365 * 24 * 60 * 60)
def favicon(request):
    """The site's mark at /favicon.ico, which every browser asks for: 1.4 KB, cached a year."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")
