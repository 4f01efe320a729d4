"""A citizen takes a course on a phone: lessons, quiz, result; with and without
JavaScript and with the keyboard alone. axe-core checks every page on the way."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .a11y import assert_accessible
from .test_signup import fill_passwords_and_consent, fill_person

# The pages need what data migrations made (home page, Wagtail root, locale), which
# the flush after every live_server test removes: `migrated_db` puts it back first.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migrated_db")]

DEMO_COURSE = (
    Path(__file__).resolve().parents[2]
    / "learning"
    / "demo"
    / "courses"
    / "01-lam-quen-dien-thoai-thong-minh.json"
)
ATTEMPT_URL = re.compile(r"/luot-lam/(\d+)/$")
RESULT_URL = re.compile(r"/luot-lam/\d+/ket-qua/$")


def open_attempt(page: Page):
    """The QuizAttempt behind the attempt page the browser is on."""
    from quizzes.models import QuizAttempt

    expect(page).to_have_url(ATTEMPT_URL)
    return QuizAttempt.objects.get(pk=ATTEMPT_URL.search(page.url).group(1))


def answer(page: Page, attempt, *, correct: bool) -> None:
    """Tick, for every question, its correct choices (or one wrong choice)."""
    for question in attempt.snapshot["questions"]:
        ids = [c["id"] for c in question["choices"] if c["correct"] == correct]
        for choice_id in ids if correct else ids[:1]:
            page.locator(f'input[name="{question["key"]}"][value="{choice_id}"]').check()


def logged_in_context(browser, options: dict, live_server, user, **extra):
    """A phone context already signed in as `user` (session cookie made server-side)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context = browser.new_context(**options, **extra)
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )
    return context


