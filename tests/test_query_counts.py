"""The learner pages cost at most four queries once warm, whatever the number of steps,
enrolments, courses and quiz attempts (issue 12: site, home page, view restrictions,
session, outlines and progress come from the cache; lists are one query each)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import LessonPage
from quizzes.models import QuizAttempt, QuizPage

from .courses_helpers import (
    LESSON_BODY,
    catalogue,
    make_course,
    publish,
    quiz_page,
    wrong_answers,
)

MAX_QUERIES = 4


def _queries(client, url) -> int:
    """Queries of one warm visit (the visit before it filled the caches, as any first visit)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _enrol(client, course) -> None:
    client.post(reverse("learning:course_start", args=[course.pk]))


def _fail_quiz(client, learner, quiz, times: int) -> None:
    for _ in range(times):
        client.post(reverse("learning:quiz_start", args=[quiz.pk]))
        attempt = QuizAttempt.objects.get(user=learner, status="open")
        client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), wrong_answers(attempt))


def _learner_with_progress(client, learner, *, lessons: int, courses: int, attempts: int):
    """A learner enrolled in `courses` courses, 3 lessons done in the first, and
    `attempts` quiz attempts submitted on its quiz; returns the pages to measure."""
    client.force_login(learner)
    first = make_course(lessons=lessons, quiz=quiz_page(per_day=5))
    for n in range(1, courses):
        _enrol(client, make_course(slug=f"khoa-{n}"))
    _enrol(client, first)
    steps = LessonPage.objects.child_of(first).order_by("path")
    for lesson in steps[:3]:
        client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    quiz = QuizPage.objects.child_of(first).get()
    _fail_quiz(client, learner, quiz, attempts)
    return {
        "course": first.url,
        "lesson": steps[2].url,
        "quiz landing": quiz.url,
        "catalogue": catalogue().url,
        "my learning": reverse("learning:my_learning"),
        "home": "/",
    }


@pytest.mark.parametrize(
    "size",
    [
        dict(lessons=4, courses=1, attempts=0),
        dict(lessons=49, courses=8, attempts=3),
    ],
    ids=["small", "large"],
)
def test_learner_pages_cost_at_most_four_queries_warm(client, learner, size, requests_commit):
    pages = _learner_with_progress(client, learner, **size)
    counts = {name: _queries(client, url) for name, url in pages.items()}
    assert max(counts.values()) <= MAX_QUERIES, counts


def test_query_counts_are_flat_in_steps_enrolments_courses_and_attempts(
    client, learner, requests_commit
):
    pages = _learner_with_progress(client, learner, lessons=3, courses=1, attempts=0)
    before = {name: _queries(client, url) for name, url in pages.items()}
    course = LessonPage.objects.get(url_path__endswith="/lam-quen/bai-1/").get_parent()
    for n in range(4, 30):  # more steps in the course
        publish(course, LessonPage(title=f"Bài {n}", slug=f"bai-{n}", body=LESSON_BODY))
    for lesson in LessonPage.objects.child_of(course).order_by("path")[3:10]:
        client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    for n in range(1, 7):  # more courses, enrolled
        _enrol(client, make_course(slug=f"khoa-{n}"))
    _fail_quiz(client, learner, QuizPage.objects.get(), 3)  # quiz history
    after = {name: _queries(client, url) for name, url in pages.items()}
    assert after == before


def test_the_course_page_still_shows_the_learners_progress(client, learner, requests_commit):
    pages = _learner_with_progress(client, learner, lessons=4, courses=1, attempts=0)
    html = client.get(pages["course"]).content.decode()
    assert "Học tiếp" in html
    html = client.get(pages["lesson"]).content.decode()
    assert "Bạn đã học xong bài này" in html
