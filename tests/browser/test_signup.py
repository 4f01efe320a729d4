"""A new citizen signs up on a phone, with JavaScript on and off."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "hoc-vu-so-2026"


def fill_person(page: Page, *, name: str, phone: str) -> None:
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Số điện thoại di động").fill(phone)


def fill_passwords_and_consent(page: Page) -> None:
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu", exact=True).fill(PASSWORD)
    consent = page.get_by_role("checkbox", name=re.compile("^Tôi đồng ý"))
    expect(consent).not_to_be_checked()
    consent.check()


def assert_signed_up(page: Page, live_server, *, name: str, phone: str) -> None:
    from accounts.models import Consent, User

    # A new learner lands on their learning, logged in (the header shows the folded menu).
    expect(page).to_have_url(f"{live_server.url}/hoc/cua-toi/")
    expect(page.get_by_role("heading", level=1, name="Việc học của tôi")).to_be_visible()
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()
    expect(page.locator(".site-header summary", has_text="Menu")).to_be_visible()
    page.goto(f"{live_server.url}/tai-khoan/")
    expect(page.get_by_label("Họ và tên")).to_have_value(name)

    user = User.objects.get(phone=phone)
    assert user.full_name == name
    assert user.ward.name == "Phường Sài Gòn"
    assert Consent.objects.filter(user=user).count() == 1


def test_signup_with_javascript(phone_page, live_server, units):
    page = phone_page
    page.goto(f"{live_server.url}/dang-ky/")
    fill_person(page, name="Trần Văn Bình", phone="0912.345.678")

    # Choosing the province fills the ward list by fetch, without a reload.
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thành phố Hồ Chí Minh")
    ward = page.get_by_label("Xã/phường/đặc khu", exact=True)
    expect(ward.locator("option", has_text="Phường Sài Gòn")).to_be_attached()
    ward.select_option(label="Phường Sài Gòn")
    # The no-JavaScript "show wards" button is hidden when scripts run.
    expect(page.get_by_role("button", name="Xem danh sách xã/phường")).to_be_hidden()

    fill_passwords_and_consent(page)
    page.get_by_role("button", name="Tạo tài khoản").click()

    assert_signed_up(page, live_server, name="Trần Văn Bình", phone="+84912345678")


def test_signup_without_javascript_by_former_ward_name(
    browser, phone_context_options, live_server, units
):
    context = browser.new_context(**phone_context_options, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/dang-ky/")
        fill_person(page, name="Lê Thị Mai", phone="0987 654 321")

        # Only the pre-2025 name is known: the "Tìm" button reloads the form server-side.
        page.get_by_label("Tìm xã/phường (tên mới hoặc tên cũ)").fill("ben nghe")
        page.get_by_role("button", name="Tìm", exact=True).click()
        page.wait_for_load_state()

        # What was typed before the reload is kept; no errors shown for a reload.
        expect(page.get_by_label("Họ và tên")).to_have_value("Lê Thị Mai")
        expect(page.locator(".error")).to_have_count(0)

        option = page.get_by_role("radio", name=re.compile("Phường Sài Gòn"))
        expect(option).to_have_count(1)
        label = page.locator("label", has=option)
        expect(label).to_contain_text("Phường Sài Gòn")
        expect(label).to_contain_text("trước đây")
        expect(label).to_contain_text("Phường Bến Nghé")
        option.check()

        fill_passwords_and_consent(page)
        page.get_by_role("button", name="Tạo tài khoản").click()

        assert_signed_up(page, live_server, name="Lê Thị Mai", phone="+84987654321")
    finally:
        context.close()


def test_signup_page_fits_a_phone_and_labels_every_field(phone_page, live_server, units):
    page = phone_page
    page.goto(f"{live_server.url}/dang-ky/")
    page.wait_for_load_state("networkidle")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"page is {scroll_width}px wide at a 360px viewport"

    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll("input, select, textarea"))
            .filter((el) => el.type !== "hidden")
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
            .map((el) => el.outerHTML)"""
    )
    assert unlabelled == []


def test_changing_province_after_a_search_brings_back_the_ward_list(phone_page, live_server, units):
    page = phone_page
    page.goto(f"{live_server.url}/dang-ky/")
    fill_person(page, name="Lê Văn Tâm", phone="0987 111 222")
    page.get_by_label("Tìm xã/phường (tên mới hoặc tên cũ)").fill("ben nghe")
    page.get_by_role("button", name="Tìm", exact=True).click()  # server-side results
    expect(page.get_by_role("radio", name=re.compile("Phường Sài Gòn"))).to_be_visible()

    page.get_by_label("Tỉnh/thành phố").select_option(label="Thành phố Hà Nội")
    ward = page.get_by_label("Xã/phường/đặc khu", exact=True)
    expect(ward.locator("option", has_text="Phường Ba Đình")).to_be_attached()
    expect(page.get_by_label("Họ và tên")).to_have_value("Lê Văn Tâm")  # nothing typed is lost
