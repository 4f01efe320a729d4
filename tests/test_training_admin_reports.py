"""Ward completion reports in the Wagtail admin: figures per ward, lagging flag, CSV/XLSX."""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from training.assignments import assignments_create

from .courses_helpers import make_course
from .training_helpers import make_cadre, make_residents, start

PROVINCE_URL = "training_reports:province"
WARD_URL = "training_reports:ward"
HEADINGS = [
    "Xã/phường",
    "Người đăng ký",
    "Thuộc đối tượng",
    "Đã bắt đầu",
    "Đã hoàn thành",
    "Tỉ lệ hoàn thành (%)",
    "Tăng 7 ngày (điểm %)",
    "Tăng 30 ngày (điểm %)",
    "Chứng nhận",
    "Quá hạn",
    "Vùng trũng",
]


@pytest.fixture
def admin(db):
    return User.objects.create_superuser(phone="0900000001", password="x", full_name="Quản trị")


@pytest.fixture
def editor(db):
    user = User.objects.create_user(phone="0900000002", password="x", full_name="Biên tập viên")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def course(db):
    return make_course(lessons=1, slug="dung-vneid")


@pytest.fixture
def province_data(units, course, admin):
    """Hồ Chí Minh City: Sài Gòn completes well, Tân Định lags (80% against 6.7%)."""
    saigon, tan_dinh = units["Phường Sài Gòn"], units["Phường Tân Định"]
    good = make_residents(saigon, 30, first_phone=2000)
    poor = make_residents(tan_dinh, 30, first_phone=3000)
    start(good[:24], course, completed_days_ago=10, certificate=True)
    start(good[24:], course)
    start(poor[:2], course, completed_days_ago=40)
    assignments_create(
        cadre=admin,
        courses=[course],
        wards=[saigon, tan_dinh],
        due_date=timezone.localdate() + timedelta(days=10),
    )
    return saigon, tan_dinh


def table_rows(html: str) -> dict[str, str]:
    """The report's table rows by their first cell's text (the ward or course)."""
    listing = html[html.index('id="listing-results"') :]
    body = listing[listing.index("<tbody") : listing.index("</tbody>")]
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", body, re.S):
        cells = re.findall(r"<td.*?</td>", row, re.S)
        if cells:
            rows[re.sub(r"<[^>]+>|\s+", " ", cells[0]).strip()] = row
    return rows


def cell_texts(row: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r"<td.*?</td>", row, re.S)
    ]


@pytest.mark.parametrize("who", ["admin", "editor"])
def test_admin_and_editor_see_every_ward_of_the_province_with_the_lagging_flag(
    client, request, units, province_data, who
):
    saigon, tan_dinh = province_data
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(PROVINCE_URL), {"province": units["hcm"].pk})
    assert response.status_code == 200
    html = response.content.decode()
    for heading in HEADINGS:
        assert heading in html
    rows = table_rows(html)
    assert set(rows) == {saigon.name, tan_dinh.name}
    # Sài Gòn: 30 registered, all in scope, 30 started, 24 done (80%), +80 points in 30 days.
    assert cell_texts(rows[saigon.name])[1:10] == [
        "30",
        "30",
        "30",
        "24",
        "80,0",
        "0,0",
        "80,0",
        "24",
        "0",
    ]
    assert "Vùng trũng" in cell_texts(rows[tan_dinh.name])
    assert "Vùng trũng" not in cell_texts(rows[saigon.name])
    # Each ward links to its own report; no resident's name or phone anywhere.
    assert f"{reverse(WARD_URL)}?ward={saigon.pk}" in html
    assert f"Người dân {saigon.code}-0" not in html and "+84900002000" not in html


def test_province_report_sorts_lagging_wards_first(client, admin, units, province_data):
    saigon, tan_dinh = province_data
    client.force_login(admin)
    html = client.get(
        reverse(PROVINCE_URL), {"province": units["hcm"].pk, "ordering": "vung-trung"}
    ).content.decode()
    assert list(table_rows(html)) == [tan_dinh.name, saigon.name]
    # An unknown ordering falls back to the ward name.
    html = client.get(
        reverse(PROVINCE_URL), {"province": units["hcm"].pk, "ordering": "nonsense"}
    ).content.decode()
    assert list(table_rows(html)) == [saigon.name, tan_dinh.name]


def test_province_report_defaults_to_the_first_province_by_name(client, admin, units):
    client.force_login(admin)
    response = client.get(reverse(PROVINCE_URL))
    assert response.status_code == 200
    assert response.context["view"].province == units["hanoi"]  # "Hà Nội" before "Hồ Chí Minh"


def test_xlsx_export_has_vietnamese_headings_and_the_figures(client, editor, units, province_data):
    saigon, tan_dinh = province_data
    client.force_login(editor)
    response = client.get(reverse(PROVINCE_URL), {"province": units["hcm"].pk, "export": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(HEADINGS)]) == HEADINGS
    # One more column: the completion rate of the single assignment.
    assert rows[0][len(HEADINGS)].startswith("Khóa dung-vneid · hạn ")
    by_ward = {row[0]: row for row in rows[1:]}
    assert set(by_ward) == {saigon.name, tan_dinh.name}
    assert by_ward[saigon.name][1:6] == (30, 30, 30, 24, 80.0)
    assert by_ward[tan_dinh.name][10] == "Có" and by_ward[saigon.name][10] == "Không"
    assert by_ward[tan_dinh.name][11] == pytest.approx(6.7)


