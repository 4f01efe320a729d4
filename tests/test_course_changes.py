"""A course that changes after a learner finished it.

The rule: completion and the certificate stand; a step published after a learner completed
the course shows as "mới" (new) and optional for them, and their progress stays 100 %.
Learners who had not finished must do the new step like any other.
"""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from courses.models import Enrollment, LessonPage
from quizzes.models import QuizAttempt, QuizPage
from training.assignments import assignments_create
from training.figures import ward_summary
from training.residents import ResidentStatus, resident_lines, ward_residents

from .courses_helpers import LESSON_BODY, correct_answers, make_course, publish, quiz_page
from .training_helpers import make_cadre

NEW_TITLE = "Bài mới: quét mã QR"

# Caches are dropped after commit, as in production: run each request's after-commit work.
pytestmark = pytest.mark.usefixtures("requests_commit")


def steps(course):
    return list(course.get_children().live().specific().order_by("path"))


@pytest.fixture
def course(db):
    # five steps: four lessons and a quiz; one more is 6 steps, and 5/6 is the "83%" of the issue
    return make_course(lessons=4, quiz=quiz_page(questions=3, per_attempt=3))


def finish(client, course, *, skip_title=""):
    """Read every lesson (but the one titled `skip_title`) and pass the quiz."""
    client.post(reverse("learning:course_start", args=[course.pk]))
    lessons = [step for step in steps(course) if isinstance(step, LessonPage)]
    for lesson in lessons:
        if lesson.title != skip_title:
            client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    quiz = QuizPage.objects.child_of(course).get()
    client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(quiz=quiz, status="open")
    client.post(reverse("learning:quiz_attempt", args=[attempt.pk]), correct_answers(attempt))


def publish_new_lesson(course) -> LessonPage:
    course.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the outline cache is dropped
        return publish(course, LessonPage(title=NEW_TITLE, slug="bai-moi", body=LESSON_BODY))


def outline_item(html: str, title: str) -> str:
    """The <li> of the course outline that holds the given step title."""
    start = html.index(title)
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


def test_a_finished_learner_stays_complete_and_sees_the_new_lesson_as_optional(
    client, learner, course
):
    client.force_login(learner)
    finish(client, course)
    enrollment = Enrollment.objects.get(user=learner, course=course)
    completed_at = enrollment.completed_at
    assert completed_at is not None

    new = publish_new_lesson(course)

    page = client.get(course.url).content.decode()
    assert "Bạn đã hoàn thành khóa học này" in page
    assert "Đã học 100%" in page and "83%" not in page
    item = outline_item(page, NEW_TITLE)
    assert "Mới" in item and "không bắt buộc" in item and "Chưa học" not in item
    assert "thêm 1 bài mới" in page

    mine = client.get(reverse("learning:my_learning")).content.decode()
    completed_section = mine[mine.index("Đã hoàn thành") :]
    assert course.title in completed_section
    assert "Đã học 100%" in completed_section and "1 bài mới, không bắt buộc" in completed_section
    assert "83%" not in mine

    catalogue = client.get(course.get_parent().url).content.decode()
    assert "Đã học 100%" in catalogue and "83%" not in catalogue

    lesson = client.get(new.url).content.decode()
    assert "Bài này được thêm sau khi bạn hoàn thành khóa học" in lesson
    # the step nav of the lesson before it marks the new one
    *_old, quiz = steps(course)[:-1]
    quiz_page_html = client.get(quiz.url).content.decode()
    nav = quiz_page_html[quiz_page_html.index('class="step-nav"') :]
    assert NEW_TITLE in nav and "Mới" in nav

    # reading the new lesson changes nothing already earned
    client.post(reverse("learning:lesson_complete", args=[new.pk]))
    enrollment.refresh_from_db()
    assert enrollment.completed_at == completed_at
    assert Certificate.objects.filter(user=learner, course=course).count() == 1
    assert "Mới" not in outline_item(client.get(course.url).content.decode(), NEW_TITLE)


def test_an_unfinished_learner_must_do_the_new_lesson(client, learner, course):
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    first, *_rest = steps(course)
    client.post(reverse("learning:lesson_complete", args=[first.pk]))
    new = publish_new_lesson(course)

    page = client.get(course.url).content.decode()
    item = outline_item(page, NEW_TITLE)
    assert "Chưa học" in item and "Mới" not in item and "không bắt buộc" not in item
    assert "Đã học 17%" in page  # 1 of 6
    assert "Bài này được thêm sau khi" not in client.get(new.url).content.decode()

    finish(client, course, skip_title=NEW_TITLE)  # every step but the new lesson
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert enrollment.completed_at is None
    assert "Đã học 83%" in client.get(course.url).content.decode()
    client.post(reverse("learning:lesson_complete", args=[new.pk]))
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None


def test_ward_figures_and_lists_keep_a_finished_learner_completed(client, learner, course, units):
    client.force_login(learner)
    finish(client, course)
    publish_new_lesson(course)
    ward = learner.ward
    cadre = make_cadre("0913999001", wards=[ward])
    [assignment] = assignments_create(
        cadre=cadre,
        courses=[course],
        wards=[ward],
        due_date=timezone.localdate() + timedelta(days=10),
    )
    _count, [summary] = ward_summary(ward=ward)
    assert summary.figures.completed == 1 and summary.figures.rate == 100
    residents = list(ward_residents(ward=ward, assignment=assignment))
    [line] = resident_lines(residents, assignment)
    assert line.percent == 100 and line.status == ResidentStatus.COMPLETED
