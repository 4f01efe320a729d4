"""Where private files live (certificate PDFs, cadres' exports) and how they stay in step with rows.

Settings choose the backend (`STORAGES["private"]`): a folder on this machine by
default, S3-compatible object storage in production. Models reach it through
`private_storage`, which follows settings changes, so no storage is frozen into
a model field at import time.

Every file is written under a new key (`unique_name`) before the row that points
to it commits, so a crash never truncates a file a row already points at; a
file whose row never committed is an orphan, removed by `orphans_delete`.
"""

import datetime
import logging
import os
import posixpath
import secrets
from collections.abc import Callable, Iterator
from itertools import batched

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

log = logging.getLogger(__name__)

# Storage that is full, unreachable or answering errors: worth another try later.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)

# An unreferenced file younger than this may belong to a transaction still running.
ORPHAN_MIN_AGE = datetime.timedelta(hours=1)
CLEANUP_BATCH = 500


class PrivateFileSystemStorage(FileSystemStorage):
    """The local backend: a folder outside MEDIA_ROOT, read from settings.PRIVATE_MEDIA_ROOT when used.

    It has no URL: files are served only through checked views.
    """

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


class PrivateStorage(LazyObject):
    """`storages["private"]`, looked up when first used and again after a settings change."""

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def select_private_storage() -> Storage:
    """For FileField(storage=...): a callable, so migrations name it rather than a backend."""
    return private_storage


@receiver(setting_changed)
def _forget_private_storage(*, setting, **kwargs) -> None:
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT"):
        private_storage._wrapped = empty


def unique_name(folder: str, filename: str) -> str:
    """A key no other file has or will have: `folder/<random>-filename` (never overwritten)."""
    return posixpath.join(folder, f"{secrets.token_hex(8)}-{filename}")


def delete_quietly(storage: Storage, name: str) -> None:
    """Remove a file we no longer need; failing is logged, the cleanup task tries again later."""
    try:
        storage.delete(name)
    except Exception:
        log.warning("could not delete %s; the orphan cleanup will", name, exc_info=True)


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    """Every file name under `folder`, at any depth."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from _walk(storage, posixpath.join(folder, sub))


def orphans_delete(
    *,
    storage: Storage,
    folder: str,
    referenced: Callable[[list[str]], set[str]],
    older_than=ORPHAN_MIN_AGE,
) -> int:
    """Delete files under `folder` that no row names and that are older than `older_than`.

    `referenced(names)` returns which of those names a row points at; it is asked
    in batches, so memory stays flat however many files there are.
    """
    deleted = 0
    for names in batched(_walk(storage, folder), CLEANUP_BATCH):
        named = referenced(list(names))
        for name in names:
            if name not in named and _older_than(storage, name, older_than):
                storage.delete(name)
                deleted += 1
    if deleted:
        log.info("deleted %s orphan file(s) under %s", deleted, folder)
    return deleted


def _older_than(storage: Storage, name: str, age: datetime.timedelta) -> bool:
    try:
        return storage.get_modified_time(name) <= timezone.now() - age
    except FileNotFoundError:  # deleted meanwhile
        return False
