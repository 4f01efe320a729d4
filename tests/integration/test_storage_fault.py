"""Object storage failing for longer than the render task's retry budget, then coming back.

A real worker renders while the moto S3 server is stopped (connections refused):
every attempt fails, the retries run out, the certificates end `failed` with no
file and no orphan. When storage is back, the failed ones are queued again and all
end ready, every row naming an object whose bytes match its stored hash, and no
object left that no row names.

The automatic retry of certificates failed by a transient error is helper
"resilience"'s sweep (issue 10, point 6); here they are queued again the way an
operator does today, `manage.py requeue_certificates --failed`.
"""

import datetime
import hashlib
import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts import services as account_services
from certificates import services as certificate_services
from certificates.models import Certificate
from courses.models import LessonPage
from learning.celery import app

from ..courses_helpers import make_course
from ..storage_server import MotoServer, s3_storages_for
from .conftest import start_worker, wait_for
from .hosts import host_env

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("migrated_db")]

LEARNERS = 3
# First retry after 0.25 s, doubled 5 times: a budget of about 8 s plus the attempts.
RETRY_DELAY = "0.25"
NO_AGE_LIMIT = datetime.timedelta(0)


@pytest.fixture
def storage_and_worker(tmp_path):
    """A moto server of this test's own (it will be stopped) and a worker on its own disk."""
    server = MotoServer(tmp_path / "moto.log")
    server.start()
    bucket = server.new_bucket()
    env = host_env(
        tmp_path / "worker",
        server.env(bucket),
        CERTIFICATE_RETRY_DELAY=RETRY_DELAY,
        AWS_S3_TIMEOUT="2",
    )
    app.conf.task_always_eager = False
    worker = start_worker(tmp_path / "worker.log", env=env)
    try:
        yield server, bucket, tmp_path / "worker.log"
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
        server.stop()


def complete(client, learner, course) -> None:
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    for lesson in LessonPage.objects.child_of(course).order_by("path"):
        assert client.post(reverse("learning:lesson_complete", args=[lesson.pk])).status_code == 302


def test_storage_down_longer_than_the_retry_budget_loses_nothing_and_leaves_no_orphan(
    client, units, storage_and_worker
):
    server, bucket, worker_log = storage_and_worker
    course = make_course(lessons=1, slug="luu-tru")
    learners = [
        account_services.user_register(
            phone=f"091400{n:04d}",
            full_name=f"Học viên {n}",
            password="hoc-vu-so-2026",
            ward=units["Phường Sài Gòn"],
            birth_year=1960,
        )
        for n in range(LEARNERS)
    ]
    started = time.monotonic()
    server.stop()  # storage refuses every connection from now on
    for learner in learners:
        complete(client, learner, course)
    certificates = Certificate.objects.filter(course=course)
    assert certificates.count() == LEARNERS  # progress and certificates recorded regardless

    def all_failed() -> bool:
        return certificates.filter(status=Certificate.Status.FAILED).count() == LEARNERS

    assert wait_for(all_failed, 60), worker_log.read_text()[-4000:]
    # Each used its whole retry budget: an unreachable storage is a transient error.
    assert worker_log.read_text().count("retry: Retry in") == 5 * LEARNERS
    # Failed with the storage error, and no row names a file that was never stored.
    assert not certificates.exclude(pdf="").exists()
    assert all("connect" in error.lower() for error in certificates.values_list("error", flat=True))

    server.start()  # back, on the same address
    server.client().create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    call_command("requeue_certificates", "--failed")

    def all_ready() -> bool:
        return certificates.filter(status=Certificate.Status.READY).count() == LEARNERS

    assert wait_for(all_ready, 60), worker_log.read_text()[-4000:]
    assert time.monotonic() - started <= 90

    s3 = server.client()
    certificates = list(Certificate.objects.filter(course=course))
    for certificate in certificates:
        body = s3.get_object(Bucket=bucket, Key=f"private/{certificate.pdf.name}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == certificate.pdf_sha256
    named = {f"private/{c.pdf.name}" for c in certificates}
    assert set(server.keys(bucket)) == named  # 0 orphans

    # The cleanup task, run against that bucket with no age limit, finds nothing to delete.
    with override_settings(STORAGES=s3_storages_for(server, bucket)):
        assert certificate_services.certificate_files_cleanup(older_than=NO_AGE_LIMIT) == 0
    assert set(server.keys(bucket)) == named
