"""Production shape: PostgreSQL (DATABASE_URL), Redis (REDIS_URL), gunicorn, Celery.

Refuses to start without SECRET_KEY. Served behind a TLS-terminating proxy that
sets X-Forwarded-Proto.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SILENCED_SYSTEM_CHECKS, client_ip_settings

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of 50+ characters in production."
    )

# Mail always goes over SMTP in production, never to the console (it holds names and
# addresses): without EMAIL_HOST, to the machine's own mail server on port 25.
if not os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "localhost", "port": 25, "use_tls": False, "timeout": 10},
        }
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind that one proxy unless PROXY_COUNT says otherwise: the rate limits must count the
# address the proxy saw, or every visitor would share the proxy's own address.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "1"))
AXES_IPWARE_META_PRECEDENCE_ORDER = client_ip_settings(PROXY_COUNT)[
    "AXES_IPWARE_META_PRECEDENCE_ORDER"
]
AXES_IPWARE_PROXY_COUNT = client_ip_settings(PROXY_COUNT)["AXES_IPWARE_PROXY_COUNT"]
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's live preview shows the page in a same-origin iframe, so DENY would
# break editing; SAMEORIGIN still stops other sites framing ours. That is the
# one deploy check we silence, for that reason.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]

# Media and private files as base.py chose them (object storage when
# AWS_STORAGE_BUCKET_NAME is set); static files are served by WhiteNoise.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
