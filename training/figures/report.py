"""Completion figures: of one assignment in one ward, of a ward, of a whole province.

The numbers come from `counts` (cached per ward); lagging wards are those well
under the median of comparable wards (thresholds in TrainingSettings).
"""

import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.collation import sort_key, vietnamese
from accounts.models import Province, Ward

from ..assignments import EVERYONE, Reach, ward_assignments
from ..models import Assignment, TrainingSettings
from .counts import ward_counts


@dataclass
class Figures:
    """Completion figures of one assignment in one ward (or sums of them)."""

    in_scope: int = 0
    started: int = 0
    completed: int = 0
    completed_7_days_ago: int = 0
    completed_30_days_ago: int = 0
    certificates: int = 0
    overdue: int = 0

    def add(self, other: "Figures") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _percent(part: int, whole: int) -> float:
        return 100 * part / whole if whole else 0.0

    @property
    def rate(self) -> float:
        """Per cent of the residents in scope who completed."""
        return self._percent(self.completed, self.in_scope)

    @property
    def change_7_days(self) -> float:
        """Percentage points gained over the last 7 days."""
        return self.rate - self._percent(self.completed_7_days_ago, self.in_scope)

    @property
    def change_30_days(self) -> float:
        return self.rate - self._percent(self.completed_30_days_ago, self.in_scope)


@dataclass
class WardRow:
    ward: Ward
    residents: int  # registered residents, whatever the audience
    by_assignment: dict[int, Figures] = field(default_factory=dict)
    overall: Figures = field(default_factory=Figures)
    lagging: bool = False
    # Figures in the order of the report's assignments (None where one does not cover the ward).
    cells: list[Figures | None] = field(default_factory=list)


def _figures(
    assignment: Assignment, residents: dict, progress: dict, certificates: dict, today: date
) -> Figures:
    key = Reach.of(assignment).name
    figures = Figures(
        in_scope=residents.get(key, 0),
        started=progress.get(f"started_{key}", 0),
        completed=progress.get(f"completed_{key}", 0),
        completed_7_days_ago=progress.get(f"completed7_{key}", 0),
        completed_30_days_ago=progress.get(f"completed30_{key}", 0),
        certificates=certificates.get(f"certificates_{key}", 0),
    )
    if assignment.due_date < today:
        figures.overdue = figures.in_scope - figures.completed
    return figures


def ward_rows(
    *, wards: QuerySet[Ward], assignments: list[Assignment], refresh: bool = False
) -> list[WardRow]:
    """Every ward with registered residents, with its figures for each assignment covering it."""
    now = timezone.now()
    today = timezone.localdate()
    reaches = {Reach.of(a) for a in assignments} | {EVERYONE}
    course_ids = {a.course_id for a in assignments}
    by_id = {a.pk: a for a in assignments}
    coverage = Assignment.wards.through.objects.filter(
        assignment_id__in=list(by_id), ward__in=wards
    ).values_list("assignment_id", "ward_id")
    covered: dict[int, list[Assignment]] = {}
    for assignment_id, ward_id in coverage:
        covered.setdefault(ward_id, []).append(by_id[assignment_id])

    ward_list = list(wards.order_by(vietnamese("name")))
    counts = ward_counts([w.pk for w in ward_list], reaches, course_ids, now, refresh)
    rows = []
    for ward in ward_list:
        of_ward = counts[ward.pk]
        residents = of_ward["residents"]
        if not residents.get("all"):
            continue  # nobody registered yet: no row
        row = WardRow(ward=ward, residents=residents["all"])
        for assignment in covered.get(ward.pk, []):
            figures = _figures(
                assignment,
                residents,
                of_ward["progress"].get(assignment.course_id, {}),
                of_ward["certificates"].get(assignment.course_id, {}),
                today,
            )
            row.by_assignment[assignment.pk] = figures
            row.overall.add(figures)
        rows.append(row)
    return rows


# ---------------------------------------------------------------- province


@dataclass
class ProvinceReport:
    province: Province
    assignments: list[Assignment]
    rows: list[WardRow]
    totals: Figures
    median_rate: float
    lagging_below: float  # completion rate (per cent) under which a ward lags
    lagging_ratio: Decimal  # ... as a share of the median
    min_residents: int

    @property
    def lagging_rows(self) -> list[WardRow]:
        return [row for row in self.rows if row.lagging]


