"""Cadres download the ward and province lists as CSV or XLSX; long lists come from a worker."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from accounts.models import Role, User
from certificates.services import certificate_issue
from courses import services as course_services
from training.assignments import assignments_create
from training.exports.jobs import export_build, export_request
from training.models import Export, TrainingSettings

from .courses_helpers import make_course

RESIDENT_HEADINGS = [
    "Họ và tên",
    "Năm sinh",
    "Số điện thoại",
    "Khóa học",
    "Hạn",
    "Trạng thái",
    "Tiến độ (%)",
    "Ngày hoàn thành",
    "Số chứng nhận",
]


def cadre(phone: str, *wards, role=Role.WARD_CADRE, province=None) -> User:
    user = User.objects.create_user(
        phone=phone, password="x", full_name=f"Cán bộ {phone[-3:]}", role=role
    )
    if province is not None:
        user.managed_province = province
        user.save()
    user.managed_wards.add(*wards)
    return user


def resident(phone: str, name: str, ward, birth_year: int = 1960) -> User:
    return User.objects.create_user(
        phone=phone, password="x", full_name=name, ward=ward, birth_year=birth_year
    )


def steps(course):
    return list(course.get_children().live().specific().order_by("path"))


@pytest.fixture
def world(units):
    """Three residents in Sài Gòn (finished with a certificate, half-way, not started), one in
    Tân Định (not started), a course assigned to both wards and cadres of several scopes."""
    saigon, tandinh = units["Phường Sài Gòn"], units["Phường Tân Định"]
    course = make_course(lessons=2, slug="dung-vneid")
    province_cadre = cadre("0901000009", role=Role.PROVINCE_CADRE, province=units["hcm"])
    due = timezone.localdate() + datetime.timedelta(days=30)
    (assignment,) = assignments_create(
        cadre=province_cadre, courses=[course], wards=[saigon, tandinh], due_date=due
    )
    an = resident("0912345678", "Nguyễn Văn An", saigon, 1955)
    binh = resident("0912000222", "Trần Thị Bình", saigon, 1962)
    cuong = resident("0912000333", "Lê Văn Cường", saigon, 1970)
    dung = resident("0912000444", "Phạm Văn Dũng", tandinh, 1958)
    first, second = steps(course)
    for person, done in ((an, [first, second]), (binh, [first])):
        course_services.enrollment_start(user=person, course=course)
        for step in done:
            course_services.step_complete(user=person, step=step)
    certificate = certificate_issue(enrollment=an.enrollments.get(course=course))
    return {
        "saigon": saigon,
        "tandinh": tandinh,
        "course": course,
        "assignment": assignment,
        "due": due,
        "an": an,
        "binh": binh,
        "cuong": cuong,
        "dung": dung,
        "certificate": certificate,
        "cadre": cadre("0901000001", saigon),
        "second_cadre": cadre("0901000002", saigon),
        "tandinh_cadre": cadre("0901000003", tandinh),
        "province_cadre": province_cadre,
    }


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the diacritics
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_sheet(response):
    body = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(body)).active


def ward_export(client, world, file_format="csv", query=""):
    url = reverse("training:ward_export", args=[world["saigon"].pk, file_format])
    return client.get(f"{url}?{query}" if query else url)


def background_from(rows: int) -> None:
    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.background_export_rows = rows
    training.save()


# ---------------------------------------------------------------- straight away


def test_ward_csv_lists_only_that_wards_residents_under_vietnamese_headings(client, world):
    client.force_login(world["cadre"])
    response = ward_export(client, world)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert (
        f'filename="nguoi-dan-phuong-sai-gon-{today:%Y%m%d}.csv"'
        in (response["Content-Disposition"])
    )
    header, *rows = csv_rows(response)
    assert header == RESIDENT_HEADINGS
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}  # not Dũng
    due = f"{world['due']:%d/%m/%Y}"
    assert by_name["Nguyễn Văn An"] == [
        "Nguyễn Văn An",
        "1955",
        "0912•••678",
        "Khóa dung-vneid",
        due,
        "Đã hoàn thành",
        "100",
        f"{today:%d/%m/%Y}",
        world["certificate"].number,
    ]
    assert by_name["Trần Thị Bình"][5:9] == ["Đang học", "50", "", ""]
    assert by_name["Lê Văn Cường"][5:9] == ["Chưa học", "0", "", ""]
    # full numbers only through the logged "Hiện số" action, never in a file
    assert "0912345678" not in str(rows) and "+84912345678" not in str(rows)


@pytest.mark.parametrize(
    "query, names",
    [
        ("trang_thai=hoan-thanh", {"Nguyễn Văn An"}),
        ("trang_thai=chua-hoc", {"Lê Văn Cường"}),
        ("q=binh", {"Trần Thị Bình"}),
        ("q=333", {"Lê Văn Cường"}),
        ("trang_thai=dang-hoc&q=nguyen", set()),
    ],
)
def test_ward_export_keeps_the_filters_of_the_page(client, world, query, names):
    client.force_login(world["cadre"])
    query = f"giao={world['assignment'].pk}&{query}"
    _header, *rows = csv_rows(ward_export(client, world, query=query))
    assert {row[0] for row in rows} == names


def test_ward_export_without_an_assignment_lists_residents_only(client, world):
    client.force_login(world["cadre"])
    _header, *rows = csv_rows(ward_export(client, world, query="giao="))
    assert len(rows) == 3
    assert all(row[3:8] == ["", "", "", "", ""] for row in rows)


def test_ward_xlsx_opens_with_a_bold_header_and_real_dates(client, world):
    client.force_login(world["cadre"])
    response = ward_export(client, world, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = xlsx_sheet(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == RESIDENT_HEADINGS
    assert sheet["A1"].font.b
    # By given name: An, Bình, Cường.
    assert [row[0] for row in rows[1:]] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    an = rows[1]
    assert an[2] == "0912•••678" and an[5] == "Đã hoàn thành" and an[6] == 100
    assert an[4].date() == world["due"]  # a date cell, shown dd/mm/yyyy
    assert sheet["E2"].number_format == "DD/MM/YYYY"


def test_a_name_that_looks_like_a_formula_stays_text(client, world):
    resident("0912000555", "=HYPERLINK(1)", world["saigon"])
    client.force_login(world["cadre"])
    _header, *rows = csv_rows(ward_export(client, world))
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]
    sheet = xlsx_sheet(ward_export(client, world, "xlsx"))
    cell = next(c for c in sheet["A"] if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"


def test_province_xlsx_lists_its_wards_with_figures_and_lagging_flags(client, world, units):
    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.lagging_min_residents = 1
    training.save()
    client.force_login(world["province_cadre"])
    response = client.get(reverse("training:province_export", args=[units["hcm"].pk, "xlsx"]))
    assert response.status_code == 200
    rows = list(xlsx_sheet(response).iter_rows(values_only=True))
    assert list(rows[0]) == [
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
        f"Khóa dung-vneid · hạn {world['due']:%d/%m/%Y} (%)",
    ]
    by_ward = {row[0]: row for row in rows[1:]}
    assert set(by_ward) == {"Phường Sài Gòn", "Phường Tân Định"}  # not Hà Nội's wards
    assert by_ward["Phường Sài Gòn"][1:6] == (3, 3, 2, 1, 33.3)
    assert by_ward["Phường Sài Gòn"][8] == 1 and by_ward["Phường Sài Gòn"][10] == "Không"
    assert by_ward["Phường Tân Định"][10] == "Có"
    assert by_ward["Phường Tân Định"][11] == 0


def test_the_admin_report_and_the_cadres_file_are_one_province_table(client, world, units):
    """Same headings, same cells, blanks included: a ward nothing assigned reaches has no
    rate (blank, not 0) in the Wagtail report's export and in the cadre's file alike."""
    from accounts.models import Ward

    ben_thanh = Ward.objects.create(
        code=26746, name="Phường Bến Thành", division_type="phường", province=units["hcm"]
    )
    resident("0912000777", "Người Bến Thành", ben_thanh)
    client.force_login(world["province_cadre"])
    cadres_file = xlsx_sheet(
        client.get(reverse("training:province_export", args=[units["hcm"].pk, "xlsx"]))
    )
    client.force_login(User.objects.create_superuser(phone="0900000009", password="x"))
    admins_file = xlsx_sheet(
        client.get(
            reverse("training_reports:province"), {"province": units["hcm"].pk, "export": "xlsx"}
        )
    )
    cadres_rows = list(cadres_file.iter_rows(values_only=True))
    assert list(admins_file.iter_rows(values_only=True)) == cadres_rows
    by_ward = {row[0]: row for row in cadres_rows[1:]}
    assert by_ward["Phường Bến Thành"][1:3] == (1, 0)  # registered, reached by nothing
    assert by_ward["Phường Bến Thành"][5:8] == (None, None, None)  # rates blank
    assert by_ward["Phường Bến Thành"][11] is None


def test_province_csv_follows_the_sort_of_the_page(client, world, units):
    client.force_login(world["province_cadre"])
    url = reverse("training:province_export", args=[units["hcm"].pk, "csv"])
    _header, *rows = csv_rows(client.get(url + "?sap-xep=-ti-le"))
    assert [row[0] for row in rows] == ["Phường Sài Gòn", "Phường Tân Định"]
    _header, *rows = csv_rows(client.get(url + "?sap-xep=ti-le"))
    assert [row[0] for row in rows] == ["Phường Tân Định", "Phường Sài Gòn"]


# ---------------------------------------------------------------- scope and bad input


def test_a_cadre_of_another_ward_gets_404(client, world):
    client.force_login(world["tandinh_cadre"])
    assert ward_export(client, world, "csv").status_code == 404
    assert ward_export(client, world, "xlsx").status_code == 404


def test_ward_cadres_and_other_provinces_get_404_for_a_province_export(client, world, units):
    url = reverse("training:province_export", args=[units["hcm"].pk, "csv"])
    client.force_login(world["cadre"])
    assert client.get(url).status_code == 404
    hanoi_cadre = cadre("0901000010", role=Role.PROVINCE_CADRE, province=units["hanoi"])
    client.force_login(hanoi_cadre)
    assert client.get(url).status_code == 404


def test_a_format_other_than_csv_or_xlsx_is_404(client, world, units):
    client.force_login(world["cadre"])
    assert ward_export(client, world, "pdf").status_code == 404
    client.force_login(world["province_cadre"])
    url = reverse("training:province_export", args=[units["hcm"].pk, "pdf"])
    assert client.get(url).status_code == 404


def test_learners_get_404_and_visitors_are_sent_to_log_in(client, world):
    assert ward_export(client, world).status_code == 302
    client.force_login(world["an"])
    assert ward_export(client, world).status_code == 404


def test_a_tampered_filter_is_ignored_not_an_error(client, world):
    client.force_login(world["cadre"])
    response = ward_export(client, world, query="giao=abc&trang_thai=xyz&q=" + "a" * 500)
    assert response.status_code == 200


# ---------------------------------------------------------------- in the background


def test_a_long_list_is_written_in_the_background_and_downloaded_when_ready(
    client, world, django_capture_on_commit_callbacks
):
    background_from(2)
    client.force_login(world["cadre"])
    with django_capture_on_commit_callbacks(execute=True):
        response = ward_export(client, world, "xlsx", query="trang_thai=")
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:export_status", args=[export.pk])
    assert export.status == Export.Status.READY
    assert (export.rows_done, export.rows_total, export.percent) == (3, 3, 100)
    assert export.requested_by == world["cadre"] and export.kind == Export.Kind.WARD_RESIDENTS

    page = client.get(response["Location"]).content.decode()
    download = reverse("training:export_download", args=[export.pk])
    assert download in page and "Đã xong: 3 dòng" in page
    assert 'http-equiv="refresh"' not in page

    reply = client.get(download)
    assert reply.status_code == 200
    assert reply["Cache-Control"] == "private, no-store"
    assert (
        f"nguoi-dan-phuong-sai-gon-{timezone.localdate():%Y%m%d}.xlsx"
        in (reply["Content-Disposition"])
    )
    rows = list(xlsx_sheet(reply).iter_rows(values_only=True))
    assert list(rows[0]) == RESIDENT_HEADINGS and len(rows) == 4


def test_someone_elses_export_is_404_even_for_a_cadre_of_the_same_ward(
    client, world, django_capture_on_commit_callbacks
):
    background_from(2)
    client.force_login(world["cadre"])
    with django_capture_on_commit_callbacks(execute=True):
        ward_export(client, world, "csv")
    export = Export.objects.get()
    for someone in (world["second_cadre"], world["tandinh_cadre"], world["an"]):
        client.force_login(someone)
        assert client.get(reverse("training:export_status", args=[export.pk])).status_code == 404
        assert client.get(reverse("training:export_download", args=[export.pk])).status_code == 404


def test_a_cadre_whose_ward_was_taken_away_can_no_longer_download(
    client, world, django_capture_on_commit_callbacks
):
    background_from(2)
    client.force_login(world["cadre"])
    with django_capture_on_commit_callbacks(execute=True):
        ward_export(client, world, "csv")
    export = Export.objects.get()
    download = reverse("training:export_download", args=[export.pk])
    assert client.get(download).status_code == 200
    world["cadre"].managed_wards.clear()
    assert client.get(download).status_code == 404
    assert client.get(reverse("training:export_status", args=[export.pk])).status_code == 404


def test_the_worker_fails_an_export_whose_cadre_lost_the_ward_and_writes_nothing(
    world, django_capture_on_commit_callbacks
):
    params = {"ward": world["saigon"].pk, "assignment": None, "status": "", "q": ""}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = export_request(
            user=world["cadre"], kind=Export.Kind.WARD_RESIDENTS, file_format="csv", params=params
        )
    world["cadre"].managed_wards.clear()
    for callback in callbacks:
        callback()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert "không còn phụ trách" in export.error
    assert not export.file


def test_an_export_request_outside_the_scope_is_refused(world):
    from training.exports.tables import ExportRefused

    params = {"ward": world["saigon"].pk}
    with pytest.raises(ExportRefused):
        export_request(
            user=world["tandinh_cadre"],
            kind=Export.Kind.WARD_RESIDENTS,
            file_format="csv",
            params=params,
        )
    assert not Export.objects.exists()


def test_a_ready_export_is_not_built_again_and_a_repeat_request_reuses_a_queued_one(
    world, django_capture_on_commit_callbacks
):
    params = {"ward": world["saigon"].pk, "assignment": None, "status": "", "q": ""}
    request = {
        "user": world["cadre"],
        "kind": Export.Kind.WARD_RESIDENTS,
        "file_format": "csv",
        "params": params,
    }
    with django_capture_on_commit_callbacks(execute=False):
        first = export_request(**request)
        assert export_request(**request) == first  # a double click: one export
    export_build(export_id=first.pk)
    first.refresh_from_db()
    name, finished = first.file.name, first.finished_at
    export_build(export_id=first.pk)  # a redelivered message
    first.refresh_from_db()
    assert (first.status, first.file.name, first.finished_at) == ("ready", name, finished)


def test_the_status_page_refreshes_itself_and_shows_progress_while_running(client, world):
    export = Export.objects.create(
        requested_by=world["cadre"],
        kind=Export.Kind.WARD_RESIDENTS,
        file_format="xlsx",
        params={"ward": world["saigon"].pk},
        status=Export.Status.RUNNING,
        rows_total=4000,
        rows_done=1000,
    )
    client.force_login(world["cadre"])
    page = client.get(reverse("training:export_status", args=[export.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert 'value="25"' in page and "1000/4000" in page
    assert reverse("training:export_download", args=[export.pk]) not in page
    assert client.get(reverse("training:export_download", args=[export.pk])).status_code == 404


def test_a_failed_export_says_why_in_vietnamese(client, world):
    export = Export.objects.create(
        requested_by=world["cadre"],
        kind=Export.Kind.WARD_RESIDENTS,
        file_format="csv",
        params={"ward": world["saigon"].pk},
        status=Export.Status.FAILED,
        error="Không xuất được danh sách do lỗi hệ thống. Hãy thử lại.",
    )
    client.force_login(world["cadre"])
    page = client.get(reverse("training:export_status", args=[export.pk])).content.decode()
    assert "Không xuất được danh sách" in page and "refresh" not in page


def test_a_broken_writer_fails_the_export_with_a_message_instead_of_raising(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from training.exports import jobs

    def broken(*args, **kwargs):
        raise ValueError("hỏng")

    monkeypatch.setattr(jobs, "write", broken)
    params = {"ward": world["saigon"].pk, "assignment": None, "status": "", "q": ""}
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(
            user=world["cadre"], kind=Export.Kind.WARD_RESIDENTS, file_format="csv", params=params
        )
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "lỗi hệ thống" in export.error


def test_the_export_holds_every_page_with_a_flat_number_of_queries(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["cadre"])
    ward_export(client, world)  # warm the caches (site, course outline) first
    with CaptureQueriesContext(connection) as few:
        _header, *rows = csv_rows(ward_export(client, world))
    assert len(rows) == 3
    for n in range(57):  # more than one page (50) of the ward list
        resident(f"09130{n:05d}", f"Người dân {n:02d}", world["saigon"])
    with CaptureQueriesContext(connection) as many:
        _header, *rows = csv_rows(ward_export(client, world))
    assert len(rows) == 60
    assert len(many) == len(few)


def test_rows_are_written_chunk_by_chunk_with_progress_and_none_lost(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from training.exports import jobs, tables

    monkeypatch.setattr(tables, "CHUNK_SIZE", 2)
    progress = []
    record = jobs._export_progress
    monkeypatch.setattr(
        jobs, "_export_progress", lambda pk, done: (progress.append(done), record(pk, done))
    )
    params = {"ward": world["saigon"].pk, "assignment": None, "status": "", "q": ""}
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(
            user=world["cadre"], kind=Export.Kind.WARD_RESIDENTS, file_format="csv", params=params
        )
    export.refresh_from_db()
    assert progress == [2, 3]
    with export.file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    # By given name: An, Bình, Cường.
    assert [row[0] for row in rows[1:]] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
