from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from accounts import permissions

from . import admin_views
from .assignments import learner_due_dates


@hooks.register("learner_course_due_dates")
def assigned_courses(user):
    """Courses assigned to the learner's ward come first in the catalogue and "my learning"."""
    return learner_due_dates(user=user)


report_urls = [
    path("", admin_views.ProvinceReportView.as_view(), name="province"),
    path(
        "results/",
        admin_views.ProvinceReportView.as_view(results_only=True),
        name="province_results",
    ),
    path("xa/", admin_views.WardReportView.as_view(), name="ward"),
    path("xa/results/", admin_views.WardReportView.as_view(results_only=True), name="ward_results"),
]


@hooks.register("register_admin_urls")
def register_ward_report_urls():
    return [path("reports/ward-completion/", include((report_urls, "training_reports")))]


class WardReportMenuItem(MenuItem):
    """Shown only to those with at least one ward whose figures they may see."""

    def is_shown(self, request):
        return permissions.report_wards(request.user).exists()


@hooks.register("register_reports_menu_item")
def register_ward_report_menu_item():
    return WardReportMenuItem(
        _("Hoàn thành theo xã/phường"),
        reverse("training_reports:province"),
        name="ward-completion",
        icon_name="site",
        order=1100,
    )
