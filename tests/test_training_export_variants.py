"""Export variants for cadres: a CSV split by ";" for Excel in Vietnamese, and the ward list
with full phone numbers, asked for explicitly and logged (training.PhoneExport)."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from training.models import Export, PhoneExport

from . import test_training_exports as exports_tests
from .test_training_exports import background_from, cadre
from .test_training_exports import xlsx_sheet as read_xlsx

world = exports_tests.world  # the same residents, wards and cadres as the export tests


def rows_of(response, separator: str) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=separator))


def phone_export(client, world, file_format="xlsx", query=""):
    url = reverse("training:ward_export_with_phones", args=[world["saigon"].pk])
    return client.post(f"{url}?{query}" if query else url, {"dinh_dang": file_format})


# ---------------------------------------------------------------- CSV for Excel (";")


def test_the_excel_csv_splits_columns_by_semicolons_and_the_plain_one_by_commas(client, world):
    client.force_login(world["cadre"])
    url = reverse("training:ward_export", args=[world["saigon"].pk, "csv"])

    excel = client.get(url, {"dau": "cham-phay"})
    assert excel.status_code == 200
    header, *rows = rows_of(excel, ";")
    assert header[:3] == ["Họ và tên", "Năm sinh", "Số điện thoại"]
    assert {row[0] for row in rows} == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}

    plain = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert plain.splitlines()[0].startswith("Họ và tên,Năm sinh,")
    assert ";" not in plain.splitlines()[0]


def test_the_province_csv_for_excel_uses_semicolons_too(client, world, units):
    client.force_login(world["province_cadre"])
    url = reverse("training:province_export", args=[units["hcm"].pk, "csv"])
    header, *rows = rows_of(client.get(url, {"dau": "cham-phay"}), ";")
    assert header[:2] == ["Xã/phường", "Người đăng ký"]
    assert any(row[0] == "Phường Sài Gòn" for row in rows)


def test_the_excel_csv_keeps_its_semicolons_when_written_in_the_background(
    client, world, django_capture_on_commit_callbacks
):
    background_from(2)
    client.force_login(world["cadre"])
    url = reverse("training:ward_export", args=[world["saigon"].pk, "csv"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url, {"dau": "cham-phay"}).status_code == 302
    export = Export.objects.get()
    reply = client.get(reverse("training:export_download", args=[export.pk]))
    header, *rows = rows_of(reply, ";")
    assert header[0] == "Họ và tên" and len(rows) == 3


def test_the_ward_and_province_pages_offer_the_three_downloads_as_buttons(client, world, units):
    client.force_login(world["province_cadre"])
    ward_page = client.get(reverse("training:ward", args=[world["saigon"].pk])).content.decode()
    province_page = client.get(reverse("training:province", args=[units["hcm"].pk]))
    for page in (ward_page, province_page.content.decode()):
        assert 'class="button"' in page and "CSV (Excel, dấu ;)" in page
        assert "dau=cham-phay" in page
    assert "Xuất kèm số điện thoại" in ward_page
    assert reverse("training:ward_export_with_phones", args=[world["saigon"].pk]) in ward_page


# ---------------------------------------------------------------- with phone numbers, logged


def test_the_plain_export_keeps_numbers_masked_and_logs_nothing(client, world):
    client.force_login(world["cadre"])
    url = reverse("training:ward_export", args=[world["saigon"].pk, "csv"])
    text = b"".join(client.get(url, {"with_phones": "True"}).streaming_content).decode()
    assert "0912•••678" in text and "0912345678" not in text
    assert not PhoneExport.objects.exists()


@pytest.mark.parametrize(
    "file_format, separator", [("xlsx", None), ("csv-cham-phay", ";"), ("csv", ",")]
)
def test_export_with_phones_carries_full_numbers_and_logs_who_exported_what(
    client, world, file_format, separator
):
    client.force_login(world["cadre"])
    response = phone_export(client, world, file_format, query="trang_thai=chua-hoc")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    if separator is None:
        rows = [list(row) for row in read_xlsx(response).iter_rows(values_only=True)]
    else:
        rows = rows_of(response, separator)
    # The filter of the page applies: only Cường has not started; his full number is there.
    assert [row[0] for row in rows[1:]] == ["Lê Văn Cường"]
    assert rows[1][2] == world["cuong"].phone_display

    log = PhoneExport.objects.get()
    assert log.viewer == world["cadre"] and log.viewer_name == world["cadre"].full_name
    assert (log.ward, log.ward_name) == (world["saigon"], "Phường Sài Gòn")
    assert log.rows == 1 and log.filters["status"] == "chua-hoc"
    assert log.file_format == ("xlsx" if separator is None else "csv")


def test_export_with_phones_is_a_post_and_needs_a_known_format(client, world):
    client.force_login(world["cadre"])
    url = reverse("training:ward_export_with_phones", args=[world["saigon"].pk])
    assert client.get(url).status_code == 405
    reply = client.post(url, {"dinh_dang": "pdf"})
    assert reply.status_code == 400
    assert "Hãy chọn một dạng tệp" in reply.content.decode()
    assert not PhoneExport.objects.exists()


@pytest.mark.parametrize("who", ["tandinh_cadre", "learner", "other_province"])
def test_export_with_phones_outside_the_scope_is_404_and_logs_nothing(client, world, units, who):
    users = {
        "tandinh_cadre": world["tandinh_cadre"],
        "learner": world["an"],
        "other_province": cadre("0901000099", role=Role.PROVINCE_CADRE, province=units["hanoi"]),
    }
    client.force_login(users[who])
    assert phone_export(client, world).status_code == 404
    assert not PhoneExport.objects.exists()


def test_a_long_export_with_phones_is_logged_once_and_written_with_full_numbers(
    client, world, django_capture_on_commit_callbacks
):
    background_from(2)
    client.force_login(world["cadre"])
    with django_capture_on_commit_callbacks(execute=True):
        response = phone_export(client, world, "csv-cham-phay", query="trang_thai=")
    export = Export.objects.get()
    assert response.status_code == 302 and export.params["with_phones"] is True
    reply = client.get(reverse("training:export_download", args=[export.pk]))
    rows = rows_of(reply, ";")
    assert world["an"].phone_display in {row[2] for row in rows}
    assert PhoneExport.objects.get().rows == 3
