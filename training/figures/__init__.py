"""Completion figures of wards and provinces (`report`) and the cached counts behind them (`counts`)."""

from .counts import CERTIFICATES_IN_FORCE, ward_counts_changed, ward_counts_version_key
from .report import (
    PROVINCE_SORT_LABELS,
    AssignmentFigures,
    Figures,
    ProvinceReport,
    WardRow,
    province_report,
    province_rows_sorted,
    ward_counts_refresh,
    ward_summary,
)

__all__ = [
    "CERTIFICATES_IN_FORCE",
    "PROVINCE_SORT_LABELS",
    "AssignmentFigures",
    "Figures",
    "ProvinceReport",
    "WardRow",
    "province_report",
    "province_rows_sorted",
    "ward_counts_changed",
    "ward_counts_refresh",
    "ward_counts_version_key",
    "ward_summary",
]
