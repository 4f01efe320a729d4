"""Fault tests in production shape: processes started as production starts them, on a
Redis of the test's own (a spare port; the machine's shared Redis is never touched).
Each is bounded (≤ 90 s)."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from certificates.models import Certificate
from courses.models import Enrollment

from ..courses_helpers import make_course
from .conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("migrated_db")]


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, on a spare port, keeping nothing on disk."""
    port = spare_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    ping = ["redis-cli", "-p", str(port), "ping"]
    assert wait_for(lambda: subprocess.run(ping, capture_output=True).stdout == b"PONG\n", 10)
    yield f"redis://127.0.0.1:{port}/0"
    server.kill()
    server.wait(timeout=10)


def production_env(var_dir, redis_url: str, **extra) -> dict:
    """What a production host's environment looks like, on the test database."""
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learning.settings.production",
        "SECRET_KEY": "fault-test-" + "x" * 50,
        "DATABASE_URL": f"{base_url}/{connection.settings_dict['NAME']}",
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var_dir),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "SECURE_SSL_REDIRECT": "0",
        **extra,
    }


def start(command: list[str], env: dict, log_path, ready_text: str):
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log_path.open("a"),
        stderr=subprocess.STDOUT,
    )
    assert wait_for(lambda: ready_text in log_path.read_text() or process.poll() is not None, 60)
    assert process.poll() is None, log_path.read_text()
    return process


def stop(*processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def beat(env, log_path):
    return start(
        ["celery", "-A", "learning", "beat", "--loglevel=DEBUG"], env, log_path, "beat: Starting"
    )


def worker(env, log_path):
    return start(
        ["celery", "-A", "learning", "worker", "--pool=solo", "--loglevel=INFO"]
        + ["--without-gossip", "--without-mingle"],
        env,
        log_path,
        "ready.",
    )


def sends_of_the_sweep(log_path) -> int:
    return log_path.read_text().count("Sending due task requeue-stale-certificates")


def test_beat_starts_with_redis_on_an_empty_var_dir_ticks_once_and_runs_the_sweep(
    own_redis, tmp_path, learner
):
    """The issue's finding: beat died here, so no sweep ran in production. Two beats are
    started, as two hosts might: one sends, the other waits for the lock."""
    course = make_course(lessons=1, slug="beat-quet")
    enrollment = Enrollment.objects.create(user=learner, course=course)
    from certificates.services import certificate_issue

    certificate = certificate_issue(enrollment=enrollment)  # not queued: no commit hook here
    Certificate.objects.filter(pk=certificate.pk).update(
        queued_at=certificate.queued_at.replace(year=2000)  # long presumed lost
    )
    var_a, var_b = tmp_path / "host-a", tmp_path / "host-b"  # empty, not even created
    env_a = production_env(var_a, own_redis, CERTIFICATE_SWEEP_SECONDS="2")
    env_b = production_env(var_b, own_redis, CERTIFICATE_SWEEP_SECONDS="2")
    logs = {name: tmp_path / f"{name}.log" for name in ("beat-a", "beat-b", "worker")}
    processes = [worker(env_a, logs["worker"]), beat(env_a, logs["beat-a"])]
    try:
        processes.append(beat(env_b, logs["beat-b"]))
        assert wait_for(lambda: Certificate.objects.get(pk=certificate.pk).status == "ready", 60), (
            "\n".join(path.read_text()[-3000:] for path in logs.values())
        )
        time.sleep(5)  # a few more ticks
        sends = [sends_of_the_sweep(logs["beat-a"]), sends_of_the_sweep(logs["beat-b"])]
        assert min(sends) == 0 and max(sends) >= 2, sends  # one beat ticks, the other waits
    finally:
        stop(*processes)
