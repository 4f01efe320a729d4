"""The background path end to end: PostgreSQL, Redis and a real `celery worker` process."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accounts.models import Notice, User

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start a real worker on the test database and Redis; stop it afterwards."""
    from learning.celery import app

    test_db_name = connection.settings_dict["NAME"]
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learning.settings.test",
        "DATABASE_URL": f"{base_url}/{test_db_name}",
        "CELERY_EAGER": "0",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "learning",
            "worker",
            "--concurrency=1",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "ready." in log.read_text(), log.read_text()
        yield log
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


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
