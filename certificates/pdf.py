"""Render a certificate to PDF with WeasyPrint: no request, reusable in any worker.

The font configuration and the parsed stylesheet are built once per process:
rebuilding them for every certificate is what makes rendering slow and leaky.
"""

import base64
import datetime
import functools
import gc
import io
import itertools
import logging
import mimetypes
from pathlib import Path

import fontpkg_be_vietnam_pro
import segno
from celery.signals import worker_init
from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .models import Certificate

FONT_DIR = fontpkg_be_vietnam_pro.ROOT / "files"
STYLESHEET = Path(__file__).parent / "pdf.css"

log = logging.getLogger(__name__)


def font_subsetting_is_slow() -> bool:
    """True when WeasyPrint lacks HarfBuzz-subset and falls back to fontTools: every PDF
    then takes about 40% longer (system package libharfbuzz-subset0, see the Makefile)."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is None


@worker_init.connect
def warn_when_pdf_fonts_are_slow(**kwargs) -> None:
    """Say at worker start, once, what the operator must install for fast certificates.

    (The worker imports this module with the tasks before it sends worker_init.)"""
    if font_subsetting_is_slow():
        log.warning(
            "HarfBuzz-subset (libharfbuzz-subset0) is not installed: WeasyPrint subsets fonts "
            "with fontTools instead and every certificate PDF takes about 40%% longer. "
            "Install it (make install does) and restart the worker."
        )


@functools.cache
def _url_fetcher() -> URLFetcher:
    # Built once: a fetcher per document would build a new SSL context each time
    # (about 30 ms). Certificates only ever load local files and data: URIs.
    return URLFetcher(allowed_protocols=("file", "data"))


# WeasyPrint's user-agent stylesheet styles all of HTML (tables, forms, lists, 16 page
# margin boxes, 60 counter styles) and is matched against every element of every PDF:
# about a tenth of the render. The certificate uses a handful of elements, and pdf.css
# sets their fonts, sizes and margins itself; this is what it still needs from the
# browser defaults. The PDF is pixel for pixel the same (tests/test_certificates.py).
USER_AGENT_CSS = """
head, title, meta { display: none }
html, body, div, p, h1 { display: block }
body { margin: 8px }
h1 { bookmark-level: 1; bookmark-label: content(text) }
img { overflow: hidden }
"""


@functools.cache
def _user_agent_stylesheet() -> CSS:
    return CSS(string=USER_AGENT_CSS)


class CertificateHTML(HTML):
    """An HTML document styled from `USER_AGENT_CSS` instead of WeasyPrint's full defaults."""

    def _ua_stylesheets(self, forms=False):
        return [_user_agent_stylesheet()]


@functools.cache
def font_config_and_css() -> tuple[FontConfiguration, CSS]:
    """WeasyPrint's font set-up and our parsed stylesheet, built once per process."""
    font_config = FontConfiguration()
    fonts = "\n".join(
        f'@font-face {{ font-family: "Be Vietnam Pro"; font-weight: {weight}; '
        f'src: url("{(FONT_DIR / f"BeVietnamPro-{name}.ttf").as_uri()}"); }}'
        for weight, name in ((400, "Regular"), (600, "SemiBold"), (700, "Bold"))
    )
    css = CSS(
        string=fonts + STYLESHEET.read_text(encoding="utf-8"),
        font_config=font_config,
        url_fetcher=_url_fetcher(),
    )
    return font_config, css


def formal_date(day: datetime.date) -> str:
    """ "ngày 05 tháng 01 năm 2026", as Vietnamese documents write it."""
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def verification_url(certificate: Certificate) -> str:
    from django.urls import reverse

    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "certificates:verify", args=[certificate.token]
    )


# Any of the eight QR masks scans; segno tries all eight and scores them (about 4 ms of
# pure Python per certificate), so one is fixed instead.
QR_MASK = 0


QR_SCALE = 4  # pixels per module
QR_BORDER = 2  # modules of quiet zone


