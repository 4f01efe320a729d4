"""Outages degrade, never lose: a Redis (cache or queue) that is down or hung costs a
learner nothing they did, and little time; health endpoints tell a load balancer.

"Down" is a port nobody listens on; "hung" is a real server socket that accepts
connections and never answers (what a SIGSTOPped Redis looks like from outside).
"""

import json
import socket
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from certificates.models import Certificate
from courses.models import LessonPage, StepProgress
from learning.celery import app

from .courses_helpers import make_course

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def hung_redis():
    """A server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def tolerant_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "learning.cache.TolerantRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


@pytest.fixture(params=["down", "hung"])
def broken_cache(request, settings, hung_redis):
    settings.CACHES = tolerant_cache(DOWN if request.param == "down" else hung_redis)
    return request.param


@pytest.fixture
def broken_broker(settings, hung_redis):
    """The queue hangs: dispatches from requests must give up within their budget."""
    from learning import celery as celery_module

    previous = app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = hung_redis
    app._pool = None  # noqa: SLF001 - rebuilt from broker_url on next use
    celery_module._broker_paused_until = 0.0
    celery_module.load_broker_transport()  # as learning/wsgi.py does when a web process starts
    try:
        yield
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = previous
        app._pool = None  # noqa: SLF001
        celery_module._broker_paused_until = 0.0


def test_a_cache_that_is_down_answers_misses_and_defaults(settings):
    from django.core.cache import cache

    settings.CACHES = tolerant_cache(DOWN)
    assert cache.get("k") is None and cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)
    cache.set_many({"a": 1})
    cache.delete("k")
    cache.delete_many(["a"])
    assert cache.add("k", 1) is False
    assert cache.incr("counter") == 1  # rate limits fail open rather than fail the page
    assert cache.errors >= 1


def test_a_hung_cache_costs_one_short_timeout_then_is_skipped(settings, hung_redis):
    from django.core.cache import cache

    settings.CACHES = tolerant_cache(hung_redis)
    started = time.monotonic()
    assert cache.get("k") is None
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    for _ in range(50):
        cache.get("k")
        cache.set("k", 1)
    assert time.monotonic() - started < 0.2  # paused after the failure: no more waiting


def test_progress_is_recorded_and_pages_answer_while_the_cache_is_broken(
    client, learner, broken_cache, requests_commit
):
    course = make_course(lessons=2, slug="khi-redis-hong")
    client.force_login(learner)
    assert client.get(course.get_parent().url).status_code == 200
    assert client.post(reverse("learning:course_start", args=[course.pk])).status_code == 302
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    for lesson in lessons:
        assert client.get(lesson.url).status_code == 200
        response = client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
        assert response.status_code == 302
    assert StepProgress.objects.filter(enrollment__user=learner).count() == 2
    page = client.get(course.url)
    assert page.status_code == 200 and "Bạn đã hoàn thành khóa học này" in page.content.decode()
    assert client.get(reverse("learning:my_learning")).status_code == 200


def test_the_public_qr_check_works_while_the_cache_is_broken(
    client, learner, broken_cache, settings, tmp_path
):
    from certificates.services import certificate_issue, certificate_render
    from courses.models import Enrollment

    course = make_course(lessons=1, slug="xac-minh-khi-hong")
    enrollment = Enrollment.objects.create(user=learner, course=course)
    certificate = certificate_issue(enrollment=enrollment)
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    certificate_render(certificate_id=certificate.pk)  # what the worker does
    response = client.get(reverse("certificates:verify", args=[certificate.token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Giấy chứng nhận hợp lệ" in page and "Nguyễn Thị Hồng Nhung" in page


def test_a_hung_queue_costs_a_completing_request_at_most_half_a_second(
    client, learner, broken_broker, requests_commit
):
    course = make_course(lessons=2, slug="hang-doi-treo")
    client.force_login(learner)
    client.post(reverse("learning:course_start", args=[course.pk]))
    first, last = LessonPage.objects.child_of(course).order_by("path")

    def completing(lesson) -> float:
        started = time.monotonic()
        response = client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
        assert response.status_code == 302
        return time.monotonic() - started

    plain = completing(first)  # no certificate yet: nothing to queue
    with_dispatch = completing(last)  # completes the course: its certificate is queued
    extra = with_dispatch - plain
    assert extra <= 0.5, f"the hung queue cost the completion {extra:.2f} s"
    # nothing lost: the certificate waits, pending, for the sweep
    assert Certificate.objects.get(user=learner, course=course).status == "pending"


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a load balancer, by IP
    assert response.status_code == 200 and response.content == b"ok"


def test_readyz_says_ready_when_everything_answers(client, db):
    from learning import health

    health._last["at"] = -health.READY_RESULT_SECONDS  # no earlier answer reused
    response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ready"] is True
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}


def test_readyz_names_what_failed_with_503(client, db, settings, hung_redis):
    from learning import health

    settings.CACHES = tolerant_cache(DOWN)
    settings.CELERY_BROKER_URL = hung_redis
    previous = app.conf.broker_url  # restored: later tests (and real workers) use the real one
    app.conf.broker_url = hung_redis
    app._pool = None  # noqa: SLF001 - rebuilt from broker_url on next use
    health._last["at"] = -health.READY_RESULT_SECONDS
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        assert time.monotonic() - started < settings.READINESS_TIMEOUT + 1
    finally:
        app.conf.broker_url = previous
        app._pool = None  # noqa: SLF001
        health._last["at"] = -health.READY_RESULT_SECONDS
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False and checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_readiness_command_prints_the_same_and_fails_when_not_ready(settings, db, capsys):
    call_command("readiness")
    assert json.loads(capsys.readouterr().out)["ready"] is True
    settings.CACHES = tolerant_cache(DOWN)
    with pytest.raises(CommandError, match="cache"):
        call_command("readiness")
    assert json.loads(capsys.readouterr().out)["checks"]["cache"]["ok"] is False
