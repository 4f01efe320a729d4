"""Processes that stand in for separate machines: each gets its own empty VAR_DIR.

They share only what production machines share: PostgreSQL (the test database),
Redis (REDIS_URL) and the S3-compatible server (moto, tests/storage_server.py).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

from ..storage_server import spare_port
from .conftest import wait_for


def host_env(var_dir: Path, storage_env: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment of one "host": the shared services, and a disk of its own."""
    var_dir.mkdir(parents=True, exist_ok=True)
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {
        **os.environ,
        **storage_env,
        "DJANGO_SETTINGS_MODULE": "learning.settings.test",
        "DATABASE_URL": f"{base_url}/{connection.settings_dict['NAME']}",
        "CELERY_EAGER": "0",
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "PRIVATE_MEDIA_ROOT": str(var_dir / "private"),
        "PYTHONPYCACHEPREFIX": str(var_dir.parent / "pycache"),
        **extra,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class Web:
    """One gunicorn on a spare loopback port, and a browser-like session against it."""

    def __init__(self, name: str, env: dict[str, str], log: Path):
        self.name = name
        self.port = spare_port()
        self.log = log
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "learning.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log.read_text()}")
            try:
                return requests.get(self.url + "/dang-nhap/", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        assert wait_for(answers, 60), self.log.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def log_in(browser: requests.Session, web: Web, phone: str, password: str) -> None:
    """The login form, as a phone submits it (CSRF token and all)."""
    page = browser.get(web.url + "/dang-nhap/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reply = browser.post(
        web.url + "/dang-nhap/",
        data={"csrfmiddlewaretoken": token, "username": phone, "password": password},
        timeout=10,
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text[-2000:]


def post(browser: requests.Session, web: Web, path: str, **kwargs) -> requests.Response:
    """A form POST with the session's CSRF token, as the site's own forms send it."""
    return browser.post(
        web.url + path,
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": web.url + path},
        allow_redirects=False,
        timeout=20,
        **kwargs,
    )


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
