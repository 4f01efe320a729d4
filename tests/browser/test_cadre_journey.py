"""A ward cadre assigns a demo course on a phone; a resident of the ward sees it as
assigned and completes it; the cadre's ward dashboard shows them done, with a certificate."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .a11y import assert_accessible
from .test_course_journey import DEMO_COURSE, answer, logged_in_context, open_attempt

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migrated_db")]


def test_cadre_assigns_resident_completes_dashboard_shows_certificate(
    browser, phone_context_options, live_server, learner, units
):
    from learning.demo.seed import catalogue_page, course_create
    from tests.training_helpers import make_cadre

    spec = json.loads(DEMO_COURSE.read_text(encoding="utf-8"))
    course_create(catalogue_page(), spec)
    ward = units["Phường Sài Gòn"]
    cadre = make_cadre("0913000201", wards=[ward], name="Võ Thị Lan")
    due = timezone.localdate() + timedelta(days=7)

    cadre_context = logged_in_context(browser, phone_context_options, live_server, cadre)
    resident_context = logged_in_context(browser, phone_context_options, live_server, learner)
    try:
        page = cadre_context.new_page()
        page.goto(f"{live_server.url}/can-bo/")
        assert_accessible(page, "cadre-dashboard")
        page.get_by_role("link", name="Giao khóa học").first.click()
        page.get_by_label(spec["title"]).check()
        expect(page.get_by_label("Phường Sài Gòn")).to_be_checked()  # their only ward
        page.get_by_label("Hạn hoàn thành (ngày/tháng/năm)").fill(due.strftime("%d/%m/%Y"))
        assert_accessible(page, "assignment-form")
        page.get_by_role("button", name="Giao khóa học").click()
        expect(page.get_by_text("Đã giao 1 khóa học.")).to_be_visible()

        # The resident: the course is marked assigned, with its due date, and listed first.
        learner_page = resident_context.new_page()
        learner_page.goto(f"{live_server.url}/hoc/khoa-hoc/")
        first_card = learner_page.locator(".card").first
        expect(first_card).to_contain_text(spec["title"])
        expect(first_card).to_contain_text(f"Được giao · Hạn {due:%d/%m/%Y}")
        learner_page.get_by_role("link", name=spec["title"]).click()
        learner_page.get_by_role("button", name="Bắt đầu", exact=True).click()
        for lesson in spec["lessons"]:
            expect(
                learner_page.get_by_role("heading", level=1, name=lesson["title"])
            ).to_be_visible()
            learner_page.get_by_role("button", name="Hoàn thành và tiếp tục").click()
        learner_page.get_by_role("button", name="Bắt đầu làm bài").click()
        answer(learner_page, open_attempt(learner_page), correct=True)
        learner_page.get_by_role("button", name="Nộp bài").click()
        expect(learner_page.locator(".score")).to_contain_text("Đạt")

        # The cadre's ward dashboard: one completed, one certificate, the resident listed done.
        page.goto(f"{live_server.url}/can-bo/xa/{ward.pk}/")
        card = page.locator(".card", has_text=spec["title"])
        expect(card.locator("div", has_text="Đã hoàn thành").locator("dd")).to_contain_text("1")
        expect(card.locator("div", has_text="Đã cấp chứng nhận").locator("dd")).to_have_text("1")
        line = page.locator(".resident", has_text=learner.full_name)
        expect(line).to_contain_text("Đã hoàn thành")
        expect(line).to_contain_text("Chứng nhận HVS-")
        expect(line).to_contain_text(learner.phone_masked)
        assert_accessible(page, "ward-dashboard")
        page.get_by_role("combobox", name="Trạng thái").select_option(label="Chưa học")
        page.get_by_role("button", name="Lọc").click()
        expect(page.locator(".resident", has_text=learner.full_name)).to_have_count(0)
    finally:
        cadre_context.close()
        resident_context.close()
