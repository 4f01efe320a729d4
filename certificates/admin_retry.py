"""Failed certificates in the Wagtail admin, with a "try again" action.

Kept apart from the certificate viewset (wagtail_hooks.py): who may act is the
permission that withdraws and reissues certificates, `certificates.revoke_certificate`.
Superusers hold every permission; where that permission is not defined, only they may.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem

from . import services
from .models import Certificate

PERMISSION = "certificates.revoke_certificate"


def failed_list(request):
    """Every failed certificate: why, and whether the sweep will try again by itself."""
    if not request.user.has_perm(PERMISSION):
        return permission_denied(request)  # Wagtail's answer: back to the dashboard
    failed = Certificate.objects.filter(status=Certificate.Status.FAILED).order_by(
        "retry_at", "-issued_at"
    )
    return TemplateResponse(
        request, "certificates/admin/failed.html", {"certificates": failed[:500]}
    )


@require_POST
def retry(request, pk: int):
    if not request.user.has_perm(PERMISSION):
        return permission_denied(request)
    certificate = get_object_or_404(Certificate, pk=pk)
    if services.certificate_retry(certificate=certificate):
        messages.success(
            request,
            _("Đang tạo lại giấy chứng nhận %(number)s.") % {"number": certificate.number},
        )
    else:
        messages.warning(
            request,
            _("Giấy chứng nhận %(number)s không còn ở trạng thái lỗi.")
            % {"number": certificate.number},
        )
    return redirect("certificates_failed")


@hooks.register("register_admin_urls")
def register_failed_certificate_urls():
    return [
        path("chung-nhan-loi/", failed_list, name="certificates_failed"),
        path("chung-nhan-loi/<int:pk>/thu-lai/", retry, name="certificates_retry"),
    ]


class FailedCertificatesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_menu_item")
def register_failed_certificates_menu_item():
    return FailedCertificatesMenuItem(
        gettext_lazy("Chứng nhận lỗi"),
        reverse("certificates_failed"),
        icon_name="warning",
        order=310,
    )
