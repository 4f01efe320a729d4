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


class OwnRedis:
    """A redis-server of this test's own, on a spare port, keeping nothing on disk."""

    def __init__(self, folder):
        self.port = spare_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        ping = ["redis-cli", "-p", str(self.port), "ping"]
        assert wait_for(lambda: subprocess.run(ping, capture_output=True).stdout == b"PONG\n", 10)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.kill()


PRODUCTION_SECRET_KEY = "fault-test-" + "x" * 50


def production_env(var_dir, redis_url: str, **extra) -> dict:
    """What a production host's environment looks like, on the test database."""
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learning.settings.production",
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "DATABASE_URL": f"{base_url}/{connection.settings_dict['NAME']}",
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var_dir),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "SECURE_SSL_REDIRECT": "0",
        **extra,
    }


def spawn(command: list[str], env: dict, log_path, ready_text: str):
    """Start a process as production does; wait_ready() below waits for it."""
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log_path.open("a"),
        stderr=subprocess.STDOUT,
    )
    process.log_path, process.ready_text = log_path, ready_text
    return process


def wait_ready(*processes) -> list:
    """Processes start side by side (Django's start-up is slow on a busy machine)."""
    for process in processes:
        log_path, ready_text = process.log_path, process.ready_text
        assert wait_for(
            lambda: ready_text in log_path.read_text() or process.poll() is not None, 150
        ), f"{process.args[2:5]} not ready: {log_path.read_text()[-3000:]}"
        assert process.poll() is None, log_path.read_text()[-3000:]
    return list(processes)


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
    return spawn(
        ["celery", "-A", "learning", "beat", "--loglevel=DEBUG"], env, log_path, "beat: Starting"
    )


