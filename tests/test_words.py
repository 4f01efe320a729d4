"""Words a learner reads: page titles, the quiz result heading, "Học tiếp", the language menu,
and one spelling (the modern tone-mark placement: "khóa", "hủy", "xóa") everywhere."""

import re
import unicodedata
from datetime import timedelta
from pathlib import Path

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


# --- Spelling: the modern tone-mark placement ----------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# "o" + a/e carrying the tone mark, or "u" + y carrying it, ending a syllable (not after
# "q": "quý" is right); the modern spelling puts the mark on the first vowel: "khóa",
# "hòa", "khỏe", "hủy". (This file writes old spellings as escapes, so the check, and the
# sweep that fixes what it finds, leave it alone.)
OLD_STYLE = re.compile(r"(?<![qQ])(?:[oO][áàảãạéèẻẽẹÁÀẢÃẠÉÈẺẼẸ]|[uU][ýỳỷỹỵÝỲỶỸỴ])$")
WORD = re.compile(r"[^\W\d_]+")
# Capitalised, these are (also) people's names or parts of official unit names, which
# keep the spelling their owner or the State gave them ("Phạm Thị Hoà", "Hoà Bình").
NAME_WORDS = {"Hoà", "Hoá", "Hoả", "Thuỳ", "Thuỷ", "Thuý", "Xoà", "Tuý"}
SKIPPED_DIRS = {".git", ".venv", ".tools", "var", "node_modules", "__pycache__"}
SUFFIXES = {".py", ".html", ".txt", ".js", ".json", ".po", ".md"}


def modern(word: str) -> str:
    """ "khoá" → "khóa": the tone mark moves from the second vowel to the first."""
    base, *marks = unicodedata.normalize("NFD", word[-1])
    return word[:-2] + unicodedata.normalize("NFC", word[-2] + "".join(marks)) + base


def old_spellings(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        words = set(WORD.findall(unicodedata.normalize("NFC", line)))
        for word in sorted(words):
            if OLD_STYLE.search(word) and word not in NAME_WORDS and modern(word) not in words:
                # A line with both spellings contrasts them on purpose (e.g. a test that
                # "hoà" and "hòa" stay different names).
                found.append(f"{number}: {word} → {modern(word)}")
    return found


def our_text_files():
    for path in sorted(ROOT.rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if path.suffix in SUFFIXES and path.is_file() and not parts & SKIPPED_DIRS:
            yield path


def test_the_spelling_check_knows_old_and_modern_placements():
    # Seven words in the old placement (capitalised, upper case, each tone), as escapes.
    old = "Kho\u00e1 h\u1ecdc, hu\u1ef7, xo\u00e1, tu\u1ef3 ch\u1ecdn, C\u1ed8NG HO\u00c0, kho\u1ebb, ho\u1ea1"
    assert [line.split(" → ")[1] for line in old_spellings(old)] == [
        "HÒA",
        "Khóa",
        "họa",
        "hủy",
        "khỏe",
        "tùy",
        "xóa",
    ]
    modern_text = "Khóa học, hủy, xóa, hoàn thành, toán, tuyển, quý, quỳ, khỏe, Phạm Thị Hoà"
    assert old_spellings(modern_text) == []


def test_templates_python_messages_and_demo_content_use_the_modern_spelling():
    """Templates, our Python and JavaScript, the .po catalogues (msgids and msgstrs), the
    demo courses and the README: /work/briefs/spelling_sweep.py fixes what this finds."""
    problems = []
    for path in our_text_files():
        for found in old_spellings(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}:{found}")
    assert not problems, "old-style tone marks:\n" + "\n".join(problems)
