"""Completion reports in the Wagtail admin: a province's wards and one ward's assignments.

Figures only (counts and rates, never names or phone numbers), for the wards
`accounts.permissions.report_wards` allows; the numbers come from the same
selectors as the cadres' dashboards. Wagtail's ReportView gives the CSV/XLSX export
(its CSV cells kept text by `FormulaSafeExportMixin`: course titles are typed by people).
"""

import datetime
import re

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, StatusFlagColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from accounts import permissions
from accounts.collation import vietnamese
from accounts.models import Province, Ward
from accounts.spreadsheets import FormulaSafeExportMixin

from . import selectors
from .selectors import Figures

# A primary key as typed in a URL: ASCII digits, small enough for every database.
_PK = re.compile(r"[0-9]{1,9}")

FIGURE_HEADINGS = {
    "in_scope": _("Thuộc đối tượng"),
    "started": _("Đã bắt đầu"),
    "completed": _("Đã hoàn thành"),
    "rate": _("Tỉ lệ hoàn thành (%)"),
    "change_7_days": _("Tăng 7 ngày"),
    "change_30_days": _("Tăng 30 ngày"),
    "certificates": _("Chứng nhận"),
    "overdue": _("Quá hạn"),
}


def _percent(value: float) -> float:
    return round(value, 1)


def _figure_values(figures: Figures) -> dict:
    return {
        "in_scope": figures.in_scope,
        "started": figures.started,
        "completed": figures.completed,
        "rate": _percent(figures.rate),
        "change_7_days": _percent(figures.change_7_days),
        "change_30_days": _percent(figures.change_30_days),
        "certificates": figures.certificates,
        "overdue": figures.overdue,
    }


def _figure_columns() -> list[Column]:
    return [Column(name, label=label) for name, label in FIGURE_HEADINGS.items()]


def report_provinces(user):
    """Provinces with at least one ward whose figures the user may see, by name."""
    return Province.objects.filter(
        pk__in=permissions.report_wards(user).values("province_id")
    ).order_by(vietnamese("name"), "pk")


class WardReportAccessMixin:
    """Admin users with at least one ward in their report scope; others are refused."""

    def dispatch(self, request, *args, **kwargs):
        if not permissions.report_wards(request.user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ProvinceFilterSet(django_filters.FilterSet):
    province = django_filters.ModelChoiceFilter(
        label=_("Tỉnh/thành"),
        queryset=lambda request: report_provinces(request.user),
        empty_label=None,
        method="keep_all",
    )

    class Meta:
        model = Ward
        fields = []

    def keep_all(self, queryset, name, value):
        # The province picks the report; the rows are not a queryset to filter.
        return queryset


class ProvinceReportView(WardReportAccessMixin, FormulaSafeExportMixin, ReportView):
    """Every ward of one province: residents, completion overall and per assignment, lagging."""

    page_title = _("Hoàn thành theo xã/phường")
    header_icon = "site"
    index_url_name = "training_reports:province"
    index_results_url_name = "training_reports:province_results"
    results_template_name = "training/admin/province_report_results.html"
    filterset_class = ProvinceFilterSet
    paginate_by = None
    default_ordering = "ten"

    def filter_queryset(self, queryset):
        return queryset  # the filter form chooses the province (see `province`)

    @cached_property
    def province(self) -> Province:
        """The chosen province (one the user may see), else the first by name; else 404."""
        filters = self.filters
        if filters is None or not filters.is_valid():
            raise Http404(gettext("Không có tỉnh/thành này trong phạm vi của bạn."))
        province = filters.form.cleaned_data.get("province")
        province = province or report_provinces(self.request.user).first()
        if province is None:
            raise Http404
        return province

    @cached_property
    def report(self) -> selectors.ProvinceReport:
        return selectors.province_report(
            province=self.province, settings=selectors.training_settings(request=self.request)
        )

    @cached_property
    def visible_rows(self) -> list[selectors.WardRow]:
        """The report's rows for the wards this user may see figures of."""
        allowed = set(
            permissions.report_wards(self.request.user)
            .filter(province=self.province)
            .values_list("pk", flat=True)
        )
        return [row for row in self.report.rows if row.ward.pk in allowed]

    @cached_property
    def assignment_keys(self) -> list[tuple[str, str]]:
        """(row key, heading) of each assignment's completion-rate column."""
        return [
            (
                f"assignment_{n}",
                gettext("%(course)s · hạn %(due)s (%%)")
                % {"course": a.course.title, "due": f"{a.due_date:%d/%m/%Y}"},
            )
            for n, a in enumerate(self.report.assignments)
        ]

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "ward",
                label=_("Xã/phường"),
                sort_key="ten",
                get_url=lambda line: line["url"],
            ),
            Column("residents", label=_("Người đăng ký"), sort_key="dan-so"),
            Column("in_scope", label=FIGURE_HEADINGS["in_scope"]),
            Column("started", label=FIGURE_HEADINGS["started"]),
            Column("completed", label=FIGURE_HEADINGS["completed"]),
            Column("rate", label=FIGURE_HEADINGS["rate"], sort_key="ti-le"),
            Column("change_7_days", label=FIGURE_HEADINGS["change_7_days"], sort_key="7-ngay"),
            Column("change_30_days", label=FIGURE_HEADINGS["change_30_days"], sort_key="30-ngay"),
            Column("certificates", label=FIGURE_HEADINGS["certificates"]),
            Column("overdue", label=FIGURE_HEADINGS["overdue"]),
            StatusFlagColumn(
                "lagging", label=_("Vùng trũng"), true_label=_("Vùng trũng"), sort_key="vung-trung"
            ),
            *(Column(key, label=heading) for key, heading in self.assignment_keys),
        ]

    @cached_property
    def list_export(self):
        return [
            "ward",
            "residents",
            *FIGURE_HEADINGS,
            "lagging_text",
            *(key for key, _heading in self.assignment_keys),
        ]

    @cached_property
    def export_headings(self):
        return {
            "ward": _("Xã/phường"),
            "residents": _("Người đăng ký"),
            **FIGURE_HEADINGS,
            "lagging_text": _("Vùng trũng"),
            **dict(self.assignment_keys),
        }

    def get_page_subtitle(self):
        return self.province.name

    def get_queryset(self):
        rows, _sort = selectors.province_rows_sorted(self.visible_rows, self.ordering or "ten")
        ward_url = reverse("training_reports:ward")
        lines = []
        for row in rows:
            line = {
                "ward": row.ward.name,
                "url": f"{ward_url}?ward={row.ward.pk}",
                "residents": row.residents,
                **_figure_values(row.overall),
                "lagging": row.lagging,
                "lagging_text": gettext("Có") if row.lagging else gettext("Không"),
            }
            for (key, _heading), cell in zip(self.assignment_keys, row.cells, strict=True):
                line[key] = None if cell is None else _percent(cell.rate)
            lines.append(line)
        return lines

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        report = self.report
        totals = Figures()
        for row in self.visible_rows:
            totals.add(row.overall)
        context["province"] = self.province
        context["totals_rate"] = _percent(totals.rate)
        context["ward_count"] = len(self.visible_rows)
        context["lagging_count"] = sum(row.lagging for row in self.visible_rows)
        # The province median says something about every ward: only for those who see them all.
        if len(self.visible_rows) == len(report.rows):
            context["median_rate"] = _percent(report.median_rate)
            context["lagging_below"] = _percent(report.lagging_below)
            context["min_residents"] = report.min_residents
        return context

    def get_filename(self):
        return f"hoan-thanh-tinh-{self.province.code:02d}-{datetime.date.today():%Y-%m-%d}"


