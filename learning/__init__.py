"""Project package: settings, URLs, the Celery app, the home page and the learner journey."""

from .celery import app as celery_app

__all__ = ("celery_app",)
