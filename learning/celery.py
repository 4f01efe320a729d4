"""The Celery app. Tasks live in each app's tasks.py and are found by autodiscovery."""

import functools
import logging
import os
import time

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.dev")

log = logging.getLogger(__name__)


# After a dispatch fails, requests skip the broker until this monotonic time.
_broker_paused_until = 0.0


class Task(DjangoTask):
    """Django's task class, whose after-commit dispatch never fails or stalls the request.

    If the broker is down or hung when a learner finishes something, their work is
    already committed: the dispatch gives up within its time budget (short socket
    timeouts, no connection retries), the message is logged as lost, and the
    periodic sweeps queue it again (certificates.tasks.requeue_stale_certificates).
    After a failure, dispatching pauses for a few seconds so that every following
    request does not wait out the same timeout.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        from django.db import transaction

        transaction.on_commit(functools.partial(self._delay_or_log, *args, **kwargs))

    def _delay_or_log(self, *args, **kwargs) -> None:
        global _broker_paused_until
        if self.app.conf.task_always_eager:  # run here and now (tests, no broker involved)
            self.apply_async(args, kwargs)
            return
        if time.monotonic() < _broker_paused_until:
            log.warning("broker paused after a failure; %s%s left for the sweep", self.name, args)
            return
        try:
            with self.app.connection_for_write(**_budgeted_connection_options()) as connection:
                self.apply_async(args, kwargs, connection=connection, retry=False)
        except Exception:
            _broker_paused_until = time.monotonic() + settings.CELERY_DISPATCH_PAUSE
            log.exception("could not queue %s%s; left for the sweep", self.name, args)


def load_broker_transport() -> None:
    """Import the broker's transport (for Redis, the whole redis package) without connecting."""
    app.connection_for_write().get_transport_cls()


def _budgeted_connection_options() -> dict:
    """A producer connection that gives up fast: no retries, short socket timeouts."""
    budget = settings.CELERY_DISPATCH_TIMEOUT
    return {
        "connect_timeout": budget,
        "transport_options": {
            "max_retries": 0,
            "socket_connect_timeout": budget,
            "socket_timeout": budget,
        },
    }


app = Celery("learning", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
