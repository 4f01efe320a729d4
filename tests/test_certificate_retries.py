"""Failed certificates heal: transient errors are retried by the sweep with growing delays for
a day; permanent ones are listed in the admin, where an authorised person tries again."""

import datetime

import pytest
from celery.exceptions import Retry
from django.contrib.auth.models import Group
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from certificates import services, tasks
from certificates.models import Certificate
from courses.models import Enrollment

from .courses_helpers import make_course


@pytest.fixture
def certificate(learner, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    course = make_course(lessons=1, slug="chung-nhan-loi")
    enrollment = Enrollment.objects.create(user=learner, course=course)
    return services.certificate_issue(enrollment=enrollment)


@pytest.fixture
def storage_full(settings, tmp_path):
    """The private storage cannot be written: its folder is a file (an OSError, as a full
    or unmounted disk gives). Returns a function that gives the space back."""
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    good = settings.PRIVATE_MEDIA_ROOT
    settings.PRIVATE_MEDIA_ROOT = blocked

    def give_space_back():
        settings.PRIVATE_MEDIA_ROOT = good

    return give_space_back


def last_try(certificate: Certificate) -> None:
    """The task's last delivery, after its own quick retries (2 ... 32 s) failed too."""
    tasks.render_certificate.apply(args=[certificate.pk], retries=tasks.MAX_RETRIES)


def a_while_later(certificate: Certificate) -> None:
    """As if the retry delay had passed."""
    Certificate.objects.filter(pk=certificate.pk).update(
        retry_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_storage_full_longer_than_the_task_retries_heals_once_space_returns(
    certificate, storage_full
):
    last_try(certificate)
    certificate.refresh_from_db()
    assert certificate.status == "failed" and certificate.failed_attempts == 1
    assert certificate.retry_at is not None and certificate.retry_at > timezone.now()
    assert services.certificates_requeue() == 0  # not yet: the delay has not passed

    storage_full()  # space is back
    a_while_later(certificate)
    assert services.certificates_requeue() == 1
    certificate.refresh_from_db()
    assert certificate.status == "ready" and certificate.pdf_sha256
    assert certificate.failed_attempts == 0 and certificate.retry_at is None
    assert services.certificates_requeue() == 0  # nothing left to do


def test_the_sweep_waits_longer_after_each_failure_and_gives_up_after_a_day(
    certificate, storage_full
):
    delays = []
    for _ in range(4):
        last_try(certificate)
        certificate.refresh_from_db()
        assert certificate.status == "failed"
        delays.append(round((certificate.retry_at - timezone.now()).total_seconds() / 60))
        a_while_later(certificate)
        with pytest.raises(Retry):  # the sweep queued it; still failing, it asks to retry
            services.certificates_requeue()
    assert delays == [1, 2, 4, 8]

    Certificate.objects.filter(pk=certificate.pk).update(
        failing_since=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    last_try(certificate)
    certificate.refresh_from_db()
    assert certificate.status == "failed" and certificate.retry_at is None  # an admin's turn
    assert services.certificates_requeue() == 0


def test_what_counts_as_transient():
    assert tasks.is_transient(OSError(28, "No space left on device"))
    assert tasks.is_transient(OperationalError("server closed the connection unexpectedly"))
    assert not tasks.is_transient(ValueError("mẫu hỏng"))
    assert not tasks.is_transient(KeyError("logo"))


def test_a_permanent_failure_is_not_retried_by_the_sweep(certificate):
    services.certificate_mark_failed(certificate_id=certificate.pk, error="ValueError('mẫu hỏng')")
    certificate.refresh_from_db()
    assert certificate.status == "failed" and certificate.retry_at is None
    assert services.certificates_requeue() == 0


@pytest.fixture
def failed(certificate):
    services.certificate_mark_failed(certificate_id=certificate.pk, error="ValueError('mẫu hỏng')")
    return certificate


def test_an_admin_sees_failed_certificates_and_tries_again(client, failed, units):
    admin = User.objects.create_superuser(phone="0901000004", password="x", full_name="Quản trị")
    client.force_login(admin)
    page = client.get(reverse("certificates_failed"))
    assert page.status_code == 200
    html = page.content.decode()
    assert failed.number in html and "mẫu hỏng" in html and "cần thử lại thủ công" in html

    response = client.post(reverse("certificates_retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    # queued after commit; in the test the transaction stays open, so it waits as pending
    assert failed.status == "pending" and failed.error == ""
    again = client.post(reverse("certificates_retry", args=[failed.pk]), follow=True)
    assert "không còn ở trạng thái lỗi" in again.content.decode()


def test_an_editor_without_the_permission_may_not_try_again(client, failed, units):
    editor = User.objects.create_user(phone="0901000005", password="x", full_name="Biên tập")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    # Wagtail answers a PermissionDenied in its admin by sending the user back to its home
    home = reverse("wagtailadmin_home")
    listing = client.get(reverse("certificates_failed"))
    assert listing.status_code == 302 and listing.url == home
    response = client.post(reverse("certificates_retry", args=[failed.pk]))
    assert response.status_code == 302 and response.url == home
    assert "Chứng nhận lỗi" not in client.get(home).content.decode()  # no menu item either
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_a_learner_or_anonymous_visitor_is_sent_to_log_in(client, failed, learner):
    url = reverse("certificates_retry", args=[failed.pk])
    assert client.post(url).status_code == 302
    client.force_login(learner)
    response = client.post(url)
    assert response.status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.status == "failed"
