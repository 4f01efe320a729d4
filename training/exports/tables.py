"""What each list holds: its columns, defined once, and its rows in chunks.

The province table's columns are also the columns of the Wagtail admin's province
report (training/admin_views.py), so the page, its export and the cadres' files
agree in headings and in which cells stay blank.

Who may export what is asked of `accounts.permissions`, here and nowhere else in
the callers: `export_target` is checked when the export is requested, when the
worker writes it and when the file is downloaded.
"""

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Province, User, Ward
from accounts.refusals import Refusal

from ..assignments import ward_assignments
from ..figures import Figures, WardRow, province_report, province_rows_sorted
from ..models import Assignment, Export, TrainingSettings
from ..residents import ResidentLine, ResidentStatus, resident_lines, ward_residents

# Residents read per chunk: one query for the rows and one for their progress.
CHUNK_SIZE = 500


@dataclass(frozen=True)
class Column:
    """One column of a list: its heading and how its value is read from a row.

    `name` keys the column in the admin's report; `width` is in characters, for XLSX.
    """

    heading: str
    value: Callable[[Any], Any]
    width: int = 14
    name: str = ""


@dataclass
class Table:
    """A list ready to be written: its columns, its length and its rows in chunks."""

    sheet_title: str
    columns: list[Column]
    rows_total: int
    chunks: Iterable[list[Any]]  # each chunk: a list of row objects the columns read


class ExportRefused(Refusal):
    """A list that may not be exported (now); `message` says why, in Vietnamese."""


# ---------------------------------------------------------------- figures


def _rounded(value: float) -> float:
    return round(value, 1)


def figure_columns(figures_of: Callable[[Any], Figures]) -> list[Column]:
    """The completion figures of a row (`figures_of(row)`), as the reports show them.

    Rates are blank, not 0, where the figures reach nobody: nothing was measured.
    """

    def rate(getter: Callable[[Figures], float]) -> Callable[[Any], float | None]:
        def value(row: Any) -> float | None:
            figures = figures_of(row)
            return _rounded(getter(figures)) if figures.in_scope else None

        return value

    return [
        Column(_("Thuộc đối tượng"), lambda row: figures_of(row).in_scope, name="in_scope"),
        Column(_("Đã bắt đầu"), lambda row: figures_of(row).started, name="started"),
        Column(_("Đã hoàn thành"), lambda row: figures_of(row).completed, name="completed"),
        Column(_("Tỉ lệ hoàn thành (%)"), rate(lambda f: f.rate), name="rate"),
        Column(_("Tăng 7 ngày (điểm %)"), rate(lambda f: f.change_7_days), name="change_7_days"),
        Column(_("Tăng 30 ngày (điểm %)"), rate(lambda f: f.change_30_days), name="change_30_days"),
        Column(_("Chứng nhận"), lambda row: figures_of(row).certificates, name="certificates"),
        Column(_("Quá hạn"), lambda row: figures_of(row).overdue, name="overdue"),
    ]


def _assignment_rate(index: int) -> Callable[[WardRow], float | None]:
    def value(row: WardRow) -> float | None:
        figures = row.cells[index]
        return _rounded(figures.rate) if figures and figures.in_scope else None

    return value


def province_columns(assignments: list[Assignment]) -> list[Column]:
    """The columns of the province table: the ward's figures, then one rate per assignment."""
    return [
        Column(_("Xã/phường"), lambda row: row.ward.name, 28, name="ward"),
        Column(_("Người đăng ký"), lambda row: row.residents, name="residents"),
        *figure_columns(lambda row: row.overall),
        Column(_("Vùng trũng"), lambda row: _("Có") if row.lagging else _("Không"), 10, "lagging"),
        *(
            Column(
                _("%(course)s · hạn %(due)s (%%)")
                % {"course": a.course.title, "due": f"{a.due_date:%d/%m/%Y}"},
                _assignment_rate(index),
                20,
                f"assignment_{index}",
            )
            for index, a in enumerate(assignments)
        ),
    ]


def province_wards_table(*, province: Province, sort: str = "ten") -> Table:
    """Every ward of the province with its figures, sorted as on the province page."""
    report = province_report(province=province, settings=TrainingSettings.current())
    rows, _sort = province_rows_sorted(report.rows, sort)
    return Table(
        sheet_title=_("Xã phường"),
        columns=province_columns(report.assignments),
        rows_total=len(rows),
        chunks=itertools.batched(rows, CHUNK_SIZE),
    )


