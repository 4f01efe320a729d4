"""Remake the README's screenshots (docs/*.png) from the demo data.

    .venv/bin/python docs/make_screenshots.py        # or: make screenshots

Builds a fresh SQLite database in a temporary directory (migrate, load_units,
seed_demo, and generate_province for a Hồ Chí Minh City of 168 wards), serves it with
`manage.py runserver`, and walks the citizen journey at 360 × 740 as demo learner
0912000001 (home, catalogue, a lesson, a quiz, its result, my learning) and the
province dashboard at 1280 × 800 as the synthetic province cadre, with the system
Chromium (/usr/bin/chromium; Playwright never downloads a browser). Each screenshot is
the first screen of the page, palette-quantised with Pillow so it stays ≤ 60 KB
(tests/test_readme_screenshots.py checks the size). Nothing outside docs/ and the temporary
directory is written.
"""

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PY = ROOT / ".venv" / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"
MAX_BYTES = 60 * 1024
DEMO_PASSWORD = "hocvuso-demo-2026"  # seed_demo's people
LEARNER = "0912000001"
CADRE_PASSWORD = "hocvuso-anh-chup-2026"  # given to generate_province's two cadres
PROVINCE_CADRE = "0709999999"  # generate_province's province cadre
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}


def manage(env: dict, *args: str) -> None:
    print("manage.py", *args, flush=True)
    subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(600):  # up to about 5 minutes on a busy machine
        if server.poll() is not None:
            raise SystemExit(f"runserver exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def save_small(png: bytes, path: Path) -> int:
    """The screenshot with as many palette colours as fit in MAX_BYTES (text stays crisp)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (128, 64, 48, 32, 24, 16):
        buffer = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
            buffer, format="PNG", optimize=True
        )
        if buffer.tell() <= MAX_BYTES:
            path.write_bytes(buffer.getvalue())
            return buffer.tell()
    raise SystemExit(f"{path.name}: still over {MAX_BYTES} bytes with 16 colours")


def shoot(page, name: str) -> None:
    page.wait_for_load_state("load")
    size = save_small(page.screenshot(), DOCS / f"{name}.png")
    print(f"  docs/{name}.png  {size / 1024:.1f} KB  {page.url}", flush=True)


def log_in(page, base: str, phone: str, password: str) -> None:
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("load")


def citizen_journey(browser, base: str) -> None:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    log_in(page, base, LEARNER, DEMO_PASSWORD)
    page.goto(f"{base}/")
    shoot(page, "home")
    page.goto(f"{base}/hoc/khoa-hoc/")
    shoot(page, "catalogue")
    # The learner's course in progress: "Học tiếp" opens the next lesson.
    page.goto(f"{base}/hoc/cua-toi/")
    shoot(page, "my-learning")
    page.goto(base + page.locator("main h3 a").first.get_attribute("href"))
    steps = [link.get_attribute("href") for link in page.locator("ol.outline a").all()]
    page.goto(base + steps[0])
    shoot(page, "lesson")
    page.goto(base + steps[-1])  # the quiz is a course's last step
    shoot(page, "quiz")
    page.get_by_role("button", name=re.compile("^(Bắt đầu làm bài|Làm lại)")).click()
    for group in page.locator("fieldset").all():
        group.locator("input").first.check()
    page.get_by_role("button", name="Nộp bài").click()
    shoot(page, "result")
    context.close()


def province_dashboard(browser, base: str) -> None:
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, base, PROVINCE_CADRE, CADRE_PASSWORD)
    page.goto(f"{base}/can-bo/")
    page.get_by_role("link", name="Thành phố Hồ Chí Minh").first.click()
    shoot(page, "province-dashboard")
    context.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="hocvuso-screenshots-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learning.settings.dev",
        "VAR_DIR": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'screenshots.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    server = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "load_units")
        manage(env, "seed_demo")
        manage(env, "generate_province", "--residents", "3000", "--password", CADRE_PASSWORD)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(PY), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(f"{base}/", server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--headless"]
            )
            citizen_journey(browser, base)
            province_dashboard(browser, base)
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
