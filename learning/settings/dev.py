"""The embedded default: one machine, SQLite, no Redis. Used by `make run`."""

import os

from .base import *  # noqa: F403

DEBUG = True
# A development key only; production.py refuses to start without SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-not-for-production"
