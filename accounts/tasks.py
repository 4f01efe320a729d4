from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_welcome_notice(user_id: int) -> None:
    """Leave the welcome notice for a new user (idempotent, so acks_late is safe)."""
    services.notice_welcome(user_id=user_id)
