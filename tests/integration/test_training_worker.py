"""Cadre background work on a real worker: a long export and the daily reminders."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Site

from accounts.models import Notice
from training.assignments import assignments_create
from training.models import Export, Reminder, TrainingSettings

from ..courses_helpers import make_course
from ..training_helpers import make_cadre, make_residents, start
from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("migrated_db")]


@pytest.fixture
def ward_setup(units):
    ward = units["Phường Sài Gòn"]
    course = make_course(lessons=2, slug="thanh-toan-an-toan")
    cadre = make_cadre("0913000301", wards=[ward])
    residents = make_residents(ward, 40, first_phone=9000)
    start(residents[:15], course, completed_days_ago=1)
    assignment = assignments_create(
        cadre=cadre,
        courses=[course],
        wards=[ward],
        due_date=timezone.localdate() + timedelta(days=2),
    )[0]
    return ward, cadre, residents, assignment


def test_long_export_is_built_by_the_worker_with_progress_and_a_download(
    client, ward_setup, celery_worker_process
):
    ward, cadre, _residents, _assignment = ward_setup
    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.background_export_rows = 10  # 40 rows: the background path
    training.save()
    client.force_login(cadre)

    response = client.get(reverse("training:ward_export", args=[ward.pk, "xlsx"]))
    assert response.status_code == 302
    export = Export.objects.get()
    assert response["Location"] == reverse("training:export_status", args=[export.pk])

    assert wait_for(lambda: Export.objects.get().status == Export.Status.READY, 60), (
        celery_worker_process.read_text()
    )
    export.refresh_from_db()
    assert (export.rows_done, export.rows_total) == (40, 40)
    page = client.get(reverse("training:export_status", args=[export.pk])).content.decode()
    assert reverse("training:export_download", args=[export.pk]) in page
    assert 'http-equiv="refresh"' not in page  # done: no more reloading

    download = client.get(reverse("training:export_download", args=[export.pk]))
    sheet = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên" and len(rows) == 41
    assert sum(1 for row in rows[1:] if row[5] == "Đã hoàn thành") == 15
    assert "build_export" in celery_worker_process.read_text()


def test_daily_reminders_run_on_the_worker_once(ward_setup, celery_worker_process):
    from training.tasks import send_reminders

    _ward, _cadre, residents, assignment = ward_setup
    send_reminders.delay()
    # The 25 who have not finished get one reminder and one notice each.
    assert wait_for(lambda: Reminder.objects.count() == 25, 60), celery_worker_process.read_text()
    send_reminders.delay()
    log = celery_worker_process
    assert wait_for(
        lambda: (
            log.read_text().count("send_reminders") >= 4 and log.read_text().count("succeeded") >= 2
        ),
        60,
    ), log.read_text()
    assert Reminder.objects.count() == 25
    notices = Notice.objects.filter(key=f"assignment:{assignment.pk}:due_soon")
    assert notices.count() == 25
    assert not notices.filter(user__in=residents[:15]).exists()
