"""The background path end to end: PostgreSQL, Redis and a real `celery worker` process."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Notice, User

from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("migrated_db")]


def test_sign_up_queues_the_welcome_notice_for_a_real_worker(client, units, celery_worker_process):
    assert connection.vendor == "postgresql"
    ward = units["Phường Sài Gòn"]
    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Lê Thị Mai",
            "phone": "0978123456",
            "province": ward.province_id,
            "ward": ward.pk,
            "password1": "hoc-vu-so-2026",
            "password2": "hoc-vu-so-2026",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="+84978123456")
    # the request returned before the notice existed; the worker writes it
    assert wait_for(lambda: Notice.objects.filter(user=user, key="welcome").exists())
    # idempotent: the same task delivered again leaves one notice
    from accounts.tasks import send_welcome_notice

    send_welcome_notice.delay(user.pk)
    log = celery_worker_process
    assert wait_for(lambda: log.read_text().count("send_welcome_notice") >= 4), log.read_text()
    assert log.read_text().count("succeeded") == 2, log.read_text()
    assert Notice.objects.filter(user=user).count() == 1