def flag_lagging(rows: list[WardRow], ratio: Decimal, min_residents: int) -> tuple[float, float]:
    """Mark wards whose completion rate is under `ratio` x the median of comparable wards.

    Only wards with at least `min_residents` residents and something assigned are
    compared or flagged. Returns (median rate, rate below which a ward lags).
    """
    comparable = [r for r in rows if r.residents >= min_residents and r.overall.in_scope]
    if not comparable:
        return 0.0, 0.0
    median = statistics.median(r.overall.rate for r in comparable)
    below = median * float(ratio)
    for row in comparable:
        row.lagging = row.overall.rate < below
    return median, below


def province_report(
    *, province: Province, settings: TrainingSettings, refresh: bool = False
) -> ProvinceReport:
    """Every ward of the province with residents: figures per assignment, overall, lagging."""
    wards = Ward.objects.filter(province=province)
    covering = Assignment.wards.through.objects.filter(ward__province=province)
    assignments = list(
        Assignment.objects.filter(
            status=Assignment.Status.ACTIVE, pk__in=covering.values("assignment_id")
        )
        .select_related("course")
        .order_by("due_date", "pk")
    )
    rows = ward_rows(wards=wards, assignments=assignments, refresh=refresh)
    totals = Figures()
    for row in rows:
        totals.add(row.overall)
        row.cells = [row.by_assignment.get(a.pk) for a in assignments]
    median, below = flag_lagging(rows, settings.lagging_ratio, settings.lagging_min_residents)
    return ProvinceReport(
        province=province,
        assignments=assignments,
        rows=rows,
        totals=totals,
        median_rate=median,
        lagging_below=below,
        lagging_ratio=settings.lagging_ratio,
        min_residents=settings.lagging_min_residents,
    )


PROVINCE_SORT_LABELS = {
    "ten": _("Tên xã/phường"),
    "vung-trung": _("Vùng trũng trước"),
    "ti-le": _("Tỉ lệ hoàn thành (thấp trước)"),
    "-ti-le": _("Tỉ lệ hoàn thành (cao trước)"),
    "-dan-so": _("Số người đăng ký (nhiều trước)"),
    "-7-ngay": _("Tăng trong 7 ngày"),
    "-30-ngay": _("Tăng trong 30 ngày"),
}

PROVINCE_SORTS = {
    "ten": lambda row: sort_key(row.ward.name),
    "dan-so": lambda row: row.residents,
    "ti-le": lambda row: row.overall.rate,
    "7-ngay": lambda row: row.overall.change_7_days,
    "30-ngay": lambda row: row.overall.change_30_days,
    "vung-trung": lambda row: (not row.lagging, row.overall.rate),
}


def province_rows_sorted(rows: list[WardRow], sort: str) -> tuple[list[WardRow], str]:
    """Rows sorted by a column name, "-" first for descending; unknown names sort by name."""
    name = sort.removeprefix("-")
    if name not in PROVINCE_SORTS:
        return sorted(rows, key=PROVINCE_SORTS["ten"]), "ten"
    return sorted(rows, key=PROVINCE_SORTS[name], reverse=sort.startswith("-")), sort


# ---------------------------------------------------------------- ward


@dataclass
class AssignmentFigures:
    assignment: Assignment
    figures: Figures


def ward_summary(*, ward: Ward) -> tuple[int, list[AssignmentFigures]]:
    """Registered residents of a ward and the figures of each of its active assignments."""
    assignments = ward_assignments(ward=ward)
    rows = ward_rows(wards=Ward.objects.filter(pk=ward.pk), assignments=assignments)
    row = rows[0] if rows else WardRow(ward=ward, residents=0)
    return row.residents, [
        AssignmentFigures(assignment=a, figures=row.by_assignment.get(a.pk, Figures()))
        for a in assignments
    ]


def ward_counts_refresh() -> int:
    """Recount every ward of each province with an active assignment, so cadres' pages
    find the counts cached (run every 10 minutes, within the cache's 15); returns wards."""
    training = TrainingSettings.current()
    provinces = Province.objects.filter(
        wards__assignments__status=Assignment.Status.ACTIVE
    ).distinct()
    return sum(
        len(province_report(province=p, settings=training, refresh=True).rows) for p in provinces
    )
