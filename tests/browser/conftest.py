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

    def start(self, test_name: str) -> None:
        self.test, self.count = slug(test_name), 0

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
                self.desktop_copy(page, SCREENSHOTS / f"{stem}-1280.png")
        except Error:
            pass  # the test closed the page meanwhile: nothing left to show

    def desktop_copy(self, page, path: Path) -> None:
        """The same page at 1280 x 800, in a context of its own with the same cookies, so
        the test's own page (which may be in use meanwhile) is never resized."""
        context = self.new_plain_context(**DESKTOP)
        try:
            context.add_cookies(page.context.cookies())
            desktop = context.new_page()
            desktop.goto(page.url)
            desktop.screenshot(path=str(path), full_page=True)
        finally:
            context.close()


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
