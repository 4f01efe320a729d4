from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views

report_urls = [
    path("", views.QuizReportView.as_view(), name="index"),
    path("results/", views.QuizReportView.as_view(results_only=True), name="index_results"),
    path("<id:quiz_id>/", views.QuizItemAnalysisView.as_view(), name="items"),
    path(
        "<id:quiz_id>/results/",
        views.QuizItemAnalysisView.as_view(results_only=True),
        name="items_results",
    ),
]


@hooks.register("register_admin_urls")
def register_quiz_report_urls():
    return [path("reports/quizzes/", include((report_urls, "quiz_reports")))]


@hooks.register("register_reports_menu_item")
def register_quiz_report_menu_item():
    return MenuItem(
        _("Phân tích bài kiểm tra"),
        reverse("quiz_reports:index"),
        name="quiz-analysis",
        icon_name="help",
        order=1000,
    )
