"""Background work for certificates. Each task loads rows by id and calls one service."""

import logging

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown
from django.conf import settings
from django.db import DatabaseError

from . import pdf, services
from .storage import STORAGE_ERRORS

log = logging.getLogger(__name__)

# Worth another try: the database or the storage was briefly unavailable.
TRANSIENT_ERRORS = (DatabaseError, *STORAGE_ERRORS)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def render_certificate(self, certificate_id: int) -> None:
    """Render one certificate's PDF. Idempotent, so redelivery after a crash is safe."""
    try:
        services.certificate_render(certificate_id=certificate_id)
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= MAX_RETRIES:
            services.certificate_mark_failed(certificate_id=certificate_id, error=repr(error))
            log.exception("certificate %s failed after %s retries", certificate_id, MAX_RETRIES)
            return
        # 2, 4, 8, 16, 32 seconds with the default CERTIFICATE_RETRY_DELAY (2)
        countdown = settings.CERTIFICATE_RETRY_DELAY * 2**self.request.retries
        raise self.retry(exc=error, countdown=countdown) from error
    except Exception as error:
        # Not transient (a bad template, a broken image): retrying would fail the same way.
        services.certificate_mark_failed(certificate_id=certificate_id, error=repr(error))
        log.exception("certificate %s failed", certificate_id)


@shared_task(acks_late=True)
def requeue_stale_certificates() -> int:
    """The periodic sweep: no completion goes without its certificate, even if a message was lost."""
    return services.certificates_requeue()


@shared_task(acks_late=True)
def cleanup_certificate_files() -> int:
    """Periodic (beat, hourly): remove PDFs whose row never committed. Safe to repeat."""
    return services.certificate_files_cleanup()


@worker_process_init.connect
def _prepare_pdf_rendering(**kwargs) -> None:
    """Load fonts and parse the stylesheet when a worker process starts, not in its first task."""
    pdf.font_config_and_css()


@worker_process_shutdown.connect
def _remove_font_copies(**kwargs) -> None:
    """WeasyPrint copies fonts to a temporary folder; pool processes exit without removing it."""
    if pdf.font_config_and_css.cache_info().currsize:
        font_config, _css = pdf.font_config_and_css()
        font_config.__del__()  # WeasyPrint's own clean-up of that folder
