"""An editor edits, previews and publishes a lesson in the Wagtail admin under the site's
Content-Security-Policy, and the browser reports no violation anywhere on the way."""

import pytest
from playwright.sync_api import expect

from .test_course_journey import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migrated_db")]

# Every violation (of any frame, the preview included) ends up in the console, where the
# test collects it; Chromium also logs its own "Refused to ..." line there.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} `
    + `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watch_csp(context) -> list[str]:
    violations: list[str] = []
    context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            violations.append(text)

    context.on("console", on_console)
    return violations


def test_editor_edits_previews_and_publishes_a_lesson_without_csp_violations(
    browser, phone_context_options, live_server, units
):
    from django.contrib.auth.models import Group

    from accounts.models import User
    from courses.models import LessonPage
    from tests.courses_helpers import make_course

    course = make_course(lessons=1)
    lesson = LessonPage.objects.child_of(course).get()
    editor = User.objects.create_user(
        phone="0913000003", password="hoc-vu-so-2026", full_name="Ngô Thanh Bình"
    )
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))

    context = logged_in_context(browser, phone_context_options, live_server, editor)
    violations = watch_csp(context)
    page = context.new_page()
    try:
        response = page.goto(f"{live_server.url}/quan-tri/pages/{lesson.pk}/edit/")
        assert "unsafe-inline" in response.headers["content-security-policy"]
        title = page.locator("#id_title")
        expect(title).to_have_value("Bài 1")
        title.fill("Bài 1: Mở khóa màn hình")

        # Preview: Wagtail's side panel renders the unsaved page in a same-origin iframe.
        page.locator('[data-side-panel-toggle="preview"]').click()
        preview = page.frame_locator("#w-preview-iframe")
        expect(preview.get_by_role("heading", level=1)).to_have_text("Bài 1: Mở khóa màn hình")
        expect(preview.get_by_text("Nhấn nút nguồn ở cạnh phải điện thoại.")).to_be_visible()
        page.locator('[data-side-panel-toggle="preview"]').click()

        # Publish, from the footer's action menu.
        page.locator("footer [data-w-dropdown-target='toggle']").last.click()
        page.locator('button[name="action-publish"]').click()
        expect(page.locator(".messages")).to_contain_text("Bài 1: Mở khóa màn hình")
        lesson.refresh_from_db()
        assert lesson.live and lesson.title == "Bài 1: Mở khóa màn hình"

        # The published lesson, on the public site under the strict policy.
        response = page.goto(f"{live_server.url}{lesson.url}")
        assert "unsafe" not in response.headers["content-security-policy"]
        expect(page.get_by_role("heading", level=1)).to_have_text("Bài 1: Mở khóa màn hình")
    finally:
        context.close()
    assert violations == []
