"""A real Celery worker process on the test database and Redis, for integration tests."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection


def wait_for(predicate, timeout=30.0):
    """Poll until predicate() is true; False if it never became true in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def start_worker(log_path, env=None):
    """A worker on the test database and Redis; `env` replaces its environment (tests/integration/hosts.py)."""
    if env is None:
        test_db_name = connection.settings_dict["NAME"]
        base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "learning.settings.test",
            "DATABASE_URL": f"{base_url}/{test_db_name}",
            "CELERY_EAGER": "0",
        }
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
        stdout=log_path.open("a"),
        stderr=subprocess.STDOUT,
    )
    assert wait_for(lambda: "ready." in log_path.read_text() or worker.poll() is not None, 90)
    assert worker.poll() is None and "ready." in log_path.read_text(), log_path.read_text()
    return worker


@pytest.fixture
def celery_worker_process(migrated_db, tmp_path):
    """Start a real worker on the test database and Redis; yields its log file."""
    from learning.celery import app

    log = tmp_path / "worker.log"
    app.conf.task_always_eager = False
    worker = start_worker(log)
    try:
        yield log
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
