"""Writes of in-site notices: every app leaves a notice for a person through here.

A notice is one per (user, key): sending the same key again changes nothing, so a
task that runs twice never leaves two notices.
"""

from collections.abc import Iterable

from .models import Notice, User


def notice_send(*, user: User, key: str, kind: str, params: dict) -> Notice:
    """Leave one notice for a user, once per key; returns it (the earlier one if already sent)."""
    notice, _created = Notice.objects.get_or_create(
        user=user, key=key, defaults={"kind": kind, "params": params}
    )
    return notice


def notices_send(*, users: Iterable[User], key: str, kind: str, params: dict) -> None:
    """The same notice for many users in one INSERT; those who have it already are skipped."""
    Notice.objects.bulk_create(
        [Notice(user=user, key=key, kind=kind, params=params) for user in users],
        ignore_conflicts=True,
    )
