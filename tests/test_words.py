"""Words a learner reads: page titles, the quiz result heading, "Học tiếp", the language menu."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import Enrollment, StepProgress
from quizzes.models import QuizAttempt

from .courses_helpers import make_course, quiz_page, wrong_answers


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


def test_home_page_title_names_the_site_once(client, db):
    page = client.get("/").content.decode()
    assert title_of(page) == "Học vụ số"
    course = make_course(lessons=1)
    assert title_of(client.get(course.url).content.decode()) == f"{course.title} · Học vụ số"


def test_quiz_result_heading_does_not_repeat_the_quiz_title_prefix(client, learner):
    quiz = quiz_page()
    quiz.title = "Bài kiểm tra: Làm quen với điện thoại"
    course = make_course(lessons=1, quiz=quiz)
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=learner, status="open")
    client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), wrong_answers(attempt))
    page = client.get(reverse("learning:quiz_result", args=[attempt.pk])).content.decode()
    assert "Kết quả: Bài kiểm tra:" not in page
    assert re.search(r"<h1>\s*Kết quả bài làm\s*</h1>", page)
    assert "Bài kiểm tra: Làm quen với điện thoại" in page


def _enrol(learner, course, *, days_ago: int, completed: bool = False, step_days_ago=None):
    now = timezone.now()
    enrollment = Enrollment.objects.create(
        user=learner,
        course=course,
        started_at=now - timedelta(days=days_ago),
        completed_at=now if completed else None,
    )
    if step_days_ago is not None:
        StepProgress.objects.create(
            enrollment=enrollment,
            step=course.get_children().first(),
            completed_at=now - timedelta(days=step_days_ago),
        )


def test_home_page_offers_to_continue_the_course_touched_last(client, learner):
    older = make_course(lessons=1, slug="khoa-cu")  # started last, but a step long ago
    current = make_course(lessons=1, slug="khoa-dang-hoc")  # a step done yesterday
    finished = make_course(lessons=1, slug="khoa-da-xong")  # most recent, but completed
    _enrol(learner, current, days_ago=30, step_days_ago=1)
    _enrol(learner, older, days_ago=3)
    _enrol(learner, finished, days_ago=0, completed=True)
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert re.search(rf'<a class="button" href="{current.url}">\s*Học tiếp', page)
    assert reverse("accounts:signup") not in page.split("<main", 1)[1]


def test_home_page_without_a_course_in_progress_has_no_continue_button(client, learner):
    assert "Học tiếp" not in client.get("/").content.decode()  # anonymous
    client.force_login(learner)
    assert "Học tiếp" not in client.get("/").content.decode()  # nothing started


def test_home_page_queries_stay_flat_with_more_courses(client, learner):
    client.force_login(learner)
    counts = []
    for batch in (range(1), range(1, 6)):
        for n in batch:
            course = make_course(lessons=2, slug=f"khoa-{n}")
            _enrol(learner, course, days_ago=n, step_days_ago=n)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert "Học tiếp" in client.get("/").content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_language_menu_names_each_language_in_itself(client, db):
    # The middleware leaves the request's language active in this thread: restore it after.
    with translation.override(settings.LANGUAGE_CODE):
        for active in ("vi", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = active
            page = client.get("/").content.decode()
            assert re.search(r'<option value="vi" lang="vi"[^>]*>Tiếng Việt</option>', page)
            assert re.search(r'<option value="en" lang="en"[^>]*>English</option>', page)
