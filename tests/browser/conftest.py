"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, at phone size.

Playwright never downloads a browser here: the fixtures launch the system Chromium.
Tests in this folder carry the `browser` marker, which tests/conftest.py skips (or,
with REQUIRE_SERVICES=1, fails) when /usr/bin/chromium is missing.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

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


# Every page a browser test visits, as the CI artefact (var/ is not committed).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Cadre pages are also used on office PCs: they get a second screenshot at this size.
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
CADRE_PATH = "/can-bo/"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "home"


class Screenshots:
    """Full-page screenshots named var/screenshots/<test>-<n>-<slug>.png.

    A screenshot is taken on each page's "load" event (so every page a test reaches,
    by goto, link or form, is kept) and wherever a test calls take() for a state
    reached without loading a page (a menu opened, search results shown).
    """

    def __init__(self):
        self.test = None
        self.count = 0
        self.new_plain_context = None  # Browser.new_context, without screenshots
        self.desktop_later = []  # (file, url, cookies) of cadre pages seen at phone size

    def start(self, test_name: str) -> None:
        self.test, self.count, self.desktop_later = slug(test_name), 0, []

    def take(self, page, name: str | None = None) -> None:
        from playwright.sync_api import Error

        if self.test is None:
            return
        self.count += 1
        path = urlsplit(page.url).path
        stem = f"{self.test}-{self.count}-{slug(name or path)}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)
            if path.startswith(CADRE_PATH) and page.viewport_size["width"] < 1280:
                cookies = page.context.cookies()
                self.desktop_later.append((SCREENSHOTS / f"{stem}-1280.png", page.url, cookies))
        except Error:
            pass  # the test closed the page meanwhile: nothing left to show

    def take_desktop_copies(self) -> None:
        """Cadre pages seen at phone size, again at 1280 x 800: after the test's body (so
        its own pages are never resized or slowed), in a context with the same cookies."""
        from playwright.sync_api import Error

        for path, url, cookies in self.desktop_later:
            context = self.new_plain_context(**DESKTOP)
            try:
                context.add_cookies(cookies)
                page = context.new_page()
                page.goto(url)
                page.screenshot(path=str(path), full_page=True)
            except Error:
                pass  # a screenshot is an artefact, not a check
            finally:
                context.close()
        self.desktop_later = []


SHOTS = Screenshots()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = SHOTS.new_plain_context = browser.new_context

        def new_context_with_screenshots(**options):
            context = new_context(**options)
            # Read by a11y.axe_violations, which runs axe differently without scripts.
            context.scripts_enabled = options.get("java_script_enabled", True)
            context.on("page", lambda page: page.on("load", SHOTS.take))
            return context

        # Every context a test makes, however it makes it, keeps its screenshots.
        browser.new_context = new_context_with_screenshots
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    # Before fixtures are torn down: the live server and the test's data are still there.
    SHOTS.take_desktop_copies()


@pytest.fixture(autouse=True)
def screenshots(request):
    """The helper that saves screenshots, named after the running test."""
    SHOTS.start(request.node.name)
    yield SHOTS
    SHOTS.test = None


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