def _qr_png(url: str) -> str:
    """The QR code as a small 1-bit PNG (4 pixels per module), as a data: URI.

    WeasyPrint draws it as one image instead of parsing and filling an SVG path for every
    certificate (about a fifth of the render time). `image-rendering: pixelated` in the
    stylesheet keeps the modules sharp-edged when printed; 4 pixels per module (not 1)
    so that viewers which scale the page down on screen still show a code that scans.
    Medium error correction survives a crease. Pillow (which WeasyPrint and Wagtail
    use anyway) writes the PNG: segno's own writer builds it pixel by pixel in Python,
    about 4× slower.
    """
    matrix = segno.make(url, error="m", micro=False, mask=QR_MASK).matrix
    side = len(matrix) + 2 * QR_BORDER
    quiet = b"\x01" * QR_BORDER
    rows = [b"\x01" * side] * QR_BORDER
    rows += [quiet + bytes(1 - dark for dark in row) + quiet for row in matrix]
    rows += [b"\x01" * side] * QR_BORDER
    # one byte per pixel, 1 = white; "L" then "1" keeps exact black and white
    image = Image.frombytes("L", (side, side), b"".join(rows)).point(lambda v: 255 * v)
    image = image.convert("1").resize((side * QR_SCALE, side * QR_SCALE), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


# Logo and signature as data: URIs, by storage path, kept per process: every certificate of
# a template version prints the same two images, so they are read and encoded once, not
# once per PDF. A template version never changes its paths (a new logo is a new version
# with a new file name), and only a few versions are ever current, so this stays small.
_IMAGE_URIS: dict[str, str] = {}
_IMAGE_URIS_MAX = 16


def _image_uri(path: str) -> str:
    """An image from the media storage as a data: URI, so it works whether that is a folder
    on this machine or object storage on another."""
    if not path:
        return ""
    if (cached := _IMAGE_URIS.get(path)) is not None:
        return cached
    try:
        with default_storage.open(path, "rb") as image:
            data = image.read()
    except FileNotFoundError:
        return ""  # not cached: the file may still arrive (and the PDF is rendered again)
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    if len(_IMAGE_URIS) >= _IMAGE_URIS_MAX:
        _IMAGE_URIS.clear()
    _IMAGE_URIS[path] = uri
    return uri


def certificate_html(certificate: Certificate) -> str:
    """The certificate as HTML; every value is escaped by the template engine."""
    version = certificate.template_version
    url = verification_url(certificate)
    with translation.override("vi"):
        return render_to_string(
            "certificates/pdf.html",
            {
                "certificate": certificate,
                "version": version,
                "formal_date": formal_date(certificate.completed_on),
                "qr_uri": _qr_png(url),
                "verification_url": url,
                "logo_uri": _image_uri(version.logo_path),
                "signature_uri": _image_uri(version.signature_path),
            },
        )


# A WeasyPrint document is a web of reference cycles (boxes point at their parents) that
# lives through many young-generation collections, so it ends up in the oldest
# generation, which Python collects rarely: a worker's memory then grows by several MiB
# in steps before it levels off. Collecting every few dozen PDFs keeps it flat; the
# process's long-lived objects (Django, Wagtail, fonts) are frozen out of those
# collections after the first one, so each costs a few milliseconds, not a hundred.
COLLECT_EVERY = 50
_renders = itertools.count(1)


def _collect_render_garbage() -> None:
    if next(_renders) % COLLECT_EVERY:
        return
    gc.collect()
    gc.freeze()  # what survived is the process's own; later collections skip it


def render_pdf(certificate: Certificate) -> bytes:
    """The finished PDF bytes for a certificate row."""
    font_config, css = font_config_and_css()
    document = CertificateHTML(
        string=certificate_html(certificate),
        base_url=str(settings.BASE_DIR),
        url_fetcher=_url_fetcher(),
    )
    pdf_bytes = document.write_pdf(stylesheets=[css], font_config=font_config)
    _collect_render_garbage()
    return pdf_bytes