def test_new_citizen_signs_up_and_completes_a_demo_course(phone_page, live_server, units):
    from learning.demo.seed import catalogue_page, course_create

    spec = json.loads(DEMO_COURSE.read_text(encoding="utf-8"))
    course, _created = course_create(catalogue_page(), spec)
    page = phone_page

    page.goto(f"{live_server.url}/dang-ky/")
    fill_person(page, name="Phạm Thị Hoa", phone="0912 345 678")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thành phố Hồ Chí Minh")
    ward = page.get_by_label("Xã/phường/đặc khu", exact=True)
    expect(ward.locator("option", has_text="Phường Sài Gòn")).to_be_attached()
    ward.select_option(label="Phường Sài Gòn")
    fill_passwords_and_consent(page)
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()

    # Catalogue, from the header's folded menu.
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    nav.locator("summary", has_text="Menu").click()
    nav.get_by_role("link", name="Khóa học", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Khóa học")).to_be_visible()
    assert_accessible(page, "catalogue")

    page.get_by_role("link", name=spec["title"]).click()
    expect(page.get_by_role("heading", level=1, name=spec["title"])).to_be_visible()
    assert_accessible(page, "course")

    page.get_by_role("button", name="Bắt đầu", exact=True).click()
    for number, lesson in enumerate(spec["lessons"]):
        expect(page.get_by_role("heading", level=1, name=lesson["title"])).to_be_visible()
        if number == 0:
            assert_accessible(page, "lesson")
        page.get_by_role("button", name="Hoàn thành và tiếp tục").click()

    # The quiz page, then an attempt.
    expect(page.get_by_role("heading", level=1, name=spec["quiz"]["title"])).to_be_visible()
    assert_accessible(page, "quiz")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    attempt = open_attempt(page)
    assert len(attempt.snapshot["questions"]) == spec["quiz"]["questions_per_attempt"]
    assert_accessible(page, "quiz-attempt")
    answer(page, attempt, correct=True)
    page.get_by_role("button", name="Nộp bài").click()

    expect(page).to_have_url(RESULT_URL)
    expect(page.locator(".score")).to_contain_text("Đạt")
    expect(page.locator(".score")).not_to_contain_text("Chưa đạt")
    assert_accessible(page, "result-pass")

    page.get_by_role("link", name="Về trang khóa học").click()
    expect(page).to_have_url(f"{live_server.url}{course.url}")
    expect(page.get_by_text("Đã học 100%")).to_be_visible()
    expect(page.get_by_text("Bạn đã hoàn thành khóa học này")).to_be_visible()


def test_without_javascript_a_learner_fails_reads_explanations_and_runs_out_of_tries(
    browser, phone_context_options, live_server, learner
):
    from tests.courses_helpers import make_course, quiz_page

    course = make_course(lessons=1, quiz=quiz_page(questions=3, per_attempt=3, per_day=2))
    quiz = course.get_children().live().last().specific
    context = logged_in_context(
        browser, phone_context_options, live_server, learner, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{quiz.url}")
        expect(page.get_by_text("Hôm nay bạn còn 2 lượt làm bài.")).to_be_visible()
        page.get_by_role("button", name="Bắt đầu làm bài").click()
        for left in (1, 0):
            answer(page, open_attempt(page), correct=False)
            page.get_by_role("button", name="Nộp bài").click()
            expect(page).to_have_url(RESULT_URL)
            expect(page.locator(".score")).to_contain_text("Chưa đạt")
            expect(page.get_by_role("heading", name="Giải thích từng câu")).to_be_visible()
            expect(page.get_by_text("Giải thích câu 1.")).to_be_visible()
            if left:
                page.get_by_role("button", name=f"Làm lại (còn {left} lượt hôm nay)").click()
        expect(page.get_by_text("hết số lượt làm bài hôm nay")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Làm lại"))).to_have_count(0)

        page.get_by_role("link", name="Về trang bài kiểm tra").click()
        expect(page.get_by_text("hết số lượt làm bài hôm nay")).to_be_visible()
        expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_have_count(0)
    finally:
        context.close()


def focus_ring(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement, style = getComputedStyle(el);
          return {tag: el.tagName, type: el.type || "", name: el.name || "",
                  value: el.value || "", text: el.textContent.trim(),
                  outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
        }"""
    )


def assert_focus_visible(page: Page) -> dict:
    ring = focus_ring(page)
    assert ring["outline"] != "none" and ring["width"] > 0, f"no visible focus on {ring}"
    return ring


def test_keyboard_alone_answers_and_submits_a_quiz(
    browser, phone_context_options, live_server, learner, screenshots
):
    from tests.courses_helpers import make_course, quiz_page

    course = make_course(lessons=1, quiz=quiz_page(questions=2, per_attempt=2, per_day=3))
    quiz = course.get_children().live().last().specific
    context = logged_in_context(browser, phone_context_options, live_server, learner)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{quiz.url}")
        page.get_by_role("button", name="Bắt đầu làm bài").click()
        attempt = open_attempt(page)
        questions = attempt.snapshot["questions"]

        for question in questions:
            ids = [str(c["id"]) for c in question["choices"]]
            # Tab into the radio group (the first radio when none is checked).
            for _ in range(20):
                page.keyboard.press("Tab")
                ring = focus_ring(page)
                if ring["type"] == "radio":
                    break
            assert (ring["name"], ring["value"]) == (question["key"], ids[0]), ring
            assert_focus_visible(page)
            if question is questions[0]:
                screenshots.take(page, "keyboard-focus")
            page.keyboard.press("Space")
            group = page.locator(f'input[name="{question["key"]}"]')
            expect(group.nth(0)).to_be_checked()
            # Arrow keys move the choice within the group, and back.
            page.keyboard.press("ArrowDown")
            expect(group.nth(1)).to_be_checked()
            expect(group.nth(0)).not_to_be_checked()
            assert focus_ring(page)["value"] == ids[1]
            page.keyboard.press("ArrowUp")
            expect(group.nth(0)).to_be_checked()
            assert focus_ring(page)["value"] == ids[0]
            # Leave a wrong choice ticked: the result page shown is the "not yet" one.
            if question["choices"][0]["correct"]:
                page.keyboard.press("ArrowDown")

        page.keyboard.press("Tab")
        ring = assert_focus_visible(page)
        assert (ring["tag"], ring["text"]) == ("BUTTON", "Nộp bài"), ring
        page.keyboard.press("Enter")

        expect(page).to_have_url(RESULT_URL)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Kết quả")
        expect(page.locator(".score")).to_contain_text("Chưa đạt")
        attempt.refresh_from_db()
        assert attempt.status == "submitted"
        assert set(attempt.answers) == {q["key"] for q in questions}
        # The result page as a learner who did not pass sees it.
        assert_accessible(page, "result-fail")
    finally:
        context.close()
