"""Two web hosts and a worker host that share only PostgreSQL, Redis and object storage.

Each process has its own empty VAR_DIR, as separate machines would: a PDF the worker
renders must reach the learner through the other web host, and an export the worker
writes must reach the cadre, with nothing on any local disk.
"""

import hashlib

import pytest
import requests
from django.urls import reverse
from wagtail.models import Site

from certificates.models import Certificate
from courses.models import LessonPage
from training.models import Export, TrainingSettings

from ..courses_helpers import make_course
from ..test_training_exports import cadre, resident
from .conftest import start_worker, wait_for
from .hosts import Web, files_under, host_env, log_in, post

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("migrated_db")]


@pytest.fixture
def hosts(tmp_path, s3_server):
    """Web A, web B and a worker, each on its own disk, all on one bucket of the moto server."""
    bucket = s3_server.new_bucket()
    storage_env = s3_server.env(bucket)
    disks = {name: tmp_path / name for name in ("web-a", "web-b", "worker")}
    webs = [
        Web(name, host_env(disks[name], storage_env), tmp_path / f"{name}.log")
        for name in ("web-a", "web-b")
    ]
    worker = start_worker(tmp_path / "worker.log", env=host_env(disks["worker"], storage_env))
    try:
        for web in webs:
            web.wait_ready()
        yield {"a": webs[0], "b": webs[1], "bucket": bucket, "disks": disks, "tmp": tmp_path}
    finally:
        for web in webs:
            web.stop()
        worker.terminate()
        worker.wait(timeout=30)


def test_render_on_the_worker_host_download_from_the_other_web_host(
    hosts, s3_server, learner, units
):
    web_a, web_b = hosts["a"], hosts["b"]
    course = make_course(lessons=2, slug="chinh-phu-so")
    phone = requests.Session()
    log_in(phone, web_a, "0912345678", "hoc-vu-so-2026")
    assert post(phone, web_a, reverse("learning:course_start", args=[course.pk])).status_code == 302
    for lesson in LessonPage.objects.child_of(course).order_by("path"):
        reply = post(phone, web_a, reverse("learning:lesson_complete", args=[lesson.pk]))
        assert reply.status_code == 302

    certificate = Certificate.objects.get(user=learner, course=course)
    assert wait_for(lambda: Certificate.objects.get(pk=certificate.pk).status == "ready", 90), (
        hosts["tmp"] / "worker.log"
    ).read_text()[-4000:]
    certificate.refresh_from_db()

    # Web B never saw this learner's requests and has nothing on its disk.
    reply = phone.get(
        web_b.url + reverse("certificates:download", args=[certificate.number]), timeout=20
    )
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF")
    assert hashlib.sha256(reply.content).hexdigest() == certificate.pdf_sha256
    assert f"private/{certificate.pdf.name}" in s3_server.keys(hosts["bucket"])

    # A stranger asking web B for it gets nothing.
    stranger = requests.Session()
    reply = stranger.get(
        web_b.url + reverse("certificates:download", args=[certificate.number]),
        timeout=20,
        allow_redirects=False,
    )
    assert reply.status_code == 302 and "/dang-nhap/" in reply.headers["Location"]

    # ---- a cadre's long export, built by the worker, downloaded from web A
    ward = units["Phường Sài Gòn"]
    for n in range(5):
        resident(f"091300{n:04d}", f"Người dân số {n}", ward)
    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.background_export_rows = 2  # anything longer goes to the worker
    training.save()
    ward_cadre = cadre("0901000001", ward)
    ward_cadre.set_password("mat-khau-can-bo-1")
    ward_cadre.save()
    office = requests.Session()
    log_in(office, web_b, "0901000001", "mat-khau-can-bo-1")
    reply = office.get(
        web_b.url + reverse("training:ward_export", args=[ward.pk, "csv"]),
        timeout=20,
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text[-2000:]
    export = Export.objects.get()
    assert wait_for(lambda: Export.objects.get(pk=export.pk).status == "ready", 90), (
        hosts["tmp"] / "worker.log"
    ).read_text()[-4000:]
    reply = office.get(
        web_a.url + reverse("training:export_download", args=[export.pk]), timeout=20
    )
    assert reply.status_code == 200
    listing = reply.content.decode("utf-8-sig")
    assert all(f"Người dân số {n}" in listing for n in range(5))

    # Nothing private was written to any host's own disk.
    for disk in hosts["disks"].values():
        assert not [name for name in files_under(disk) if name.endswith((".pdf", ".csv"))]