# ---------------------------------------------------------------- residents of a ward


@dataclass
class ResidentRow:
    line: ResidentLine
    assignment: Assignment | None


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _status_label(status: str) -> str | None:
    return ResidentStatus(status).label if status else None


def resident_columns(*, with_phones: bool = False) -> list[Column]:
    """The columns of the ward list, in the order of the file; numbers masked unless asked."""
    return [
        Column(_("Họ và tên"), lambda row: row.line.resident.full_name, 30),
        Column(_("Năm sinh"), lambda row: row.line.resident.birth_year, 10),
        # Masked by default (0912•••678): a file that leaves the system must not carry
        # every resident's number. Full numbers only through "Hiện số" (PhoneReveal) or
        # "Xuất kèm số điện thoại" (PhoneExport): both log who looked.
        Column(_("Số điện thoại"), _phone(with_phones), 14),
        Column(
            _("Khóa học"), lambda row: row.assignment.course.title if row.assignment else None, 30
        ),
        Column(_("Hạn"), lambda row: row.assignment.due_date if row.assignment else None, 12),
        Column(_("Trạng thái"), lambda row: _status_label(row.line.status), 14),
        Column(_("Tiến độ (%)"), lambda row: row.line.percent if row.assignment else None, 10),
        Column(
            _("Ngày hoàn thành"),
            lambda row: _local_date(getattr(row.line.resident, "completed_at", None)),
            14,
        ),
        Column(_("Số chứng nhận"), lambda row: row.line.certificate_number, 18),
    ]


def _phone(with_phones: bool) -> Callable[[ResidentRow], str]:
    if with_phones:
        return lambda row: row.line.resident.phone_display
    return lambda row: row.line.resident.phone_masked


def _resident_chunks(residents, assignment: Assignment | None) -> Iterator[list[ResidentRow]]:
    for chunk in itertools.batched(residents.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        lines = resident_lines(list(chunk), assignment)
        yield [ResidentRow(line, assignment) for line in lines]


def ward_residents_table(
    *,
    ward: Ward,
    assignment: Assignment | None,
    status: str,
    search: str,
    with_phones: bool = False,
) -> Table:
    """The residents of a ward as the cadre filtered them, every page of the list."""
    residents = ward_residents(ward=ward, assignment=assignment, status=status, search=search)
    return Table(
        sheet_title=_("Người dân"),
        columns=resident_columns(with_phones=with_phones),
        rows_total=residents.count(),
        chunks=_resident_chunks(residents, assignment),
    )


# ---------------------------------------------------------------- which list, for whom


def export_target(*, user: User, kind: str, params: dict) -> Ward | Province | None:
    """The ward or province an export reads, if this user may see it now; None otherwise."""
    if not permissions.is_cadre(user):
        return None
    if kind == Export.Kind.WARD_RESIDENTS:
        ward = Ward.objects.select_related("province").filter(pk=params.get("ward")).first()
        return ward if ward is not None and permissions.can_see_ward(user, ward) else None
    if kind == Export.Kind.PROVINCE_WARDS:
        province = Province.objects.filter(pk=params.get("province")).first()
        if province is not None and permissions.can_see_province_report(user, province):
            return province
    return None


def export_table(*, user: User, kind: str, params: dict) -> Table:
    """The list that export parameters name, if the user may see it now; else ExportRefused."""
    target = export_target(user=user, kind=kind, params=params)
    if target is None:
        raise ExportRefused(_("Bạn không còn phụ trách nơi này, nên danh sách không được xuất."))
    if kind == Export.Kind.PROVINCE_WARDS:
        return province_wards_table(province=target, sort=params.get("sort") or "ten")
    assignment = None
    if (assignment_id := params.get("assignment")) is not None:
        # The ward page offers the ward's active assignments; one cancelled since is gone.
        assignment = next((a for a in ward_assignments(ward=target) if a.pk == assignment_id), None)
        if assignment is None:
            raise ExportRefused(
                _(
                    "Khóa học được giao này không còn áp dụng cho xã/phường, nên danh sách không được xuất."
                )
            )
    return ward_residents_table(
        ward=target,
        assignment=assignment,
        status=params.get("status") or "",
        search=params.get("q") or "",
        with_phones=params.get("with_phones") is True,
    )
