"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, at phone size.

Playwright never downloads a browser here: the fixtures launch the system Chromium.
Tests in this folder carry the `browser` marker, which tests/conftest.py skips (or,
with REQUIRE_SERVICES=1, fails) when /usr/bin/chromium is missing.
"""

import json
import os

import pytest

# Playwright's sync API runs an asyncio event loop in this thread, so Django would
# refuse ORM calls from the test (SynchronousOnlyOperation) without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# A common low-end Android phone.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_context_options():
    """Options for browser.new_context() at phone size; copy and extend for variants."""
    return dict(PHONE)


@pytest.fixture
def phone_page(browser, phone_context_options):
    context = browser.new_context(**phone_context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


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
