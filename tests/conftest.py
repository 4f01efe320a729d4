"""Shared fixtures.

Integration tests (marker `integration`) need PostgreSQL, Redis and a real Celery
worker; browser tests (marker `browser`) need /usr/bin/chromium. On a developer's
machine without them they are skipped; with REQUIRE_SERVICES=1 (as .ci/run sets)
a missing service is an error instead, so CI can never pass by skipping.
"""

import json
import os
import shutil

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def _missing(marker: str) -> str | None:
    """Why tests with this marker cannot run here, or None if they can."""
    if marker == "integration":
        if not os.environ.get("REDIS_URL"):
            return "REDIS_URL is not set"
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            return "DATABASE_URL does not name PostgreSQL"
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in ("integration", "browser"):
            if marker not in item.keywords or not (reason := _missing(marker)):
                continue
            if REQUIRE_SERVICES:
                item.user_properties.append(("missing_service", reason))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _fail_when_service_missing(request):
    """With REQUIRE_SERVICES=1 a test whose service is missing fails loudly."""
    for name, reason in request.node.user_properties:
        if name == "missing_service":
            pytest.fail(f"required service missing: {reason}")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids are reused between tests, cached values
    (course outlines, progress, ward counts) must not be."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _broker_not_paused():
    """A test that made dispatching fail (a broker down on purpose) must not leave the
    after-failure pause (learning/celery.py) to the tests after it."""
    from learning import celery

    celery._broker_paused_until = 0.0


@pytest.fixture
def units(db):
    """A small, real slice of the unit list: two provinces and some of their wards."""
    from accounts.models import Province, Ward
    from accounts.text import fold

    hcm = Province.objects.create(
        code=79, name="Thành phố Hồ Chí Minh", division_type="thành phố trung ương"
    )
    hanoi = Province.objects.create(
        code=1, name="Thành phố Hà Nội", division_type="thành phố trung ương"
    )
    rows = [
        (26740, "Phường Sài Gòn", hcm, "Phường Đa Kao; Phường Bến Nghé; Phường Nguyễn Thái Bình"),
        (26743, "Phường Tân Định", hcm, "Phường Tân Định; Phường Đa Kao"),
        (4, "Phường Ba Đình", hanoi, "Phường Quán Thánh; Phường Trúc Bạch"),
        (8, "Phường Ngọc Hà", hanoi, "Phường Đội Cấn; Phường Ngọc Hà"),
    ]
    wards = {}
    for code, name, province, former in rows:
        wards[name] = Ward.objects.create(
            code=code,
            name=name,
            division_type="phường",
            province=province,
            former_names=former,
            search_text=fold(f"{name} {former} {province.name}"),
        )
    return {"hcm": hcm, "hanoi": hanoi, **wards}


@pytest.fixture
def learner(units):
    from accounts import services

    return services.user_register(
        phone="0912345678",
        full_name="Nguyễn Thị Hồng Nhung",
        password="hoc-vu-so-2026",
        ward=units["Phường Sài Gòn"],
        birth_year=1962,
    )


@pytest.fixture(scope="session")
def migrated_db_contents(django_db_setup, django_db_blocker):
    """The test database as migrations left it (Wagtail root and locale, home page,
    site, competence domains, groups...), serialized once, content types first.

    pytest-django runs transactional tests (live_server ones, as here) after the
    rolled-back ones, so nothing has flushed the database yet when the first browser
    test asks for this.
    """
    from django.db import connection

    from learning.models import HomePage

    with django_db_blocker.unblock():
        if not HomePage.objects.exists():
            pytest.fail("the test database was flushed before the browser tests ran")
        rows = json.loads(connection.creation.serialize_db_to_string())
    # Wagtail's Page() looks its content type up (or creates it) while being
    # deserialized: the content types must be back before any page.
    rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
    return json.dumps(rows)


@pytest.fixture
def migrated_db(transactional_db, migrated_db_contents):
    """A live_server test's database as migrations left it.

    Every transactional test ends with a flush that empties the database, data
    migrations included. Like Django's serialized_rollback, but the flush after the
    test still re-creates content types and permissions as usual, so tests that come
    later see what they would have seen without this fixture.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    call_command(
        "flush", interactive=False, verbosity=0, reset_sequences=False, inhibit_post_migrate=True
    )
    ContentType.objects.clear_cache()
    connection.creation.deserialize_db_from_string(migrated_db_contents)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A moto S3 server on a spare loopback port for the whole run (tests/storage_server.py)."""
    from .storage_server import MotoServer

    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """Media and private files in a fresh bucket on the moto server; yields the bucket name."""
    from .storage_server import s3_storages_for

    bucket = s3_server.new_bucket()
    settings.STORAGES = s3_storages_for(s3_server, bucket)
    return bucket


@pytest.fixture
def requests_commit(monkeypatch, django_capture_on_commit_callbacks):
    """Each test-client request ends as it does in production: its after-commit work
    (cache invalidation, task dispatch) runs, though the test's transaction stays open."""
    from django.test import Client

    original = Client.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)
