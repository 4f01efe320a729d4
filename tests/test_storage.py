"""Files and object storage: where PDFs, exports and media go, and that files and rows agree.

The S3 tests run against moto in server mode on loopback (tests/storage_server.py),
started by the `s3_server` fixture; the others use the local folders of the default.
"""

import datetime
import hashlib
import io
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Site

from accounts.models import User
from certificates import services as certificate_services
from certificates import tasks as certificate_tasks
from certificates.models import Certificate, CertificateSettings
from certificates.storage import private_storage
from courses.models import Enrollment, LessonPage
from training import tasks as training_tasks
from training.exports.jobs import export_build, export_request
from training.models import Export, TrainingSettings

from .courses_helpers import make_course
from .storage_server import REGION, MotoServer, s3_storages_for

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def course(db):
    return make_course(lessons=2, slug="an-toan-mang")


@pytest.fixture
def local_private(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def complete_course(client, user, course, capture) -> Certificate:
    client.force_login(user)
    client.post(reverse("learning:course_start", args=[course.pk]))
    with capture(execute=True):
        for lesson in LessonPage.objects.child_of(course).order_by("path"):
            client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    return Certificate.objects.get(user=user, course=course)


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def png_image(title: str) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (120, 60), (200, 30, 30)).save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


def refuse_writes(table: str, when: str) -> None:
    """A database that fails the row's last write (as one going away would), by a trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE UPDATE ON {table} WHEN {when} "
                "BEGIN SELECT RAISE(ABORT, 'database went away'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'database went away'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION refuse()"
            )


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------- choosing storage


def test_storage_is_chosen_by_the_environment():
    """No bucket: folders on this machine; a bucket: S3 for media and for private files."""
    assert django_settings.STORAGES["private"]["BACKEND"].endswith("PrivateFileSystemStorage")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learning.settings.base",
        "AWS_STORAGE_BUCKET_NAME": "hocvuso-media",
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": "hocvuso-private",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.vn",
        "SECRET_KEY": "x",
    }
    script = (
        "from django.conf import settings as s; "
        "d, p = s.STORAGES['default'], s.STORAGES['private']; "
        "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['querystring_auth']); "
        "print(p['BACKEND'], p['OPTIONS']['bucket_name'], p['OPTIONS']['querystring_auth'], "
        "p['OPTIONS']['default_acl'], p['OPTIONS']['endpoint_url'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "storages.backends.s3.S3Storage hocvuso-media False"
    assert out[1] == (
        "storages.backends.s3.S3Storage hocvuso-private True private https://s3.example.vn"
    )


# ---------------------------------------------------------------- object storage (moto)


def test_a_certificate_pdf_goes_to_private_object_storage_and_only_its_owner_downloads_it(
    client, s3_server, s3_storage, learner, units, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    assert certificate.status == Certificate.Status.READY
    # Under the private prefix, under a key of its own, nothing among the public media.
    assert s3_server.keys(s3_storage) == [f"private/{certificate.pdf.name}"]
    assert certificate.pdf.name.startswith(f"certificates/{datetime.date.today():%Y}/")
    assert certificate.pdf.name.endswith(f"-{certificate.number}.pdf")

    body = downloaded(client.get(reverse("certificates:download", args=[certificate.number])))
    assert hashlib.sha256(body).hexdigest() == certificate.pdf_sha256

    other = User.objects.create_user(
        phone="0987000111",
        password="mat-khau-dai-1",
        full_name="Người khác",
        ward=units["Phường Tân Định"],
    )
    client.force_login(other)
    response = client.get(reverse("certificates:download", args=[certificate.number]))
    assert response.status_code == 404


def test_editors_images_and_the_certificate_logo_live_in_the_public_media_bucket(
    s3_server, s3_storage, learner, course
):
    logo = png_image("logo-so")
    rendition = logo.get_rendition("fill-60x30")
    keys = s3_server.keys(s3_storage)
    assert f"media/{logo.file.name}" in keys and f"media/{rendition.file.name}" in keys
    assert not default_storage.querystring_auth  # public media: plain URLs

    settings_row = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    settings_row.logo = logo
    settings_row.save()
    certificate = certificate_services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    certificate_services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.READY
    with certificate.pdf.open("rb") as handle:
        pdf = handle.read()
    images = subprocess.run(
        ["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "120    60" in images  # the logo, read from object storage, is on the certificate


def test_a_long_export_is_stored_privately_and_downloaded_by_its_cadre(
    client, s3_server, s3_storage, units, course, django_capture_on_commit_callbacks
):
    from .test_training_exports import cadre, resident

    ward = units["Phường Sài Gòn"]
    for n in range(3):
        resident(f"091200{n:04d}", f"Người dân {n}", ward)
    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.background_export_rows = 1
    training.save()
    client.force_login(cadre("0901000001", ward))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("training:ward_export", args=[ward.pk, "csv"]))
    export = Export.objects.get()
    assert export.status == Export.Status.READY
    assert s3_server.keys(s3_storage, "private/exports/") == [f"private/{export.file.name}"]
    body = downloaded(client.get(reverse("training:export_download", args=[export.pk])))
    assert "Người dân 2" in body.decode("utf-8-sig")


def test_orphan_cleanup_in_object_storage_removes_only_unreferenced_objects(
    s3_server, s3_storage, learner, course
):
    certificate = certificate_services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    certificate_services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    orphan = private_storage.save("certificates/2026/ab12-HVS-2026-999999.pdf", io.BytesIO(b"x"))
    # Just written: it may belong to a transaction still running, so it stays.
    assert certificate_tasks.cleanup_certificate_files.delay().get() == 0
    assert certificate_services.certificate_files_cleanup(older_than=datetime.timedelta(0)) == 1
    assert s3_server.keys(s3_storage) == [f"private/{certificate.pdf.name}"]
    assert not private_storage.exists(orphan)


# ---------------------------------------------------------------- files and rows agree


def test_a_pdf_whose_row_does_not_commit_is_removed(local_private, learner, course):
    certificate = certificate_services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    refuse_writes("certificates_certificate", "NEW.status = 'ready'")
    with pytest.raises(DatabaseError):
        certificate_services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.PENDING and not certificate.pdf
    assert stored_files(local_private) == []  # rendered and written, then removed again


def test_an_export_file_whose_row_does_not_commit_is_removed(local_private, units):
    from .test_training_exports import cadre, resident

    ward = units["Phường Sài Gòn"]
    resident("0912000001", "Người dân", ward)
    export = export_request(
        user=cadre("0901000001", ward),
        kind=Export.Kind.WARD_RESIDENTS,
        file_format="csv",
        params={"ward": ward.pk, "assignment": None, "status": "", "q": "", "filename": "ds.csv"},
    )
    refuse_writes("training_export", "NEW.status = 'ready'")
    export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status != Export.Status.READY and not export.file
    assert stored_files(local_private) == []


def test_a_render_never_writes_over_an_existing_file(local_private, learner, course):
    certificate = certificate_services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    # A half-written file under the name a naive render would choose.
    canonical = local_private / f"certificates/{datetime.date.today():%Y}/{certificate.number}.pdf"
    canonical.parent.mkdir(parents=True)
    canonical.write_bytes(b"%PDF-truncat")
    certificate_services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert canonical.read_bytes() == b"%PDF-truncat"
    with certificate.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == certificate.pdf_sha256


def test_cleanup_deletes_unreferenced_files_over_an_hour_old_and_nothing_else(
    local_private, learner, course, monkeypatch
):
    from certificates import storage

    monkeypatch.setattr(storage, "CLEANUP_BATCH", 2)  # several batches, as with many files
    certificate = certificate_services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    certificate_services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    old_orphan = private_storage.save("certificates/2026/old-HVS-2026-000777.pdf", io.BytesIO(b"1"))
    new_orphan = private_storage.save("certificates/2026/new-HVS-2026-000778.pdf", io.BytesIO(b"2"))
    old_export = private_storage.save("exports/2026/11/old-ds.csv", io.BytesIO(b"3"))
    two_hours_ago = time.time() - 2 * HOUR.total_seconds()
    for name in (old_orphan, old_export, certificate.pdf.name):
        os.utime(private_storage.path(name), (two_hours_ago, two_hours_ago))

    assert certificate_tasks.cleanup_certificate_files.delay().get() == 1
    assert training_tasks.cleanup_export_files.delay().get() == 1
    assert stored_files(local_private) == sorted([certificate.pdf.name, new_orphan])


def test_the_cleanup_tasks_are_in_the_beat_schedule():
    from learning.celery import app

    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        "certificates.tasks.cleanup_certificate_files",
        "training.tasks.cleanup_export_files",
    ):
        assert task in scheduled and task in app.tasks


def test_local_default_keeps_private_files_outside_media(local_private, learner, course):
    assert private_storage.path("x") == str(local_private / "x")
    certificate = certificate_services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    certificate_services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert stored_files(local_private) == [certificate.pdf.name]


def test_a_download_while_storage_is_down_asks_to_try_again_and_works_when_it_is_back(
    client, tmp_path, settings, learner, course, django_capture_on_commit_callbacks
):
    server = MotoServer(tmp_path / "moto.log")
    server.start()
    try:
        bucket = server.new_bucket()
        settings.STORAGES = s3_storages_for(server, bucket)
        certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
        url = reverse("certificates:download", args=[certificate.number])
        saved = server.client().get_object(Bucket=bucket, Key=f"private/{certificate.pdf.name}")
        pdf = saved["Body"].read()

        server.stop()
        response = client.get(url)
        assert response.status_code == 503 and response["Retry-After"] == "60"
        assert "hãy thử lại sau ít phút" in response.content.decode()

        server.start()  # back (moto starts empty: put the object back as the bucket kept it)
        server.client().create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        server.client().put_object(Bucket=bucket, Key=f"private/{certificate.pdf.name}", Body=pdf)
        assert hashlib.sha256(downloaded(client.get(url))).hexdigest() == certificate.pdf_sha256
    finally:
        server.stop()
