"""Downloads of the ward and province lists (CSV, XLSX), straight away or from the background.

Whether a list is written in the request or by a worker while the cadre watches
its progress is `exports.delivery`'s decision. Scope is asked of `accounts.permissions` on the request, in
the worker and again on the status page and the download: anything outside it is a 404.
"""

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.models import Province
from certificates.downloads import private_file_response

from .assignments import ward_assignments
from .exports.delivery import export_deliver
from .exports.files import CONTENT_TYPES, FORMATS, SEMICOLON
from .exports.jobs import exports_of
from .exports.tables import ExportRefused, export_target
from .models import Export, TrainingSettings
from .residents import phone_export_log
from .views import cadre_required, ward_in_scope, ward_list_filters


def _file_format(value: str) -> str:
    if value not in FORMATS:
        raise Http404
    return value


# "?dau=cham-phay" (or the form's "csv-cham-phay"): a CSV split by ";" for Excel in Vietnamese.
SEMICOLON_CHOICE = "cham-phay"


def _separator(request, file_format: str) -> str:
    wanted = request.GET.get("dau") == SEMICOLON_CHOICE
    return SEMICOLON if wanted and file_format == Export.Format.CSV else ","


def _send_or_queue(
    request, *, kind: str, file_format: str, name: str, params: dict, log_phones=None
):
    """The file now, or the progress page of its background export; 404 out of scope."""
    try:
        delivered = export_deliver(
            user=request.user,
            kind=kind,
            file_format=file_format,
            name=name,
            params=params,
            settings=TrainingSettings.current(request=request),
            log_phones=log_phones,
        )
    except ExportRefused as refusal:
        raise Http404 from refusal
    if isinstance(delivered, Export):
        return redirect("training:export_status", export_id=delivered.pk)
    return delivered


@require_GET
@cadre_required
def ward_export(request, ward_id: int, file_format: str):
    """The ward's residents exactly as filtered on the ward page, every page of them."""
    file_format = _file_format(file_format)
    ward = ward_in_scope(request.user, ward_id)
    assignments = ward_assignments(ward=ward)
    _form, filters = ward_list_filters(request, assignments)
    return _send_or_queue(
        request,
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=file_format,
        name=ward.name,
        params=_ward_params(ward, filters, separator=_separator(request, file_format)),
    )


def _ward_params(ward, filters, *, separator: str) -> dict:
    chosen = filters.assignment
    return {
        "ward": ward.pk,
        "assignment": chosen.pk if chosen else None,
        "status": filters.status,
        "q": filters.search,
        "separator": separator,
    }


# The choices of "Xuất kèm số điện thoại": file format and CSV separator.
PHONE_EXPORT_FORMATS = {
    "xlsx": (Export.Format.XLSX, ","),
    "csv-" + SEMICOLON_CHOICE: (Export.Format.CSV, SEMICOLON),
    "csv": (Export.Format.CSV, ","),
}


@require_POST
@cadre_required
def ward_export_with_phones(request, ward_id: int):
    """The ward's list as filtered, WITH full phone numbers: asked for explicitly (a POST)
    and logged (training.PhoneExport: who, which ward and filters, how many rows)."""
    ward = ward_in_scope(request.user, ward_id)
    choice = PHONE_EXPORT_FORMATS.get(request.POST.get("dinh_dang", ""))
    if choice is None:
        return HttpResponseBadRequest(_("Hãy chọn một dạng tệp trong danh sách."))
    file_format, separator = choice
    _form, filters = ward_list_filters(request, ward_assignments(ward=ward))
    params = {**_ward_params(ward, filters, separator=separator), "with_phones": True}

    def log_phones(rows: int) -> None:
        phone_export_log(
            viewer=request.user, ward=ward, file_format=file_format, params=params, rows=rows
        )

    return _send_or_queue(
        request,
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=file_format,
        name=ward.name,
        params=params,
        log_phones=log_phones,
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
        params={
            "province": province.pk,
            "sort": request.GET.get("sap-xep", "ten")[:20],
            "separator": _separator(request, file_format),
        },
    )


def _own_export(request, export_id: int) -> tuple[Export, object]:
    """The user's own export, if its list is still in their scope; 404 otherwise."""
    export = get_object_or_404(exports_of(user=request.user), pk=export_id)
    target = export_target(user=request.user, kind=export.kind, params=export.params)
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
        content_type=CONTENT_TYPES[export.file_format],
    )
