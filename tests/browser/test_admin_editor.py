"""The editor in the Wagtail admin on an office PC (1280 × 800): logs in with the phone
number as the README writes it and works in Vietnamese, lessons in course order."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migrated_db")]

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}


def test_editor_logs_in_with_0913000003_and_sees_the_admin_in_vietnamese(
    browser, live_server, screenshots
):
    from django.contrib.auth.models import Group

    from accounts.models import User
    from courses.models import LessonPage
    from tests.courses_helpers import make_course

    editor = User.objects.create_user(
        phone="0913000003", password="hocvuso-demo-2026", full_name="Ngô Thanh Bình"
    )
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    course = make_course(lessons=3)
    first = LessonPage.objects.get(slug="bai-1")
    first.title = "Bài 1 (đã sửa)"
    first.save_revision().publish()

    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/quan-tri/login/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập trang quản trị")
        page.get_by_label("Số điện thoại").fill("0913000003")
        page.get_by_label("Mật khẩu").fill("hocvuso-demo-2026")
        screenshots.take(page, "login-filled")
        page.get_by_role("button", name="Đăng nhập").click()

        expect(page).to_have_url(f"{live_server.url}/quan-tri/")
        sidebar = page.locator("aside.sidebar, #wagtail-sidebar").first
        expect(sidebar).to_contain_text("Ngô Thanh Bình")
        expect(sidebar).to_contain_text("Hình ảnh")
        expect(sidebar).not_to_contain_text("+84913000003")

        page.goto(f"{live_server.url}/quan-tri/pages/{course.pk}/")
        titles = page.locator("#listing-results tbody tr .title-wrapper, #listing-results td a")
        expect(page.locator("#listing-results")).to_contain_text("Bài 1 (đã sửa)")
        text = page.locator("#listing-results").inner_text()
        assert text.index("Bài 1 (đã sửa)") < text.index("Bài 2") < text.index("Bài 3")
        assert titles.count() > 0

        page.goto(f"{live_server.url}/quan-tri/pages/{first.pk}/edit/")
        expect(page.get_by_role("button", name="Lưu bản nháp")).to_be_visible()
        expect(page.get_by_role("tab", name="Nội dung")).to_be_visible()
    finally:
        context.close()
