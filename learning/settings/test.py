"""Settings for pytest. DATABASE_URL and REDIS_URL pick the real services in CI."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests that need a worker start a real one (tests/integration); the rest run
# tasks in-process so that a plain `pytest` needs no broker.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
        if not os.environ.get("REDIS_URL")
        else "learning.cache.TolerantRedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "tests"),
    }
}
MEDIA_ROOT = VAR_DIR / "test-media"
# Local folders unless the environment names a bucket (the integration tests'
# processes do, against the moto server tests/storage_server.py starts).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never run collectstatic; WhiteNoise serves from the finders instead.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"
