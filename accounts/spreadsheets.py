"""Spreadsheet cells that stay text: the one rule every CSV/XLSX export of the project follows.

A cell that begins with = + - @, a tab or a carriage return is run as a formula by
Excel and LibreOffice when a CSV is opened (CSV injection: `=HYPERLINK(...)` in a
learner's name becomes a link that leaks data). Such text gets a leading
apostrophe, which spreadsheets show as text. XLSX cells are typed: a string cell is
never a formula, so only openpyxl's own "=" detection has to be undone there.
"""

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class FormulaSafeExportMixin:
    """For Wagtail views with SpreadsheetExportMixin (ReportView, IndexView): cells stay text.

    Wagtail's XLSX export already stores a value "=..." as a string cell, so values are
    changed in CSV only. Headings are written as plain strings in both formats (and may
    carry a course title), so they are made safe in both.
    """

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return formula_safe(value) if export_format == "csv" else value

    def get_heading(self, queryset, field):
        return formula_safe(super().get_heading(queryset, field))
