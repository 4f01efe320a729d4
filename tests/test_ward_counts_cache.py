"""The cached ward counts follow every change, after it commits (issue #12 point 2).

Counts are cached per ward under a version (training/figures/counts.py). A version
bumped before the write commits would let a page reading in between cache the old
counts under the new version; a status change that sends no signal would leave them
stale until the cache expires.
"""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from certificates import services as certificate_services
from certificates.models import Certificate
from courses.models import Enrollment
from training.assignments import assignments_create
from training.figures import province_report, ward_counts_version_key
from training.models import TrainingSettings

from .courses_helpers import make_course
from .training_helpers import make_cadre, make_residents, start


@pytest.fixture
def place(units):
    course = make_course(lessons=1, slug="dung-vneid")
    saigon = units["Phường Sài Gòn"]
    cadre = make_cadre("0913000102", province=units["hcm"])
    assignments_create(
        cadre=cadre,
        courses=[course],
        wards=[saigon],
        due_date=timezone.localdate() + timedelta(days=10),
    )
    return {"course": course, "saigon": saigon, "province": units["hcm"]}


def counted(place) -> tuple[int, int]:
    """(completed, certificates in force) of the ward, as the province page shows them."""
    [row] = province_report(province=place["province"], settings=TrainingSettings.current()).rows
    return row.overall.completed, row.overall.certificates


def test_a_ward_s_version_moves_only_once_the_write_commits(
    place, django_capture_on_commit_callbacks
):
    [resident] = make_residents(place["saigon"], 1, first_phone=7000)
    key = ward_counts_version_key(place["saigon"].pk)
    before = cache.get(key)
    with django_capture_on_commit_callbacks() as after_commit:
        Enrollment.objects.create(user=resident, course=place["course"])
        # Not committed yet: a page reading now counts the old rows, under the old version.
        assert cache.get(key) == before
    assert after_commit  # the bump waits for the commit...
    for callback in after_commit:
        callback()
    assert cache.get(key) != before  # ...and then happens


@pytest.fixture
def failed_certificate(place):
    [resident] = make_residents(place["saigon"], 1, first_phone=7100)
    start([resident], place["course"], completed_days_ago=1, certificate=True)
    certificate = Certificate.objects.get(user=resident)
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.FAILED)
    return certificate


def test_a_retried_certificate_counts_again_at_once(
    place, failed_certificate, django_capture_on_commit_callbacks, monkeypatch
):
    """An admin's "try again" is a queryset update (FAILED to PENDING): pending certificates
    count, so the counts move at once, not when a worker renders it (maybe minutes later)."""
    queued = []
    monkeypatch.setattr(certificate_services, "_queue_render", queued.append)  # no worker now
    assert counted(place) == (1, 0)  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_services.certificate_retry(certificate=failed_certificate)
    assert queued and counted(place) == (1, 1)


def test_any_queryset_status_change_reaches_the_counts(
    place, failed_certificate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Certificate.objects.filter(pk=failed_certificate.pk).update(
            status=Certificate.Status.READY, pdf_sha256="0" * 64
        )
    assert counted(place) == (1, 1)  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        Certificate.objects.filter(user__ward=place["saigon"]).update(
            status=Certificate.Status.REVOKED, revoked_at=timezone.now()
        )
    assert counted(place) == (1, 0)


@pytest.mark.parametrize("action", ["revoke", "reissue_then_revoke"])
def test_revoking_and_reissuing_reach_the_counts(
    place, failed_certificate, django_capture_on_commit_callbacks, action
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.certificate_retry(certificate=failed_certificate)
    assert counted(place) == (1, 1)  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        certificate = failed_certificate
        if action == "reissue_then_revoke":
            Certificate.objects.filter(pk=certificate.pk).update(
                status=Certificate.Status.READY, pdf_sha256="0" * 64
            )
            certificate = certificate_services.certificate_reissue(certificate=certificate)
        certificate_services.certificate_revoke(certificate=certificate, reason="Sai tên")
    assert counted(place) == (1, 0)


@pytest.mark.integration
def test_a_page_read_between_the_write_and_its_commit_never_caches_old_counts(migrated_db, place):
    """PostgreSQL: a second connection reads (and caches) the counts while a completion is
    written but not committed; once it commits, the page shows the completion."""
    [resident] = make_residents(place["saigon"], 1, first_phone=7200)
    enrollment = Enrollment.objects.create(user=resident, course=place["course"])
    assert counted(place) == (0, 0)
    seen_meanwhile = []

    def read_from_another_connection():
        try:
            seen_meanwhile.append(counted(place))
        finally:
            connection.close()

    with transaction.atomic():
        enrollment.completed_at = timezone.now()
        enrollment.save()
        reader = threading.Thread(target=read_from_another_connection)
        reader.start()
        reader.join()
    assert seen_meanwhile == [(0, 0)]  # not committed yet: the old counts, cached
    assert counted(place) == (1, 0)
