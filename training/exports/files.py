"""Writing a table as CSV or XLSX: chunk by chunk, so a list of any length is written
with a bounded amount of memory and a fixed number of queries per chunk."""

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any, BinaryIO

from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify

from accounts.spreadsheets import formula_safe
from accounts.text import fold

from ..models import Export
from .tables import Table

FORMATS = (Export.Format.CSV, Export.Format.XLSX)
CONTENT_TYPES = {
    Export.Format.CSV: "text/csv; charset=utf-8",
    Export.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel set to Vietnamese regional settings (decimal comma) splits CSV columns on ";".
SEMICOLON = ";"
SEPARATORS = (",", SEMICOLON)


def filename(*, kind: str, name: str, file_format: str, day: datetime.date | None = None) -> str:
    """An ASCII file name: nguoi-dan-phuong-sai-gon-20260512.xlsx."""
    prefix = "nguoi-dan" if kind == Export.Kind.WARD_RESIDENTS else "xa-phuong"
    day = day or timezone.localdate()
    return f"{prefix}-{slugify(fold(name)) or 'danh-sach'}-{day:%Y%m%d}.{file_format}"


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