class WardReportView(WardReportAccessMixin, FormulaSafeExportMixin, ReportView):
    """One ward (?ward=<id>): the figures of each of its active assignments."""

    header_icon = "site"
    index_url_name = "training_reports:ward"
    index_results_url_name = "training_reports:ward_results"
    results_template_name = "training/admin/ward_report_results.html"
    paginate_by = None
    columns = [
        Column("course", label=_("Khóa học")),
        Column("due_date", label=_("Hạn hoàn thành")),
        Column("audience", label=_("Đối tượng")),
        *_figure_columns(),
    ]
    list_export = ["course", "due_date", "audience", *FIGURE_HEADINGS]
    export_headings = {
        "course": _("Khóa học"),
        "due_date": _("Hạn hoàn thành"),
        "audience": _("Đối tượng"),
        **FIGURE_HEADINGS,
    }

    @cached_property
    def ward(self) -> Ward:
        """The ward named by ?ward=, if the user may see its figures; else 404."""
        ward_id = self.request.GET.get("ward", "")
        ward = None
        if _PK.fullmatch(ward_id):
            ward = (
                permissions.report_wards(self.request.user)
                .select_related("province")
                .filter(pk=int(ward_id))
                .first()
            )
        if ward is None:
            raise Http404(gettext("Không có xã/phường này trong phạm vi của bạn."))
        return ward

    @cached_property
    def summary(self):
        return selectors.ward_summary(ward=self.ward)

    @property
    def page_title(self):
        return gettext("Hoàn thành tại %(ward)s") % {"ward": self.ward.name}

    def get_page_subtitle(self):
        return self.ward.province.name

    def get_breadcrumbs_items(self):
        province_url = reverse("training_reports:province")
        return [
            *self.breadcrumbs_items,
            {
                "url": f"{province_url}?province={self.ward.province_id}",
                "label": _("Hoàn thành theo xã/phường"),
            },
            {"url": "", "label": self.ward.name, "sublabel": self.ward.province.name},
        ]

    def get_index_url(self):
        return f"{reverse(self.index_url_name)}?ward={self.ward.pk}"

    def get_index_results_url(self):
        return f"{reverse(self.index_results_url_name)}?ward={self.ward.pk}"

    def get_queryset(self):
        _residents, summaries = self.summary
        return [
            {
                "course": s.assignment.course.title,
                "due_date": f"{s.assignment.due_date:%d/%m/%Y}",
                "audience": str(s.assignment.audience_label),
                **_figure_values(s.figures),
            }
            for s in summaries
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["ward"] = self.ward
        context["residents"] = self.summary[0]
        return context

    def get_filename(self):
        return f"hoan-thanh-xa-{self.ward.code}-{datetime.date.today():%Y-%m-%d}"