def worker(env, log_path):
    return spawn(
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
    env_a = production_env(var_a, own_redis.url, CERTIFICATE_SWEEP_SECONDS="2")
    env_b = production_env(var_b, own_redis.url, CERTIFICATE_SWEEP_SECONDS="2")
    logs = {name: tmp_path / f"{name}.log" for name in ("beat-a", "beat-b", "worker")}
    processes = [
        worker(env_a, logs["worker"]),
        beat(env_a, logs["beat-a"]),
        beat(env_b, logs["beat-b"]),
    ]
    try:
        wait_ready(*processes)
        assert wait_for(lambda: Certificate.objects.get(pk=certificate.pk).status == "ready", 60), (
            "\n".join(path.read_text()[-3000:] for path in logs.values())
        )
        time.sleep(5)  # a few more ticks
        sends = [sends_of_the_sweep(logs["beat-a"]), sends_of_the_sweep(logs["beat-b"])]
        assert min(sends) == 0 and max(sends) >= 2, sends  # one beat ticks, the other waits
    finally:
        stop(*processes)


def gunicorn(env, log_path, port: int):
    return spawn(
        ["gunicorn", "learning.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        + ["--timeout", "60", "--access-logfile", "-"],
        env,
        log_path,
        "Booting worker",
    )


def answers(port: int, path: str) -> int | None:
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None


def signed_in_cookies(user) -> str:
    """A learner's session, stored where production keeps it (the database), and a CSRF cookie."""
    from django.conf import settings as django_settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{django_settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={CSRF}"


CSRF = "a" * 32


def post(port: int, path: str, cookies: str) -> tuple[int, float]:
    """POST as a browser would; the status (no redirect followed) and how long it took."""
    import http.client

    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        path,
        body="",
        headers={"Cookie": cookies, "X-CSRFToken": CSRF, "Host": "localhost"},
    )
    status = conn.getresponse().status
    conn.close()
    return status, time.monotonic() - started


def learners_with_a_course(units, count: int, lessons: int):
    from accounts.models import User
    from courses.models import LessonPage

    course = make_course(lessons=lessons, slug="chiu-mat-redis")
    steps = list(LessonPage.objects.child_of(course).order_by("path"))
    people = [
        User.objects.create_user(
            phone=f"09780002{n:02d}",
            password="x",
            full_name=f"Học viên số {n}",
            ward=units["Phường Sài Gòn"],
        )
        for n in range(count)
    ]
    for person in people:
        Enrollment.objects.create(user=person, course=course)
    return course, steps, people


def test_redis_killed_during_100_completions_loses_nothing_and_heals(
    own_redis, tmp_path, units, settings
):
    from concurrent.futures import ThreadPoolExecutor

    from django.urls import reverse

    from courses.models import StepProgress

    course, steps, people = learners_with_a_course(units, count=20, lessons=5)
    settings.SECRET_KEY = PRODUCTION_SECRET_KEY  # sessions signed as the web processes read them
    env = production_env(
        tmp_path / "host",
        own_redis.url,
        CERTIFICATE_SWEEP_SECONDS="2",
        CERTIFICATE_STALE_PENDING_SECONDS="5",
        ALLOWED_HOSTS="localhost",
    )
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    port = spare_port()
    processes = [
        gunicorn(env, logs["web"], port),
        worker(env, logs["worker"]),
        beat(env, logs["beat"]),
    ]
    jobs = [
        (reverse("learning:lesson_complete", args=[step.pk]), signed_in_cookies(person))
        for step in steps
        for person in people
    ]
    try:
        wait_ready(*processes)
        assert wait_for(lambda: answers(port, "/healthz") == 200, 90)  # the app is loaded
        statuses = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            for index, (path, cookies) in enumerate(jobs):
                if index == 20:
                    own_redis.kill()  # cache and queue gone at once
                if index == 80:
                    own_redis.start()  # back, empty
                statuses.append(pool.submit(post, port, path, cookies))
                time.sleep(0.05)
            statuses = [future.result()[0] for future in statuses]
        assert sum(status >= 500 for status in statuses) == 0, statuses
        assert all(status == 302 for status in statuses), statuses
        assert StepProgress.objects.filter(enrollment__course=course).count() == 100
        ready = lambda: Certificate.objects.filter(course=course, status="ready").count()  # noqa: E731
        assert wait_for(lambda: ready() == 20, 75), (
            ready(),
            "\n".join(path.read_text()[-3000:] for path in logs.values()),
        )
        assert Certificate.objects.filter(course=course).count() == 20  # once each
    finally:
        stop(*processes)


def test_a_hung_queue_costs_completions_at_most_half_a_second_and_heals(tmp_path, units, settings):
    """The queue (its own Redis) is frozen with SIGSTOP while 40 learners finish a course
    over HTTP: p95 of the completing requests stays under 0.5 s and none waits a second
    (before: ~6 s each, inside kombu's retries); once the queue thaws the sweep renders
    every certificate once."""
    from django.urls import reverse

    queue, cache = OwnRedis(tmp_path / "queue"), OwnRedis(tmp_path / "cache")
    (tmp_path / "queue").mkdir()
    (tmp_path / "cache").mkdir()
    queue.start()
    cache.start()
    course, steps, people = learners_with_a_course(units, count=40, lessons=1)
    settings.SECRET_KEY = PRODUCTION_SECRET_KEY
    env = production_env(
        tmp_path / "host",
        queue.url,
        CACHE_URL=cache.url,
        # Each web process pays the dispatch budget once, then leaves rows to the sweep
        # for the pause; a pause that outlasts this test's requests measures exactly that.
        CELERY_DISPATCH_PAUSE="60",
        CERTIFICATE_SWEEP_SECONDS="2",
        CERTIFICATE_STALE_PENDING_SECONDS="5",
        ALLOWED_HOSTS="localhost",
    )
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    port = spare_port()
    processes = [
        gunicorn(env, logs["web"], port),
        worker(env, logs["worker"]),
        beat(env, logs["beat"]),
    ]
    try:
        wait_ready(*processes)
        assert wait_for(lambda: answers(port, "/healthz") == 200, 90)
        # warm both web workers (imports, connections) before the clock matters
        for _ in range(4):
            answers(port, "/khoa-hoc/")
        queue.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
        timings = []
        for person in people:
            path = reverse("learning:lesson_complete", args=[steps[0].pk])
            status, seconds = post(port, path, signed_in_cookies(person))
            assert status == 302, status
            timings.append(seconds)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        assert p95 <= 0.5 and timings[-1] < 1.0, timings
        assert Certificate.objects.filter(course=course).count() == 40  # recorded, pending
        queue.process.send_signal(signal.SIGCONT)
        ready = lambda: Certificate.objects.filter(course=course, status="ready").count()  # noqa: E731
        assert wait_for(lambda: ready() == 40, 75), (
            ready(),
            "\n".join(path.read_text()[-3000:] for path in logs.values()),
        )
        assert Certificate.objects.filter(course=course).count() == 40  # once each
    finally:
        if queue.process.poll() is None:
            queue.process.send_signal(signal.SIGCONT)
        stop(*processes)
        for redis in (queue, cache):
            if redis.process.poll() is None:
                redis.kill()
