"""Certificates end to end on PostgreSQL + Redis + a real worker: complete, render, scan, verify."""

import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificates_requeue
from courses.models import LessonPage
from learning.celery import app

from ..courses_helpers import make_course
from .conftest import start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("migrated_db")]


def use_broker(url: str) -> None:
    """Point the app's producers at another broker (Celery caches its connection pools)."""
    app.conf.broker_url = url
    app._pool = None  # noqa: SLF001 - rebuilt from broker_url on next use
    app.amqp._producer_pool = None  # noqa: SLF001


def complete(client, learner, course):
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    for lesson in LessonPage.objects.child_of(course).order_by("path"):
        response = client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
        assert response.status_code == 302


def test_completion_to_scanned_qr_code_says_genuine(
    client, learner, celery_worker_process, tmp_path
):
    course = make_course(lessons=2, slug="thanh-toan-so")
    complete(client, learner, course)
    certificate = Certificate.objects.get(user=learner, course=course)
    assert wait_for(lambda: Certificate.objects.get(pk=certificate.pk).status == "ready", 60), (
        celery_worker_process.read_text()
    )

    response = client.get(reverse("certificates:download", args=[certificate.number]))
    assert response.status_code == 200
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Nguyễn Thị Hồng Nhung" in text and certificate.number in text

    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf_path), str(tmp_path / "page")],
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert scanned.endswith(f"/xac-minh/{certificate.token}/")
    client.logout()
    page = client.get(urlparse(scanned).path)
    assert page.status_code == 200 and "Giấy chứng nhận hợp lệ" in page.content.decode()


def test_completion_while_the_broker_is_down_still_ends_with_one_ready_certificate(
    client, learner, tmp_path
):
    course = make_course(lessons=1, slug="khi-mat-mang")
    app.conf.task_always_eager = False
    previous_broker = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        complete(client, learner, course)  # the learner's request still succeeds
    finally:
        use_broker(previous_broker)
    certificate = Certificate.objects.get(user=learner, course=course)
    assert certificate.status == "pending"

    worker = start_worker(tmp_path / "worker.log")
    try:
        Certificate.objects.filter(pk=certificate.pk).update(
            issued_at=certificate.issued_at.replace(year=2000)
        )
        assert certificates_requeue() == 1  # what the beat schedule runs every minute
        assert wait_for(lambda: Certificate.objects.get(pk=certificate.pk).status == "ready", 60), (
            Path(tmp_path / "worker.log").read_text()
        )
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
    assert Certificate.objects.filter(user=learner, course=course).count() == 1
