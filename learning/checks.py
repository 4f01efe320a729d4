"""System checks for a production deployment (run by `manage.py check --deploy`)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_local(host: str) -> bool:
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """SITE_URL is the public https address: QR codes and e-mailed links are built from it."""
    site_url = getattr(settings, "SITE_URL", "")
    hint = "Set SITE_URL to the public address, e.g. SITE_URL=https://hocvuso.example.vn"
    if not site_url:
        return [
            checks.Error(
                "SITE_URL is not set: certificate QR codes would point to 127.0.0.1.",
                hint=hint,
                id="learning.E001",
            )
        ]
    parts = urlsplit(site_url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or _is_local(host):
        return [
            checks.Error(
                f"SITE_URL={site_url!r} is not a public https address: printed QR codes and "
                "links in e-mails would not open, or would open without TLS.",
                hint=hint,
                id="learning.E002",
            )
        ]
    return []
