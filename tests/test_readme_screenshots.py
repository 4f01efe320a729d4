"""The README's screenshots (docs/*.png, made by docs/make_screenshots.py) stay small
and are all shown in the README."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 60 * 1024
EXPECTED = {
    "home",
    "catalogue",
    "lesson",
    "quiz",
    "result",
    "my-learning",
    "province-dashboard",
}
SCREENSHOTS = sorted((ROOT / "docs").glob("*.png"))


def test_the_citizen_journey_and_the_province_dashboard_are_there():
    assert {path.stem for path in SCREENSHOTS} >= EXPECTED


@pytest.mark.parametrize("path", SCREENSHOTS, ids=lambda path: path.name)
def test_each_screenshot_is_at_most_60_kb_and_shown_in_the_readme(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size <= MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    assert f"docs/{path.name}" in (ROOT / "README.md").read_text(encoding="utf-8")
