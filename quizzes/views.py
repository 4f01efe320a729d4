"""Editors' reports in the Wagtail admin: which questions learners get wrong."""

import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from accounts.spreadsheets import FormulaSafeExportMixin

from . import selectors
from .models import QuizPage


class QuizReportView(FormulaSafeExportMixin, ReportView):
    """Every quiz, with attempts and pass rate; each links to its item analysis."""

    page_title = _("Phân tích bài kiểm tra")
    header_icon = "help"
    index_url_name = "quiz_reports:index"
    index_results_url_name = "quiz_reports:index_results"
    list_export = ["title", "attempt_count", "pass_count"]
    export_headings = {
        "title": _("Bài kiểm tra"),
        "attempt_count": _("Lượt nộp bài"),
        "pass_count": _("Lượt đạt"),
    }
    columns = [
        TitleColumn(
            "title",
            label=_("Bài kiểm tra"),
            get_url=lambda quiz: reverse("quiz_reports:items", args=[quiz.pk]),
        ),
        Column("attempt_count", label=_("Lượt nộp bài")),
        Column("pass_count", label=_("Lượt đạt")),
    ]

    def get_queryset(self):
        return selectors.quiz_overview()

    def get_filename(self):
        return f"bai-kiem-tra-{datetime.date.today():%Y-%m-%d}"


class QuizItemAnalysisView(FormulaSafeExportMixin, ReportView):
    """Per question of one quiz: answers, share correct, most chosen wrong answer."""

    header_icon = "help"
    index_url_name = "quiz_reports:items"
    index_results_url_name = "quiz_reports:items_results"
    paginate_by = None
    list_export = ["text", "answers", "percent_correct", "top_wrong_choice", "top_wrong_times"]
    export_headings = {
        "text": _("Câu hỏi"),
        "answers": _("Số lượt trả lời"),
        "percent_correct": _("Tỉ lệ đúng (%)"),
        "top_wrong_choice": _("Lựa chọn sai được chọn nhiều nhất"),
        "top_wrong_times": _("Số lần chọn"),
    }
    columns = [
        Column("text", label=_("Câu hỏi")),
        Column("answers", label=_("Số lượt trả lời")),
        Column("percent_correct", label=_("Tỉ lệ đúng (%)")),
        Column("top_wrong_choice", label=_("Lựa chọn sai được chọn nhiều nhất")),
        Column("top_wrong_times", label=_("Số lần chọn")),
    ]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.quiz = get_object_or_404(QuizPage, pk=kwargs["quiz_id"])

    @property
    def page_title(self):
        return _("Phân tích câu hỏi: %(title)s") % {"title": self.quiz.title}

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.quiz.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.quiz.pk])

    def get_queryset(self):
        return selectors.quiz_item_analysis(quiz=self.quiz)

    def get_filename(self):
        return f"phan-tich-cau-hoi-{self.quiz.slug}-{datetime.date.today():%Y-%m-%d}"
