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
            queued_at=certificate.queued_at.replace(year=2000)
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


def test_a_worker_killed_mid_render_leaves_every_certificate_ready_exactly_once(
    learner, units, tmp_path
):
    import datetime
    import hashlib
    import os
    import signal

    from accounts.models import User
    from certificates.services import certificate_issue
    from courses.models import Enrollment

    course = make_course(lessons=1, slug="chiu-loi")
    people = [learner] + [
        User.objects.create_user(
            phone=f"09770001{n:02d}",
            password="x",
            full_name=f"Học viên số {n}",
            ward=units["Phường Sài Gòn"],
        )
        for n in range(19)
    ]
    app.conf.task_always_eager = False
    log = tmp_path / "worker.log"
    worker = start_worker(log)
    try:
        for person in people:  # each issue queues its render after commit
            certificate_issue(enrollment=Enrollment.objects.create(user=person, course=course))
        assert wait_for(lambda: "render_certificate" in log.read_text(), 30)
        os.kill(worker.pid, signal.SIGKILL)  # no warm shutdown: whatever was rendering is cut off
        worker.wait(timeout=30)
        interrupted = Certificate.objects.filter(course=course, status="pending").count()
        assert interrupted > 0, "the worker finished everything before the kill; nothing was tested"

        worker = start_worker(log)
        certificates_requeue(
            older_than=datetime.timedelta(0)
        )  # what the minute-by-minute sweep does
        assert wait_for(
            lambda: not Certificate.objects.filter(course=course, status="pending").exists(), 90
        ), log.read_text()[-3000:]
    finally:
        app.conf.task_always_eager = True
        worker.kill()
        worker.wait(timeout=30)
    certificates = list(Certificate.objects.filter(course=course))
    assert len(certificates) == len(people)
    assert {c.status for c in certificates} == {"ready"}
    for certificate in certificates:
        assert hashlib.sha256(certificate.pdf.read()).hexdigest() == certificate.pdf_sha256