def test_csv_export_of_a_ward_lists_its_assignments(client, admin, province_data, course):
    saigon, _tan_dinh = province_data
    client.force_login(admin)
    response = client.get(reverse(WARD_URL), {"ward": saigon.pk, "export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "Khóa học",
        "Hạn hoàn thành",
        "Đối tượng",
        *HEADINGS[2:10],
    ]
    due = timezone.localdate() + timedelta(days=10)
    assert rows[1][:9] == [course.title, f"{due:%d/%m/%Y}", "Mọi người dân"] + [
        "30",
        "30",
        "24",
        "80.0",
        "0.0",
        "80.0",
    ]
    assert len(rows) == 2


def test_ward_report_page_shows_figures_without_names(client, editor, province_data, course):
    saigon, _tan_dinh = province_data
    client.force_login(editor)
    response = client.get(reverse(WARD_URL), {"ward": saigon.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert course.title in table_rows(html)
    assert "30 người đăng ký" in html
    assert f"Người dân {saigon.code}-0" not in html and "+84900002000" not in html


def test_province_csv_export_has_the_same_headings(client, admin, units, province_data):
    client.force_login(admin)
    response = client.get(reverse(PROVINCE_URL), {"province": units["hcm"].pk, "export": "csv"})
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert next(csv.reader([header]))[: len(HEADINGS)] == HEADINGS


def test_a_learner_is_refused(client, learner, units, province_data):
    saigon, _tan_dinh = province_data
    client.force_login(learner)
    for url, params in [
        (reverse(PROVINCE_URL), {"province": units["hcm"].pk}),
        (reverse(WARD_URL), {"ward": saigon.pk}),
        (reverse(PROVINCE_URL), {"province": units["hcm"].pk, "export": "csv"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_admin_user_without_report_scope_is_refused_and_sees_no_menu_item(
    client, units, province_data
):
    user = User.objects.create_user(phone="0900000003", password="x", full_name="Chỉ vào admin")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse(PROVINCE_URL), {"province": units["hcm"].pk})
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "ward-completion" not in home and reverse(PROVINCE_URL) not in home


def test_editor_sees_the_menu_item(client, editor, units):
    client.force_login(editor)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert '"name": "ward-completion"' in home
    assert f'"url": "{reverse(PROVINCE_URL)}"' in home


@pytest.fixture
def ward_cadre_in_admin(units):
    """A ward cadre who was also given access to the Wagtail admin."""
    cadre = make_cadre("0913000101", wards=[units["Phường Sài Gòn"]])
    cadre.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return cadre


def test_ward_cadre_in_admin_sees_only_their_ward(
    client, units, province_data, ward_cadre_in_admin
):
    saigon, tan_dinh = province_data
    client.force_login(ward_cadre_in_admin)
    response = client.get(reverse(PROVINCE_URL))  # defaults to their only province
    assert response.status_code == 200
    assert list(table_rows(response.content.decode())) == [saigon.name]
    # The province median would tell about wards they do not see.
    assert "median_rate" not in response.context
    assert client.get(reverse(WARD_URL), {"ward": saigon.pk}).status_code == 200
    assert client.get(reverse(WARD_URL), {"ward": tan_dinh.pk}).status_code == 404
    export = client.get(reverse(WARD_URL), {"ward": tan_dinh.pk, "export": "csv"})
    assert export.status_code == 404
    province = client.get(reverse(PROVINCE_URL), {"province": units["hanoi"].pk})
    assert province.status_code == 404


@pytest.mark.parametrize(
    "url, params",
    [
        (PROVINCE_URL, {"province": "abc"}),
        (PROVINCE_URL, {"province": "99999999999999999999999"}),
        (PROVINCE_URL, {"province": "0"}),
        (PROVINCE_URL, {"province": "abc", "export": "xlsx"}),
        (WARD_URL, {}),
        (WARD_URL, {"ward": "abc"}),
        (WARD_URL, {"ward": "99999999999999999999999"}),
        (WARD_URL, {"ward": "٣"}),
    ],
)
def test_bad_ids_are_a_404_not_a_500(client, admin, units, url, params):
    client.force_login(admin)
    assert client.get(reverse(url), params).status_code == 404


def test_province_report_queries_do_not_grow_with_residents(client, admin, units, course):
    saigon, tan_dinh = units["Phường Sài Gòn"], units["Phường Tân Định"]
    assignments_create(
        cadre=admin,
        courses=[course],
        wards=[saigon, tan_dinh],
        due_date=timezone.localdate() + timedelta(days=10),
    )
    client.force_login(admin)
    url, params = reverse(PROVINCE_URL), {"province": units["hcm"].pk}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    start(make_residents(saigon, 3, first_phone=4000), course, completed_days_ago=1)
    count()  # the first request also loads the session, the site, the settings
    few = count()
    start(make_residents(saigon, 40, first_phone=5000), course, completed_days_ago=1)
    start(make_residents(tan_dinh, 40, first_phone=6000), course)
    assert count() == few
