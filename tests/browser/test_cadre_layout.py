"""Cadre pages at 360 x 740 (phone) and 1280 x 800 (office PC): the one checkbox/radio
component of the site, the province dashboard's layout and the export buttons.
Screenshots go to var/screenshots/ (see conftest.py)."""

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible
from .test_course_journey import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migrated_db")]

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
SIZES = ["phone", "desktop"]


def context_for(size, browser, phone_context_options, live_server, user):
    options = phone_context_options if size == "phone" else DESKTOP
    return logged_in_context(browser, options, live_server, user)


def box_style(locator) -> dict:
    return locator.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {bg: s.backgroundColor, border: s.borderColor, outline: s.outlineStyle}; }"
    )


@pytest.fixture
def province_at_scale(units):
    """HCM with 24 wards that have residents and three courses assigned to the whole city."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Ward
    from accounts.text import fold
    from tests.courses_helpers import make_course
    from tests.training_helpers import make_cadre, make_residents, start
    from training.assignments import assignments_create

    hcm = units["hcm"]
    wards = [units["Phường Sài Gòn"], units["Phường Tân Định"]]
    for n in range(22):
        name = f"Phường Bình Trưng Đông Số {n + 1}"
        wards.append(
            Ward.objects.create(
                code=27000 + n,
                name=name,
                division_type="phường",
                province=hcm,
                search_text=fold(f"{name} {hcm.name}"),
            )
        )
    courses = [make_course(lessons=1, slug=f"khoa-{n}") for n in range(3)]
    for index, ward in enumerate(wards):
        residents = make_residents(ward, 3, first_phone=1000 + index * 10)
        start(residents[: index % 4], courses[0], completed_days_ago=2)
    cadre = make_cadre("0913000501", province=hcm, name="Đặng Thu Hà")
    assignments_create(
        cadre=cadre,
        courses=courses,
        wards=wards,
        due_date=timezone.localdate() + timedelta(days=5),
        whole_province=hcm,
    )
    return cadre


@pytest.mark.parametrize("size", SIZES)
def test_checkboxes_and_radios_hold_their_input_and_show_the_checked_state(
    browser, phone_context_options, live_server, units, size, screenshots
):
    from tests.courses_helpers import make_course
    from tests.training_helpers import make_cadre

    make_course(lessons=1, slug="dung-vneid")
    cadre = make_cadre("0913000502", province=units["hcm"], name="Đặng Thu Hà")
    context = context_for(size, browser, phone_context_options, live_server, cadre)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/can-bo/giao-viec/moi/")
        ward = page.get_by_role("checkbox", name="Phường Tân Định")
        label = page.locator("label.choice", has=ward)
        # The input sits inside its label's box, on the same line, and the box is a 48-px target.
        outer, inner = label.bounding_box(), ward.bounding_box()
        assert outer["height"] >= 48
        assert (
            outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        )
        assert (
            outer["y"] <= inner["y"]
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
        )

        before = box_style(label)
        label.click()  # the whole box ticks it, not only the small square
        expect(ward).to_be_checked()
        after = box_style(label)
        assert after["bg"] != before["bg"] and after["border"] != before["border"]

        # Radios use the same component; the keyboard focus ring goes round the box.
        radio = page.get_by_role("radio", name="Mọi người dân")
        radio_label = page.locator("label.choice", has=radio)
        assert box_style(radio_label)["bg"] == after["bg"]  # checked by default
        radio.focus()
        page.keyboard.press("ArrowDown")  # moves the choice, and focus, to the next radio
        focused = page.locator("label.choice:has(input:focus)")
        assert box_style(focused)["outline"] == "solid"
        if size == "phone":
            assert_accessible(page, "assignment-form")
        screenshots.take(page, "choices-ticked")
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_province_dashboard_table_first_sticky_ward_column_and_folded_chart(
    browser, phone_context_options, live_server, units, province_at_scale, size, screenshots
):
    context = context_for(size, browser, phone_context_options, live_server, province_at_scale)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/can-bo/tinh/{units['hcm'].pk}/")
        table = page.locator("table.report")
        chart = page.get_by_role("img", name="Tỉ lệ hoàn thành theo xã/phường")
        summary = page.get_by_text("Biểu đồ hoàn thành theo xã/phường")
        assert table.bounding_box()["y"] < summary.bounding_box()["y"]
        expect(chart).to_be_hidden()  # folded until asked for

        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.viewport_size["width"]
        assert width <= viewport  # no sideways scrolling of the page itself
        ward_cell = page.locator("table.report tbody th").first
        if size == "desktop":
            # The report uses the office screen: far wider than the 640-px reading column,
            # and a ward's name stays on one line.
            assert (
                table.bounding_box()["width"] > 900
                or page.locator("main").bounding_box()["width"] > 900
            )
            assert ward_cell.bounding_box()["height"] < 40
        else:
            wrap = page.locator(".table-wrap")
            assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # 9 columns at 360 px
            left = ward_cell.bounding_box()["x"]
            wrap.evaluate("el => { el.scrollLeft = 400; }")
            assert wrap.evaluate("el => el.scrollLeft") > 0
            assert abs(ward_cell.bounding_box()["x"] - left) < 1  # the ward column stays put
            second = page.locator("table.report tbody td").first
            assert second.bounding_box()["x"] < left + 50  # ... while the figures slid under it
            wrap.evaluate("el => { el.scrollLeft = 0; }")
            assert_accessible(page, "province-dashboard-scale")

        for button in page.locator(".exports a.button").all():
            assert button.bounding_box()["height"] >= 44

        summary.click()
        expect(chart).to_be_visible()
        screenshots.take(page, "chart-unfolded")
    finally:
        context.close()
