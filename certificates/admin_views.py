"""Certificates in the Wagtail admin: list, inspect, export, revoke, reissue.

Who may do what is Wagtail's permission policy for `Certificate` (registered in
wagtail_hooks.py before anything asks for it):

- nobody adds, edits or deletes a certificate by hand, not even a superuser:
  certificates are issued by the system and change only by revoking or reissuing;
- "view" (`certificates.view_certificate`) lists, inspects and exports them; they
  hold citizens' names, so only certificate officers and superusers have it;
- "revoke" (`certificates.revoke_certificate`) revokes and reissues them.

The group "Cán bộ quản lý chứng nhận" (data migration 0004) has both, and admin access.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from accounts.spreadsheets import FormulaSafeExportMixin

from . import services
from .models import Certificate

OFFICERS_GROUP = "Cán bộ quản lý chứng nhận"


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that add, change and delete are refused to everyone."""

    NEVER = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.NEVER and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(set(actions) - self.NEVER)


class CertificateIndexView(FormulaSafeExportMixin, IndexView):
    """The list, its search and filter, and its CSV/XLSX export (names stay text)."""


class CertificateInspectView(InspectView):
    def setup(self, request, *args, **kwargs):
        # Refuse before the certificate is looked up (Wagtail looks it up first), so that
        # someone without the permission cannot tell an existing id from a missing one.
        self.request = request
        if not self.user_has_any_permission(self.any_permission_required):
            raise PermissionDenied
        super().setup(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The revoke and reissue buttons only for those who may use them.
        if self.user_has_permission("revoke"):
            context["can_revoke"] = self.object.status in services.REVOCABLE
            context["can_reissue"] = self.object.status in services.REISSUABLE
        return context


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do thu hồi"),
        max_length=300,
        error_messages={"required": gettext_lazy("Hãy ghi lý do thu hồi.")},
    )


class ReissueForm(forms.Form):
    """Nothing to fill in: the POST itself confirms."""


class CertificateActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Confirm (GET) and carry out (POST) an action on one certificate; needs "revoke".

    The permission is checked before the certificate is looked up, so someone without
    it learns nothing, not even whether a number exists.
    """

    model = Certificate
    permission_required = "revoke"
    template_name = "certificates/admin/revoke.html"
    header_icon = "doc-full"
    index_url_name = None
    inspect_url_name = None
    allowed_statuses: frozenset = frozenset()
    refused_message = ""

    @cached_property
    def object(self) -> Certificate:
        return get_object_or_404(Certificate, pk=self.kwargs["pk"])

    def get_page_subtitle(self):
        return self.object.number

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Giấy chứng nhận")},
            {
                "url": reverse(self.inspect_url_name, args=[self.object.pk]),
                "label": self.object.number,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["certificate"] = self.object
        context["allowed"] = self.object.status in self.allowed_statuses
        return context

    def form_valid(self, form):
        try:
            return self.perform(form)
        except services.CertificateStateError:
            # Revoked or replaced meanwhile (another tab, another officer): say so, change nothing.
            self.object.refresh_from_db()
            messages.error(self.request, self.refused_message)
            return self.render_to_response(self.get_context_data(form=form), status=409)

    def get_success_url(self):
        return reverse(self.index_url_name)


class CertificateRevokeView(CertificateActionView):
    page_title = gettext_lazy("Thu hồi")
    form_class = RevokeForm
    allowed_statuses = services.REVOCABLE
    refused_message = gettext_lazy("Giấy chứng nhận này đã bị thu hồi hoặc đã được cấp lại.")

    def perform(self, form):
        certificate = services.certificate_revoke(
            certificate=self.object, reason=form.cleaned_data["reason"]
        )
        messages.success(
            self.request,
            _("Đã thu hồi giấy chứng nhận %(number)s.") % {"number": certificate.number},
        )
        return redirect(self.get_success_url())


class CertificateReissueView(CertificateActionView):
    page_title = gettext_lazy("Cấp lại")
    form_class = ReissueForm
    allowed_statuses = services.REISSUABLE
    refused_message = gettext_lazy("Chỉ cấp lại được giấy chứng nhận đã cấp hoặc bị lỗi khi tạo.")

    def perform(self, form):
        new = services.certificate_reissue(certificate=self.object)
        messages.success(
            self.request,
            _("Đã cấp lại: số mới %(new)s thay cho %(old)s.")
            % {"new": new.number, "old": self.object.number},
        )
        return redirect(self.get_success_url())


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = gettext_lazy("Giấy chứng nhận")
    menu_order = 300
    add_to_admin_menu = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["number", "full_name", "course_title", "completed_on", "status", "issued_at"]
    list_filter = ["status"]
    search_fields = ["number", "full_name", "course_title"]
    list_export = ["number", "full_name", "course_title", "completed_on", "status", "error"]
    inspect_template_name = "certificates/admin/inspect.html"
    # Required by ModelViewSet, though no form is ever shown: there is no add or edit view.
    form_fields = ["revoked_reason"]

    def get_urlpatterns(self):
        # Only these: issued certificates are never added, edited or deleted by hand.
        kept = {"index", "index_results", "inspect"}
        return [
            *(pattern for pattern in super().get_urlpatterns() if pattern.name in kept),
            path("<int:pk>/revoke/", self.revoke_view, name="revoke"),
            path("<int:pk>/reissue/", self.reissue_view, name="reissue"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    @property
    def url_finder_class(self):
        # Where "the admin page of this certificate" points when asked without a user.
        return type(
            "CertificateURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )

    def _action_view(self, view_class):
        return view_class.as_view(
            index_url_name=self.get_url_name("index"),
            inspect_url_name=self.get_url_name("inspect"),
        )

    @property
    def revoke_view(self):
        return self._action_view(CertificateRevokeView)

    @property
    def reissue_view(self):
        return self._action_view(CertificateReissueView)

    def get_permissions_to_register(self):
        """In the group editor: only the two permissions that exist (view, revoke)."""
        return (
            super()
            .get_permissions_to_register()
            .filter(codename__in=["view_certificate", "revoke_certificate"])
        )
