"""Every response carries a Content-Security-Policy; the site needs no inline script."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .courses_helpers import make_course

TEMPLATE_DIRS = [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.fixture
def course(db):
    return make_course(lessons=1)


def public_urls(course, learner) -> list[str]:
    lesson = course.get_children().first()
    return [
        "/",
        course.url,
        lesson.url,
        reverse("learning:catalogue"),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("certificates:verify_form"),
        reverse("certificates:verify_form") + "?so=HVS-2026-000001&ho_ten=An",
        reverse("certificates:verify", args=["not-a-token"]),
        "/khong-co-trang-nay/",
    ]


def test_public_pages_carry_a_strict_policy(client, course, learner):
    for url in public_urls(course, learner):
        response = client.get(url)
        assert response.status_code < 500, url
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], url
        assert policy["img-src"] == ["'self'", "data:"], url
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
        # No inline script or style allowed: script-src / style-src fall back to 'self'.
        assert "script-src" not in policy and "style-src" not in policy
        assert "unsafe" not in response["Content-Security-Policy"]


def test_a_learners_pages_carry_it_too(client, course, learner):
    client.force_login(learner)
    for url in (reverse("learning:my_learning"), reverse("accounts:account")):
        response = client.get(url)
        assert response.status_code == 200
        assert directives(response)["default-src"] == ["'self'"]


def test_only_the_wagtail_admin_allows_inline_scripts_and_styles(client, course, learner):
    from accounts.models import User

    editor = User.objects.create_superuser(phone="0913000003", password="x-12345678-y")
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk]))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["object-src"] == ["'none'"]
    client.force_login(learner)
    assert "unsafe" not in client.get(course.url)["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.IGNORECASE)


def site_templates() -> list[Path]:
    templates = [p for folder in TEMPLATE_DIRS for p in folder.rglob("*.html")]
    # The certificate PDF is rendered by WeasyPrint, never served to a browser; the
    # Wagtail admin templates we extend run under the admin's own policy.
    return [
        p
        for p in templates
        if p.name != "pdf.html" and "admin" not in p.relative_to(p.parents[1]).parts
    ]


def test_no_template_has_inline_script_handler_or_style():
    found = [
        f"{path}: {pattern.pattern}"
        for path in site_templates()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE)
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert len(site_templates()) > 30 and found == []


def test_favicon_is_the_sites_small_icon_cached_for_long(client, db):
    response = client.get("/favicon.ico")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert body[:4] == b"\x00\x00\x01\x00" and len(body) < 4096  # an ICO file, not a page
    assert "max-age=31536000" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200
