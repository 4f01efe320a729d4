"""Certificates in the Wagtail admin: find, revoke, reissue; see the ones that failed."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from . import services
from .models import Certificate


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = gettext_lazy("Giấy chứng nhận")
    menu_order = 300
    add_to_admin_menu = True
    inspect_view_enabled = True
    list_display = ["number", "full_name", "course_title", "completed_on", "status", "issued_at"]
    list_filter = ["status"]
    search_fields = ["number", "full_name", "course_title"]
    list_export = ["number", "full_name", "course_title", "completed_on", "status", "error"]
    inspect_template_name = "certificates/admin/inspect.html"
    copy_view_enabled = False
    # Issued certificates are never edited: they change only by revoking or reissuing.
    form_fields = ["revoked_reason"]

    @property
    def edit_view(self):
        return lambda request, pk: redirect(self.get_url_name("inspect"), pk)

    @property
    def add_view(self):
        return lambda request: redirect(self.get_url_name("index"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/revoke/", self.revoke_view, name="revoke"),
            path("<int:pk>/reissue/", self.reissue_view, name="reissue"),
        ]

    def revoke_view(self, request, pk):
        certificate = get_object_or_404(Certificate, pk=pk)
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            if "\x00" in reason:  # PostgreSQL refuses it in text: a 500, not a message
                messages.error(request, _("Lý do thu hồi có ký tự không hợp lệ."))
            elif not reason:
                messages.error(request, _("Hãy ghi lý do thu hồi."))
            else:
                services.certificate_revoke(certificate=certificate, reason=reason)
                messages.success(
                    request,
                    _("Đã thu hồi giấy chứng nhận %(number)s.") % {"number": certificate.number},
                )
                return redirect(self.get_url_name("index"))
        return TemplateResponse(
            request,
            "certificates/admin/revoke.html",
            {"certificate": certificate, "action": "revoke"},
        )

    def reissue_view(self, request, pk):
        certificate = get_object_or_404(Certificate, pk=pk)
        if request.method == "POST":
            try:
                new = services.certificate_reissue(certificate=certificate)
            except services.CertificateRefused as refusal:
                messages.error(request, refusal.message)
                return redirect(self.get_url_name("index"))
            messages.success(
                request,
                _("Đã cấp lại: số mới %(new)s thay cho %(old)s.")
                % {"new": new.number, "old": certificate.number},
            )
            return redirect(self.get_url_name("index"))
        return TemplateResponse(
            request,
            "certificates/admin/revoke.html",
            {"certificate": certificate, "action": "reissue"},
        )


certificate_viewset = CertificateViewSet("certificate_admin")


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return certificate_viewset
