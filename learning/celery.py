"""The Celery app. Tasks live in each app's tasks.py and are found by autodiscovery."""

import functools
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.dev")

log = logging.getLogger(__name__)


class Task(DjangoTask):
    """Django's task class, whose after-commit dispatch never fails the request.

    If the broker is down when a learner finishes something, their work is
    already committed; the message is logged as lost instead of turning the
    response into an error, and the periodic sweeps queue it again (see
    certificates.tasks.requeue_stale_certificates).
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        from django.db import transaction

        transaction.on_commit(functools.partial(self._delay_or_log, *args, **kwargs))

    def _delay_or_log(self, *args, **kwargs) -> None:
        try:
            self.apply_async(args, kwargs, retry=False)
        except Exception:
            log.exception("could not queue %s%s; left for the sweep", self.name, args)


app = Celery("learning", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
