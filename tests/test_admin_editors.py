"""Editors in the Wagtail admin: phone log-in, Vietnamese screens, their name, course order.

Every test acts as the demo editor (Editors + Moderators groups, not a superuser).
"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page
from wagtail.users.models import UserProfile

from accounts.models import User
from courses.models import LessonPage

from .courses_helpers import make_course

PASSWORD = "hocvuso-demo-2026"


@pytest.fixture
def editor(db):
    user = User.objects.create_user(
        phone="0913000003", password=PASSWORD, full_name="Ngô Thanh Bình"
    )
    user.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


class _VisibleText(HTMLParser):
    """Collects a page's text outside <script> and <style>."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "template")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def text_of(response) -> str:
    """The page's visible text, spaces collapsed."""
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


# --- Log-in -------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0913000003", "0913 000 003", "0913.000.003", "+84913000003"])
def test_editor_logs_in_to_the_admin_with_the_phone_as_people_write_it(client, editor, typed):
    response = client.post(reverse("wagtailadmin_login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_wrong_password_gets_a_plain_vietnamese_message(client, editor):
    response = client.post(
        reverse("wagtailadmin_login"), {"username": "0913000003", "password": "sai-mat-khau"}
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "Số điện thoại hoặc mật khẩu không đúng. Hãy thử lại." in text
    # Wagtail's own Vietnamese message glued the field name to the next word.
    assert "thoạikhông" not in text
    assert "_auth_user_id" not in client.session


def test_a_number_that_is_not_a_mobile_number_says_what_to_type(client, editor):
    response = client.post(
        reverse("wagtailadmin_login"), {"username": "12345", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Số điện thoại di động không hợp lệ" in text_of(response)
    assert "_auth_user_id" not in client.session


def test_admin_log_in_page_is_in_vietnamese(client, db):
    text = text_of(client.get(reverse("wagtailadmin_login")))
    assert "Đăng nhập" in text
    assert "Số điện thoại" in text
    for english in ("Sign in", "Enter password", "Remember me", "Forgotten password"):
        assert english not in text


# --- Vietnamese screens and the editor's name ----------------------------------


def sidebar_props(response) -> dict:
    match = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        response.content.decode(),
        flags=re.S,
    )
    return json.loads(match.group(1))


def test_user_menu_shows_the_editors_full_name_not_the_phone(editor_client):
    props = sidebar_props(editor_client.get(reverse("wagtailadmin_home")))
    account = json.dumps(props, ensure_ascii=False)
    assert '"name": "Ngô Thanh Bình"' in account
    assert "+84913000003" not in account


def test_dashboard_and_menu_are_in_vietnamese(editor_client):
    response = editor_client.get(reverse("wagtailadmin_home"))
    text = text_of(response)
    assert "Trang tổng quan" in text
    assert "Chuyển đến nội dung chính" in text
    assert "Skip to main content" not in text
    menu = json.dumps(sidebar_props(response), ensure_ascii=False)
    for vietnamese in ("Hình ảnh", "Tài liệu", "Báo cáo", "Trợ giúp", "Thoát"):
        assert f'"{vietnamese}"' in menu, vietnamese
    for english in ("Images", "Documents", "Reports", "Help", "Log out"):
        assert f'"{english}"' not in menu, english


def test_page_editor_is_in_vietnamese(editor_client):
    course = make_course(lessons=1)
    lesson = course.get_children().first()
    text = text_of(editor_client.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])))
    for vietnamese in ("Lưu bản nháp", "Xuất bản", "Gửi duyệt", "Nội dung", "Xem trước"):
        assert vietnamese in text, vietnamese
    for english in ("Save draft", "Submit for moderation", "Content", "Promote", "Comments"):
        assert not re.search(rf"\b{english}\b", text), english


def test_course_listing_is_in_vietnamese(editor_client):
    course = make_course(lessons=2)
    response = editor_client.get(reverse("wagtailadmin_explore", args=[course.pk]))
    assert 'aria-label="Thêm trang con"' in response.content.decode()
    text = text_of(response)
    assert "Ngày cập nhật" in text
    assert "Thao tác hàng loạt" in text
    for english in ("Add child page", "Date updated", "Bulk actions", "Just now", "pages"):
        assert not re.search(rf"\b{english}\b", text), english


def test_admin_javascript_strings_are_in_vietnamese(editor_client):
    # The sidebar, StreamField and comments are drawn by JavaScript from this catalogue.
    script = editor_client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    assert '"Thu g\\u1ecdn ho\\u1eb7c m\\u1edf thanh b\\u00ean"' in script or (
        "Thu gọn hoặc mở thanh bên" in script
    )


def test_an_editor_who_chose_english_gets_wagtails_english(editor_client, editor):
    UserProfile.get_for_user(editor)
    UserProfile.objects.filter(user=editor).update(preferred_language="en")
    text = text_of(editor_client.get(reverse("wagtailadmin_home")))
    assert "Dashboard" in text
    assert "Trang tổng quan" not in text


# --- Course order ---------------------------------------------------------------


def test_a_courses_lessons_are_listed_in_course_order(editor_client):
    course = make_course(lessons=3)
    first = LessonPage.objects.get(slug="bai-1")
    # Editing the first lesson last made it the most recently updated.
    first.title = "Bài 1 (đã sửa)"
    first.save_revision().publish()

    html = editor_client.get(reverse("wagtailadmin_explore", args=[course.pk])).content.decode()
    positions = [html.index(title) for title in ("Bài 1 (đã sửa)", "Bài 2", "Bài 3")]
    assert positions == sorted(positions)
    assert list(Page.objects.child_of(course).values_list("title", flat=True)) == [
        "Bài 1 (đã sửa)",
        "Bài 2",
        "Bài 3",
    ]


# --- Account settings -------------------------------------------------------------


def account_form(**changes) -> dict:
    """What the account settings page posts when the editor changes only `changes`."""
    data = {
        "locale-preferred_language": "vi",
        "locale-current_time_zone": "",
        "theme-theme": "system",
        "theme-contrast": "system",
        "theme-density": "default",
        "theme-keyboard_shortcuts": "on",
        "notifications-submitted_notifications": "on",
        "notifications-approved_notifications": "on",
        "notifications-rejected_notifications": "on",
        "notifications-updated_comments_notifications": "on",
    }
    return {**data, **changes}


def test_account_settings_ask_one_full_name_and_keep_it(editor_client):
    text = text_of(editor_client.get(reverse("wagtailadmin_account")))
    assert "Họ và tên" in text
    for english in ("First Name", "Last Name", "First name"):
        assert english not in text, english


def test_editor_switches_the_admin_to_english_without_typing_names(editor_client, editor):
    response = editor_client.post(
        reverse("wagtailadmin_account"),
        account_form(
            **{"name_email-full_name": "Ngô Thanh Bình", "locale-preferred_language": "en"}
        ),
    )
    assert response.status_code == 302
    assert UserProfile.get_for_user(editor).preferred_language == "en"
    assert "Dashboard" in text_of(editor_client.get(reverse("wagtailadmin_home")))


def test_editor_corrects_their_name_in_account_settings(editor_client, editor):
    response = editor_client.post(
        reverse("wagtailadmin_account"),
        account_form(
            **{"name_email-full_name": "  Ngô   Thanh Bình\u200b ", "name_email-email": ""}
        ),
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.full_name == "Ngô Thanh Bình"
