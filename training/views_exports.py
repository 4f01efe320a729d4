"""Downloads of the ward and province lists (CSV, XLSX), straight away or from the background.

A list up to `TrainingSettings.background_export_rows` rows is written in the
request; a longer one becomes an `Export` that a worker writes while the cadre
watches its progress. Scope is asked of `accounts.permissions` on the request, in
the worker and again on the status page and the download: anything outside it is a 404.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.models import Province
from certificates.downloads import private_file_response

from . import exports, selectors, services
from .models import Export
from .views import cadre_required, ward_in_scope, ward_list_filters


def _file_format(value: str) -> str:
    if value not in exports.FORMATS:
        raise Http404
    return value


def _send_or_queue(request, *, kind: str, file_format: str, name: str, params: dict):
    """Write a short list now; queue a long one and show its progress."""
    params = {
        **params,
        "filename": exports.filename(kind=kind, name=name, file_format=file_format),
        "lang": translation.get_language(),
    }
    try:
        table = exports.export_table(user=request.user, kind=kind, params=params)
    except exports.ExportRefused as refusal:
        raise Http404 from refusal
    limit = selectors.training_settings(request=request).background_export_rows
    if table.rows_total <= limit:
        return exports.response(table, file_format=file_format, name=params["filename"])
    try:
        export = services.export_request(
            user=request.user, kind=kind, file_format=file_format, params=params
        )
    except exports.ExportRefused as refusal:
        raise Http404 from refusal
    return redirect("training:export_status", export_id=export.pk)


@require_GET
@cadre_required
def ward_export(request, ward_id: int, file_format: str):
    """The ward's residents exactly as filtered on the ward page, every page of them."""
    file_format = _file_format(file_format)
    ward = ward_in_scope(request.user, ward_id)
    assignments = selectors.ward_assignments(ward=ward)
    _form, filters = ward_list_filters(request, assignments)
    chosen = filters.assignment
    return _send_or_queue(
        request,
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=file_format,
        name=ward.name,
        params={
            "ward": ward.pk,
            "assignment": chosen.pk if chosen else None,
            "status": filters.status,
            "q": filters.search,
        },
    )


@require_GET
@cadre_required
def province_export(request, province_id: int, file_format: str):
    """Every ward of the province with its figures, sorted as on the province page."""
    file_format = _file_format(file_format)
    province = get_object_or_404(Province, pk=province_id)
    if not permissions.can_see_province_report(request.user, province):
        raise Http404
    return _send_or_queue(
        request,
        kind=Export.Kind.PROVINCE_WARDS,
        file_format=file_format,
        name=province.name,
        params={"province": province.pk, "sort": request.GET.get("sap-xep", "ten")[:20]},
    )


def _own_export(request, export_id: int) -> tuple[Export, object]:
    """The user's own export, if its list is still in their scope; 404 otherwise."""
    export = get_object_or_404(selectors.exports_of(user=request.user), pk=export_id)
    target = exports.export_target(user=request.user, kind=export.kind, params=export.params)
    if target is None:
        raise Http404
    return export, target


@require_GET
@cadre_required
def export_status(request, export_id: int):
    """Progress of a background export; refreshes itself until the file is ready."""
    export, target = _own_export(request, export_id)
    waiting = export.status in (Export.Status.QUEUED, Export.Status.RUNNING)
    page = "training:ward" if export.kind == Export.Kind.WARD_RESIDENTS else "training:province"
    return render(
        request,
        "training/export_status.html",
        {
            "export": export,
            "target": target,
            "waiting": waiting,
            "back": reverse(page, args=[target.pk]),
        },
    )


@require_GET
@cadre_required
def export_download(request, export_id: int):
    """The finished file, for the cadre who asked for it while the list is still theirs."""
    export, _target = _own_export(request, export_id)
    if export.status != Export.Status.READY or not export.file:
        raise Http404
    return private_file_response(
        request,
        export.file,
        filename=export.params.get("filename") or f"danh-sach.{export.file_format}",
        content_type=exports.CONTENT_TYPES[export.file_format],
    )
