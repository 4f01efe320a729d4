"""Sending a private file (a certificate PDF, an export) to a user the view has already checked."""

import logging

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import render

from .storage import STORAGE_ERRORS

log = logging.getLogger(__name__)


def private_file_response(request, file: FieldFile, *, filename: str, content_type: str):
    """Stream the file as an attachment; 404 if it is missing, 503 (try again) if storage is down."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    except STORAGE_ERRORS:
        log.warning("storage unavailable while sending %s", file.name, exc_info=True)
        response = render(request, "certificates/file_unavailable.html", status=503)
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
