"""The demo command ships seven real courses, idempotently."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.models import CoursePage, Enrollment, LessonPage
from learning.demo.seed import COURSES_DIR
from quizzes.forms import question_errors
from quizzes.models import QuizPage

COURSE_FILES = sorted(Path(COURSES_DIR).glob("*.json"))


def test_seven_demo_courses_ship():
    assert len(COURSE_FILES) == 7


@pytest.mark.parametrize("path", COURSE_FILES, ids=lambda p: p.stem)
def test_each_demo_course_is_complete_teaching_content(path):
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert 3 <= len(spec["lessons"]) <= 5
    for lesson in spec["lessons"]:
        assert len(lesson["body"]) >= 5
        assert "lorem" not in json.dumps(lesson, ensure_ascii=False).lower()
    questions = spec["quiz"]["questions"]
    assert len(questions) >= 8
    for question in questions:
        assert question["explanation"].strip()
        choices = [(c["text"], c["correct"]) for c in question["choices"]]
        assert question_errors(question["kind"], choices) == [], question["text"]


def test_seed_demo_is_idempotent_and_gives_demo_learners_progress(db):
    call_command("load_units")
    call_command("seed_demo")
    counts = (CoursePage.objects.count(), LessonPage.objects.count(), QuizPage.objects.count())
    enrollments = Enrollment.objects.count()
    assert counts[0] == 7 and counts[2] == 7 and enrollments > 0
    assert all(page.live for page in CoursePage.objects.all())
    call_command("seed_demo")
    assert (
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        QuizPage.objects.count(),
    ) == counts
    assert Enrollment.objects.count() == enrollments
    # The demo certificate officer may revoke; the demo editor may not even list certificates.
    from accounts.models import User
    from accounts.phone import normalize_phone

    officer = User.objects.get(phone=normalize_phone("0913000004"))
    editor = User.objects.get(phone=normalize_phone("0913000003"))
    assert officer.has_perm("certificates.revoke_certificate")
    assert officer.has_perm("wagtailadmin.access_admin")
    assert not editor.has_perm("certificates.view_certificate")
    assert not editor.has_perm("certificates.revoke_certificate")
