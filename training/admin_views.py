"""Completion reports in the Wagtail admin: a province's wards and one ward's assignments.

Figures only (counts and rates, never names or phone numbers), for the wards
`accounts.permissions.report_wards` allows; the numbers come from the same
`figures` as the cadres' dashboards, the columns from the same definitions as the
cadres' files (`exports.tables`). Wagtail's ReportView gives the CSV/XLSX export
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

from .exports import tables
from .figures import (
    Figures,
    ProvinceReport,
    WardRow,
    province_report,
    province_rows_sorted,
    ward_summary,
)
from .models import TrainingSettings

# A primary key as typed in a URL: ASCII digits, small enough for every database.
_PK = re.compile(r"[0-9]{1,9}")

# The admin's sort keys of the province table's columns (as on the cadres' province page).
PROVINCE_SORT_KEYS = {
    "ward": "ten",
    "residents": "dan-so",
    "rate": "ti-le",
    "change_7_days": "7-ngay",
    "change_30_days": "30-ngay",
    "lagging": "vung-trung",
}


def _percent(value: float) -> float:
    return round(value, 1)


def _display_column(column: tables.Column, sort_key: str | None) -> Column:
    """How the admin shows one column of a table defined in `exports.tables`."""
    if column.name == "ward":
        return TitleColumn(
            "ward", label=column.heading, sort_key=sort_key, get_url=lambda line: line["url"]
        )
    if column.name == "lagging":
        return StatusFlagColumn(
            "lagging_flag",
            label=column.heading,
            true_label=gettext("Vùng trũng"),
            sort_key=sort_key,
        )
    return Column(column.name, label=column.heading, sort_key=sort_key)


class TableColumnsMixin:
    """A ReportView whose columns, lines and export come from one `exports.tables` definition."""

    sort_keys: dict[str, str] = {}  # column name -> the ordering its header links to

    def table_columns(self) -> list[tables.Column]:
        raise NotImplementedError

    @cached_property
    def shared_columns(self) -> list[tables.Column]:
        return self.table_columns()

    @cached_property
    def columns(self):
        return [_display_column(c, self.sort_keys.get(c.name)) for c in self.shared_columns]

    @cached_property
    def list_export(self):
        return [column.name for column in self.shared_columns]

    @cached_property
    def export_headings(self):
        return {column.name: column.heading for column in self.shared_columns}

    def line(self, row) -> dict:
        return {column.name: column.value(row) for column in self.shared_columns}


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


class ProvinceReportView(
    WardReportAccessMixin, TableColumnsMixin, FormulaSafeExportMixin, ReportView
):
    """Every ward of one province: residents, completion overall and per assignment, lagging."""

    page_title = _("Hoàn thành theo xã/phường")
    header_icon = "site"
    index_url_name = "training_reports:province"
    index_results_url_name = "training_reports:province_results"
    results_template_name = "training/admin/province_report_results.html"
    filterset_class = ProvinceFilterSet
    paginate_by = None
    default_ordering = "ten"
    sort_keys = PROVINCE_SORT_KEYS

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
    def report(self) -> ProvinceReport:
        return province_report(
            province=self.province, settings=TrainingSettings.current(request=self.request)
        )

    @cached_property
    def visible_rows(self) -> list[WardRow]:
        """The report's rows for the wards this user may see figures of."""
        allowed = set(
            permissions.report_wards(self.request.user)
            .filter(province=self.province)
            .values_list("pk", flat=True)
        )
        return [row for row in self.report.rows if row.ward.pk in allowed]

    def table_columns(self) -> list[tables.Column]:
        return tables.province_columns(self.report.assignments)

    def get_page_subtitle(self):
        return self.province.name

    def get_queryset(self):
        rows, _sort = province_rows_sorted(self.visible_rows, self.ordering or "ten")
        ward_url = reverse("training_reports:ward")
        return [
            {
                **self.line(row),
                "url": f"{ward_url}?ward={row.ward.pk}",
                "lagging_flag": row.lagging,
            }
            for row in rows
        ]

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


class WardReportView(WardReportAccessMixin, TableColumnsMixin, FormulaSafeExportMixin, ReportView):
    """One ward (?ward=<id>): the figures of each of its active assignments."""

    header_icon = "site"
    index_url_name = "training_reports:ward"
    index_results_url_name = "training_reports:ward_results"
    results_template_name = "training/admin/ward_report_results.html"
    paginate_by = None

    def table_columns(self) -> list[tables.Column]:
        """Each active assignment of the ward, with the same figures as the province table."""
        return [
            tables.Column(gettext("Khóa học"), lambda s: s.assignment.course.title, name="course"),
            tables.Column(
                gettext("Hạn hoàn thành"),
                lambda s: f"{s.assignment.due_date:%d/%m/%Y}",
                name="due_date",
            ),
            tables.Column(
                gettext("Đối tượng"), lambda s: str(s.assignment.audience_label), name="audience"
            ),
            *tables.figure_columns(lambda s: s.figures),
        ]

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
        return ward_summary(ward=self.ward)

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
        return [self.line(summary) for summary in summaries]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["ward"] = self.ward
        context["residents"] = self.summary[0]
        return context

    def get_filename(self):
        return f"hoan-thanh-xa-{self.ward.code}-{datetime.date.today():%Y-%m-%d}"
