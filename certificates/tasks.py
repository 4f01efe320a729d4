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


def is_transient(error: BaseException) -> bool:
    """Storage full or unreachable, database gone: the same render may well work later."""
    if isinstance(error, TRANSIENT_ERRORS):
        return True
    # Object storage (django-storages' S3 backend) reports through botocore; its own
    # errors are network ones, and its client errors are transient when the server says so.
    module = type(error).__module__ or ""
    if module.startswith(("botocore", "urllib3")):
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        return not code or code in {"SlowDown", "ServiceUnavailable", "InternalError", "503"}
    return False


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def render_certificate(self, certificate_id: int) -> None:
    """Render one certificate's PDF. Idempotent, so redelivery after a crash is safe."""
    try:
        services.certificate_render(certificate_id=certificate_id)
    except Exception as error:
        transient = is_transient(error)
        if transient and self.request.retries < MAX_RETRIES:
            # 2, 4, 8, 16, 32 seconds with the default CERTIFICATE_RETRY_DELAY (2); after
            # that the sweep tries again, more slowly
            countdown = settings.CERTIFICATE_RETRY_DELAY * 2**self.request.retries
            raise self.retry(exc=error, countdown=countdown) from error
        # A bad template or a broken image fails the same way every time: an admin
        # must look. A transient error is left to the sweep (certificate_mark_failed).
        services.certificate_mark_failed(
            certificate_id=certificate_id, error=repr(error), transient=transient
        )
        log.exception("certificate %s failed (transient: %s)", certificate_id, transient)


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
    pdf._user_agent_stylesheet()


@worker_process_shutdown.connect
def _remove_font_copies(**kwargs) -> None:
    """WeasyPrint copies fonts to a temporary folder; pool processes exit without removing it."""
    if pdf.font_config_and_css.cache_info().currsize:
        font_config, _css = pdf.font_config_and_css()
        font_config.__del__()  # WeasyPrint's own clean-up of that folder
