"""Build now or in the background: the one decision between a file in the response and
an `Export` a worker writes while the cadre watches its progress."""

from collections.abc import Callable

from django.http import FileResponse
from django.utils import translation

from accounts.models import User

from ..models import Export, TrainingSettings
from .files import filename, response
from .jobs import export_request
from .tables import export_table


def export_deliver(
    *,
    user: User,
    kind: str,
    file_format: str,
    name: str,
    params: dict,
    settings: TrainingSettings,
    log_phones: Callable[[int], object] | None = None,
) -> FileResponse | Export:
    """A list up to `settings.background_export_rows` rows as the file itself; a longer one
    queued as an Export (a repeat gets the same one). ExportRefused if out of scope.

    `log_phones(rows)` records an export with full phone numbers before anything is sent.
    """
    params = {
        **params,
        "filename": filename(kind=kind, name=name, file_format=file_format),
        "lang": translation.get_language(),
    }
    table = export_table(user=user, kind=kind, params=params)
    if log_phones is not None:
        log_phones(table.rows_total)
    if table.rows_total <= settings.background_export_rows:
        return response(
            table,
            file_format=file_format,
            name=params["filename"],
            separator=params.get("separator") or ",",
        )
    return export_request(user=user, kind=kind, file_format=file_format, params=params)
