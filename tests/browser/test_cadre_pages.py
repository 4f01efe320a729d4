"""Cadre pages on a phone: the province dashboard (chart, lagging wards, sorting by a plain
form; the page has no JavaScript) and the assisted sign-up, from the cadre's slip to the
resident's first login with JavaScript off."""

import re

import pytest
from playwright.sync_api import expect

from training.assignments import assignments_create

from .a11y import assert_accessible
from .test_course_journey import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migrated_db")]


def test_province_dashboard_flags_lagging_ward_and_sorts_with_a_plain_form(
    browser, phone_context_options, live_server, units
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.courses_helpers import make_course
    from tests.training_helpers import make_cadre, make_residents, start

    course = make_course(lessons=1, slug="nhan-dien-lua-dao")
    saigon, tan_dinh = units["Phường Sài Gòn"], units["Phường Tân Định"]
    start(make_residents(saigon, 30, first_phone=100)[:24], course, completed_days_ago=3)
    start(make_residents(tan_dinh, 30, first_phone=200)[:2], course, completed_days_ago=3)
    cadre = make_cadre("0913000401", province=units["hcm"], name="Đặng Thu Hà")
    assignments_create(
        cadre=cadre,
        courses=[course],
        wards=[saigon, tan_dinh],
        due_date=timezone.localdate() + timedelta(days=5),
        whole_province=units["hcm"],
    )
    context = logged_in_context(browser, phone_context_options, live_server, cadre)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/can-bo/")
        page.get_by_role("link", name="Thành phố Hồ Chí Minh").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thành phố Hồ Chí Minh")
        chart = page.get_by_role("img", name="Tỉ lệ hoàn thành theo xã/phường")
        expect(chart).to_be_hidden()  # folded below the table
        page.get_by_text("Biểu đồ hoàn thành theo xã/phường").click()
        expect(chart).to_be_visible()
        expect(chart.locator("g.lagging")).to_contain_text("Phường Tân Định")
        assert chart.bounding_box()["width"] <= 360
        assert_accessible(page, "province-dashboard")

        page.get_by_label("Sắp xếp theo").select_option(label="Vùng trũng trước")
        page.get_by_role("button", name="Sắp xếp").click()
        first_row = page.locator("table.report tbody tr").first
        expect(first_row).to_contain_text("Phường Tân Định")
        expect(first_row).to_contain_text("Vùng trũng")
    finally:
        context.close()


def test_cadre_registers_resident_who_then_logs_in_with_the_slip_code(
    browser, phone_context_options, live_server, units
):
    from accounts.models import Consent, User
    from tests.training_helpers import make_cadre

    cadre = make_cadre("0913000402", wards=[units["Phường Sài Gòn"]], name="Võ Văn Kiệt")
    cadre_context = logged_in_context(browser, phone_context_options, live_server, cadre)
    resident_context = browser.new_context(**phone_context_options, java_script_enabled=False)
    try:
        page = cadre_context.new_page()
        page.goto(f"{live_server.url}/can-bo/dang-ky-nguoi-dan/")
        page.get_by_label("Họ và tên").fill("Bùi Thị Lành")
        page.get_by_label("Số điện thoại di động của người dân").fill("0987 654 321")
        page.get_by_label("Năm sinh (không bắt buộc)").fill("1950")
        page.get_by_role("checkbox", name=re.compile("^Tôi đã đọc cho người dân")).check()
        assert_accessible(page, "resident-register")
        page.get_by_role("button", name="Tạo tài khoản và lấy phiếu").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Phiếu hướng dẫn đăng nhập")
        code = page.locator(".slip-code").inner_text().strip()
        assert re.fullmatch(r"\d{8}", code)
        expect(page.locator(".slip")).to_contain_text("Cán bộ hỗ trợ: Võ Văn Kiệt")
        resident = User.objects.get(phone="+84987654321")
        consent = Consent.objects.get(user=resident)
        assert consent.recorded_by == cadre and consent.recorded_by_name == "Võ Văn Kiệt"

        # The resident, on their own phone, without JavaScript.
        phone = resident_context.new_page()
        phone.goto(f"{live_server.url}/dang-nhap/")
        phone.get_by_role("link", name=re.compile("Đăng nhập lần đầu")).click()
        phone.get_by_label(re.compile("^Số điện thoại")).fill("0987654321")
        phone.get_by_label(re.compile("^Mã đăng nhập lần đầu")).fill(code)
        phone.get_by_role("button", name="Tiếp tục").click()
        phone.get_by_label("Mật khẩu của bạn").fill("lanh-hoc-so-2026")
        phone.get_by_label(re.compile("^Nhập lại")).fill("lanh-hoc-so-2026")
        phone.get_by_role("button", name="Lưu mật khẩu").click()
        expect(phone.get_by_role("heading", level=1, name="Việc học của tôi")).to_be_visible()
        resident.refresh_from_db()
        assert resident.check_password("lanh-hoc-so-2026")
    finally:
        cadre_context.close()
        resident_context.close()
