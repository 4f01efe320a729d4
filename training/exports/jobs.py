"""A background export's life: requested (once, however often the cadre clicks), built
by a worker chunk by chunk with its progress shown, stored, and its orphan files
cleaned up. Scope is checked again at every step (see `tables.export_target`).
"""

import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.storage import (
    ORPHAN_MIN_AGE,
    STORAGE_ERRORS,
    delete_quietly,
    orphans_delete,
    private_storage,
)

from ..models import Export
from .files import write
from .tables import ExportRefused, export_table, export_target

log = logging.getLogger(__name__)


def exports_of(*, user: User) -> QuerySet[Export]:
    """The user's own exports, newest first."""
    return Export.objects.filter(requested_by=user)


# Worth another try: the database or the disk was briefly unavailable.
EXPORT_TRANSIENT_ERRORS = (DatabaseError, *STORAGE_ERRORS)
# A request for the same list while one is still queued this recently gets that one.
EXPORT_REUSE_WITHIN = timedelta(minutes=15)


def export_request(*, user: User, kind: str, file_format: str, params: dict) -> Export:
    """Queue a long list for the background, for a cadre who may see it; a repeat gets the same one."""
    if file_format not in Export.Format.values:
        raise ExportRefused(_("Chỉ xuất được tệp CSV hoặc XLSX."))
    if export_target(user=user, kind=kind, params=params) is None:
        raise ExportRefused(_("Danh sách này không thuộc phạm vi bạn phụ trách."))
    pending = Export.objects.filter(
        requested_by=user,
        kind=kind,
        file_format=file_format,
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING],
        created_at__gte=timezone.now() - EXPORT_REUSE_WITHIN,
    )
    for export in pending:
        if export.params == params:
            return export
    export = Export.objects.create(
        requested_by=user, kind=kind, file_format=file_format, params=params
    )
    from ..tasks import build_export  # tasks import this module

    build_export.delay_on_commit(export.pk)
    return export


def _export_fail(export_id: int, message: str) -> None:
    Export.objects.filter(pk=export_id).exclude(status=Export.Status.READY).update(
        status=Export.Status.FAILED, error=message, finished_at=timezone.now()
    )


def _export_progress(export_id: int, done: int) -> None:
    """One UPDATE per chunk, which the status page reads while the file is written."""
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        rows_done=done, rows_total=Greatest("rows_total", Value(done))
    )


def _export_store(export_id: int, out, done: int) -> Export:
    """Save the written file and mark the export ready, unless another run already did."""
    written = []  # the key this run stored, removed again if its row does not commit
    try:
        with transaction.atomic():
            export = Export.objects.select_for_update().get(pk=export_id)
            if export.status == Export.Status.READY:  # a duplicate delivery finished first
                return export
            # Stored under a new key before the row names it (see certificates/storage.py).
            export.file.save(export.params.get("filename") or "danh-sach", File(out), save=False)
            written.append(export.file.name)
            export.status = Export.Status.READY
            export.rows_done = export.rows_total = done
            export.error = ""
            export.finished_at = timezone.now()
            export.save()
    except BaseException:
        for name in written:
            delete_quietly(private_storage, name)
        raise
    return export


def export_build(*, export_id: int, may_retry: bool = False) -> Export | None:
    """Write an export's file chunk by chunk if its cadre may still see the list; never twice.

    Scope is checked again here: a cadre whose wards were taken away in the
    meantime gets a failed export, not a file. A ready export is left alone, so a
    redelivered task changes nothing. A transient error (database, disk) puts the
    export back in the queue and is raised again when `may_retry`; any other error
    fails it with a message in Vietnamese.
    """
    with transaction.atomic():
        export = (
            Export.objects.select_for_update()
            .select_related("requested_by")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status == Export.Status.READY:
            return export
        export.status = Export.Status.RUNNING
        export.rows_done = 0
        export.error = ""
        export.save(update_fields=["status", "rows_done", "error"])
    language = export.params.get("lang") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            table = export_table(user=export.requested_by, kind=export.kind, params=export.params)
            Export.objects.filter(pk=export_id).update(rows_total=table.rows_total)
            with tempfile.TemporaryFile() as out:
                done = write(
                    table,
                    file_format=export.file_format,
                    out=out,
                    on_chunk=lambda rows: _export_progress(export_id, rows),
                    separator=export.params.get("separator") or ",",
                )
                out.seek(0)
                return _export_store(export_id, out, done)
    except ExportRefused as refusal:
        _export_fail(export_id, refusal.message)
    except EXPORT_TRANSIENT_ERRORS:
        log.exception("export %s: transient error (retry: %s)", export_id, may_retry)
        if may_retry:
            Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
                status=Export.Status.QUEUED
            )
            raise
        with translation.override(language):
            _export_fail(
                export_id, _("Không xuất được danh sách vì hệ thống đang bận. Hãy thử lại sau.")
            )
    except Exception:
        log.exception("export %s failed", export_id)
        with translation.override(language):
            _export_fail(export_id, _("Không xuất được danh sách do lỗi hệ thống. Hãy thử lại."))
    return Export.objects.filter(pk=export_id).first()


def export_files_cleanup(*, older_than: timedelta = ORPHAN_MIN_AGE) -> int:
    """Delete export files that no export names and that are over an hour old (row never committed)."""

    def referenced(names: list[str]) -> set[str]:
        return set(Export.objects.filter(file__in=names).values_list("file", flat=True))

    return orphans_delete(
        storage=private_storage, folder="exports", referenced=referenced, older_than=older_than
    )
