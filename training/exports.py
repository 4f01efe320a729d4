"""The two lists cadres download: a ward's residents and a province's wards, as CSV or XLSX.

Each list has ONE definition of its columns (Vietnamese headings and how each value
is read), used both when the file is sent straight back and when a worker prepares
a long list in the background. Rows come in chunks, so a list of any length is
written with a bounded amount of memory and a fixed number of queries per chunk.

Who may export what is asked of `accounts.permissions`, here and nowhere else in
this module's callers: `export_target` is checked when the export is requested,
when the worker writes it and when the file is downloaded.
"""

import csv
import datetime
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import Province, User, Ward
from accounts.spreadsheets import formula_safe
from accounts.text import fold

from . import selectors
from .models import Assignment, Export
from .selectors import ResidentLine, ResidentStatus, WardRow

FORMATS = (Export.Format.CSV, Export.Format.XLSX)
CONTENT_TYPES = {
    Export.Format.CSV: "text/csv; charset=utf-8",
    Export.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel set to Vietnamese regional settings (decimal comma) splits CSV columns on ";".
SEMICOLON = ";"
SEPARATORS = (",", SEMICOLON)
# Residents read per chunk: one query for the rows and one for their progress.
CHUNK_SIZE = 500


@dataclass(frozen=True)
class Column:
    """One column of a list: its heading and how its value is read from a row."""

    heading: str
    value: Callable[[Any], Any]
    width: int = 14  # characters, for the XLSX sheet


@dataclass
class Table:
    """A list ready to be written: its columns, its length and its rows in chunks."""

    sheet_title: str
    columns: list[Column]
    rows_total: int
    chunks: Iterable[list[Any]]  # each chunk: a list of row objects the columns read


# ---------------------------------------------------------------- residents of a ward

STATUS_LABELS = {
    ResidentStatus.NOT_STARTED: gettext_lazy("Chưa học"),
    ResidentStatus.IN_PROGRESS: gettext_lazy("Đang học"),
    ResidentStatus.COMPLETED: gettext_lazy("Đã hoàn thành"),
    ResidentStatus.OVERDUE: gettext_lazy("Quá hạn"),
}


@dataclass
class ResidentRow:
    line: ResidentLine
    assignment: Assignment | None


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


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
        Column(_("Trạng thái"), lambda row: STATUS_LABELS.get(row.line.status), 14),
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
        lines = selectors.resident_lines(list(chunk), assignment)
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
    residents = selectors.ward_residents(
        ward=ward, assignment=assignment, status=status, search=search
    )
    return Table(
        sheet_title=_("Người dân"),
        columns=resident_columns(with_phones=with_phones),
        rows_total=residents.count(),
        chunks=_resident_chunks(residents, assignment),
    )


# ---------------------------------------------------------------- wards of a province


def _rounded(value: float) -> float:
    return round(value, 1)


def _overall(getter: Callable[[WardRow], Any]) -> Callable[[WardRow], Any]:
    """A figure of the ward, blank when nothing assigned reaches anyone there (as on the page)."""
    return lambda row: getter(row) if row.overall.in_scope else None


def province_columns(assignments: list[Assignment]) -> list[Column]:
    """The columns of the province table: fixed figures, then one rate per assignment."""
    columns = [
        Column(_("Xã/phường"), lambda row: row.ward.name, 28),
        Column(_("Người đăng ký"), lambda row: row.residents),
        Column(_("Thuộc đối tượng"), lambda row: row.overall.in_scope),
        Column(_("Đã bắt đầu"), lambda row: row.overall.started),
        Column(_("Đã hoàn thành"), lambda row: row.overall.completed),
        Column(_("Tỉ lệ hoàn thành (%)"), _overall(lambda row: _rounded(row.overall.rate))),
        Column(
            _("Tăng 7 ngày (điểm %)"), _overall(lambda row: _rounded(row.overall.change_7_days))
        ),
        Column(
            _("Tăng 30 ngày (điểm %)"), _overall(lambda row: _rounded(row.overall.change_30_days))
        ),
        Column(_("Chứng nhận"), lambda row: row.overall.certificates),
        Column(_("Quá hạn"), lambda row: row.overall.overdue),
        Column(_("Vùng trũng"), lambda row: _("Có") if row.lagging else _("Không"), 10),
    ]
    titles = [a.course.title for a in assignments]
    for index, assignment in enumerate(assignments):
        course = assignment.course.title
        if titles.count(course) > 1:  # the same course assigned twice: tell the columns apart
            course = f"{course} ({_('hạn')} {assignment.due_date:%d/%m/%Y})"
        columns.append(Column(_("%(course)s – tỉ lệ (%%)") % {"course": course}, _cell(index), 20))
    return columns


def _cell(index: int) -> Callable[[WardRow], float | None]:
    def value(row: WardRow) -> float | None:
        figures = row.cells[index]
        return _rounded(figures.rate) if figures and figures.in_scope else None

    return value


def province_wards_table(*, province: Province, sort: str = "ten") -> Table:
    """Every ward of the province with its figures, sorted as on the province page."""
    report = selectors.province_report(province=province, settings=selectors.training_settings())
    rows, _sort = selectors.province_rows_sorted(report.rows, sort)
    return Table(
        sheet_title=_("Xã phường"),
        columns=province_columns(report.assignments),
        rows_total=len(rows),
        chunks=itertools.batched(rows, CHUNK_SIZE),
    )


# ---------------------------------------------------------------- scope, names


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


class ExportRefused(Exception):
    """A list that may not be exported (now); `message` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
        assignment = next(
            (a for a in selectors.ward_assignments(ward=target) if a.pk == assignment_id), None
        )
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


def filename(*, kind: str, name: str, file_format: str, day: datetime.date | None = None) -> str:
    """An ASCII file name: nguoi-dan-phuong-sai-gon-20260512.xlsx."""
    prefix = "nguoi-dan" if kind == Export.Kind.WARD_RESIDENTS else "xa-phuong"
    day = day or timezone.localdate()
    return f"{prefix}-{slugify(fold(name)) or 'danh-sach'}-{day:%Y%m%d}.{file_format}"


# ---------------------------------------------------------------- writing


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, int | float):
        return value
    return formula_safe(str(value))


def _write_csv(
    table: Table, out: BinaryIO, on_chunk: Callable[[int], None] | None, separator: str
) -> int:
    # UTF-8 with a byte-order mark, or Excel shows the diacritics as mojibake.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=separator if separator in SEPARATORS else ",")
    # Headings too: the province list has one per assigned course, named by its title.
    writer.writerow([formula_safe(str(column.heading)) for column in table.columns])
    done = 0
    for chunk in table.chunks:
        writer.writerows([_csv_value(c.value(row)) for c in table.columns] for row in chunk)
        done += len(chunk)
        if on_chunk:
            on_chunk(done)
    text.flush()
    text.detach()  # leave `out` open for the caller
    return done


def _write_xlsx(table: Table, out: BinaryIO, on_chunk: Callable[[int], None] | None) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(table.sheet_title)[:31])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    bold = Font(bold=True)

    def cell(value: Any, **style) -> WriteOnlyCell:
        item = WriteOnlyCell(sheet, value=value)
        if item.data_type == "f":  # a name starting with "=" stays text, never a formula
            item.data_type = "s"
        if isinstance(value, datetime.date):
            item.number_format = "DD/MM/YYYY"
        for name, setting in style.items():
            setattr(item, name, setting)
        return item

    sheet.append([cell(str(column.heading), font=bold) for column in table.columns])
    done = 0
    for chunk in table.chunks:
        for row in chunk:
            sheet.append([cell(_xlsx_value(c.value(row))) for c in table.columns])
        done += len(chunk)
        if on_chunk:
            on_chunk(done)
    workbook.save(out)
    return done


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str | datetime.date):
        return value
    return str(value)  # lazy translations


def write(
    table: Table,
    *,
    file_format: str,
    out: BinaryIO,
    on_chunk: Callable[[int], None] | None = None,
    separator: str = ",",
) -> int:
    """Write the table to a binary file; `on_chunk(rows written)` after each chunk.
    A CSV's columns are split by `separator` ("," or ";" for Excel in Vietnamese)."""
    if file_format == Export.Format.XLSX:
        return _write_xlsx(table, out, on_chunk)
    return _write_csv(table, out, on_chunk, separator)


def response(table: Table, *, file_format: str, name: str, separator: str = ",") -> FileResponse:
    """The whole file as an attachment (for lists short enough to write in the request)."""
    buffer = io.BytesIO()
    write(table, file_format=file_format, out=buffer, separator=separator)
    buffer.seek(0)
    reply = FileResponse(
        buffer, as_attachment=True, filename=name, content_type=CONTENT_TYPES[file_format]
    )
    reply["Cache-Control"] = "private, no-store"  # personal data
    return reply
