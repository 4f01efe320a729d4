"""Background work for cadre work. Each task calls one service and is idempotent."""

from celery import shared_task
from django.utils import timezone

from . import figures, notifications
from .exports import jobs


@shared_task(acks_late=True)
def send_reminders() -> int:
    """The daily reminders (beat, 07:00): once per learner, assignment and kind, so safe to repeat."""
    return notifications.reminders_send(today=timezone.localdate())


@shared_task(acks_late=True)
def send_weekly_digests() -> int:
    """The weekly lagging-ward digest (beat, Monday 07:30): once per cadre and week."""
    return notifications.digests_send(today=timezone.localdate())


@shared_task
def refresh_ward_counts() -> int:
    """Keep every ward's counts cached (beat, every 10 minutes); only a cache is written."""
    return figures.ward_counts_refresh()


@shared_task(acks_late=True)
def cleanup_export_files() -> int:
    """Periodic (beat, hourly): remove export files whose row never committed. Safe to repeat."""
    return jobs.export_files_cleanup()


EXPORT_MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=EXPORT_MAX_RETRIES)
def build_export(self, export_id: int) -> None:
    """Write one long list for its cadre. Idempotent: a ready export is never rebuilt."""
    try:
        jobs.export_build(export_id=export_id, may_retry=self.request.retries < EXPORT_MAX_RETRIES)
    except jobs.EXPORT_TRANSIENT_ERRORS as error:
        # 2, 4, 8 seconds; the export waits as "queued" meanwhile.
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
