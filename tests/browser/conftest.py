"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, at phone size.

Playwright never downloads a browser here: the fixtures launch the system Chromium.
Tests in this folder carry the `browser` marker, which tests/conftest.py skips (or,
with REQUIRE_SERVICES=1, fails) when /usr/bin/chromium is missing.
"""

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
