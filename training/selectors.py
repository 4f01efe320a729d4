"""Reads for cadre work: assignments, ward and province figures, resident lists.

Figures come from a handful of GROUP BY queries (residents per ward, enrolments
per ward and course, certificates per ward and course), so the number of queries
and the Python work depend on the number of wards and assignments, never on the
number of residents. Which wards a user may see is always asked of
`accounts.permissions`.
"""

import hashlib
import logging
import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.collation import sort_key, vietnamese
from accounts.models import Province, User, Ward
from accounts.phone import normalize_phone
from accounts.selectors import resident_condition, residents_of
from accounts.text import fold
from certificates.models import Certificate
from courses.models import Enrollment
from courses.selectors import course_steps

from .models import Assignment, Audience, Export, TrainingSettings

logger = logging.getLogger(__name__)

# Certificates counted as issued: being rendered or ready (not revoked, failed or replaced).
CERTIFICATES_IN_FORCE = [Certificate.Status.PENDING, Certificate.Status.READY]


class ResidentStatus:
    """Where a resident is with one assigned course (the filter values of the ward list)."""

    NOT_STARTED = "chua-hoc"
    IN_PROGRESS = "dang-hoc"
    COMPLETED = "hoan-thanh"
    OVERDUE = "qua-han"


# ---------------------------------------------------------------- assignments


def assignments_in_scope(*, user: User) -> QuerySet[Assignment]:
    """Assignments that touch at least one ward the user may see, newest first."""
    return (
        Assignment.objects.filter(
            pk__in=Assignment.wards.through.objects.filter(
                ward__in=permissions.visible_wards(user)
            ).values("assignment_id")
        )
        .select_related("course", "whole_province")
        .order_by("-created_at", "-pk")
    )


def assignment_editable(*, user: User, assignment: Assignment) -> bool:
    """A cadre may change an assignment only if every ward it covers is in their scope."""
    ward_ids = assignment.wards.values_list("pk", flat=True)
    return permissions.wards_within_scope(user, ward_ids)


def ward_assignments(*, ward: Ward) -> list[Assignment]:
    """The active assignments of one ward, soonest due first."""
    return list(
        Assignment.objects.filter(status=Assignment.Status.ACTIVE, wards=ward)
        .select_related("course")
        .order_by("due_date", "pk")
    )


def learner_due_dates(*, user: User) -> dict[int, date]:
    """Course id -> due date of the active assignments that reach this learner."""
    if not user.is_authenticated or user.ward_id is None:
        return {}
    reaches = Q(audience=Audience.ALL)
    if user.birth_year:
        reaches |= Q(audience=Audience.BORN_BY, born_in_or_before__gte=user.birth_year)
    if user.works_in_public_service:
        reaches |= Q(audience=Audience.PUBLIC_SERVANTS)
    due_dates: dict[int, date] = {}
    rows = Assignment.objects.filter(
        reaches, status=Assignment.Status.ACTIVE, wards=user.ward_id
    ).values_list("course_id", "due_date")
    for course_id, due in rows:
        due_dates[course_id] = min(due, due_dates.get(course_id, due))
    return due_dates


CHANGE_LABELS = {
    "due_date": _("Hạn hoàn thành"),
    "audience": _("Đối tượng"),
    "born_in_or_before": _("Sinh từ năm … trở về trước"),
    "wards": _("Số xã/phường"),
}


def _readable(field_name: str, value) -> str:
    if value is None:
        return "—"
    if field_name == "due_date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if field_name == "audience":
        return str(Audience(value).label)
    if field_name == "wards":
        return str(len(value))
    return str(value)


def assignment_history(*, assignment: Assignment) -> list[dict]:
    """The assignment's events, oldest first, with changes as readable "before → after"."""
    history = []
    for event in assignment.events.all():
        changes = []
        if event.action == event.Action.CHANGED:
            for name, (before, after) in event.changes.items():
                label = CHANGE_LABELS.get(name, name)
                changes.append(f"{label}: {_readable(name, before)} → {_readable(name, after)}")
        history.append({"event": event, "changes": changes})
    return history


# ---------------------------------------------------------------- audiences


def _audience_key(assignment: Assignment) -> str:
    """One name per distinct audience, used to label aggregate columns."""
    if assignment.audience == Audience.BORN_BY:
        return f"by{assignment.born_in_or_before}"
    if assignment.audience == Audience.PUBLIC_SERVANTS:
        return "ps"
    return "all"


def _audience_filter(key: str, prefix: str = "") -> Q | None:
    """The residents an audience covers, as a filter on User (through `prefix`)."""
    if key == "ps":
        return Q(**{f"{prefix}works_in_public_service": True})
    if key.startswith("by"):
        return Q(**{f"{prefix}birth_year__lte": int(key[2:])})
    return None


def resident_audience_filter(assignment: Assignment) -> Q:
    """The residents of a ward an assignment reaches, as a filter on User."""
    return _audience_filter(_audience_key(assignment)) or Q()


# ---------------------------------------------------------------- figures


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


def _resident_counts(ward_ids: list[int], keys: set[str]) -> dict[int, dict[str, int]]:
    """Registered residents per ward: all of them, and those of each audience."""
    columns = {"all": Count("pk")}
    for key in keys - {"all"}:
        columns[key] = Count("pk", filter=_audience_filter(key))
    rows = (
        User.objects.filter(resident_condition(), ward_id__in=ward_ids)
        .order_by()
        .values("ward_id")
        .annotate(**columns)
    )
    return {row.pop("ward_id"): row for row in rows}


def _progress_counts(
    ward_ids: list[int], course_ids: set[int], keys: set[str], now
) -> dict[tuple[int, int], dict[str, int]]:
    """Enrolments per (ward, course): started, completed (now, 7 and 30 days ago), by audience."""
    done = Q(completed_at__isnull=False)
    done_7 = Q(completed_at__lt=now - timedelta(days=7))
    done_30 = Q(completed_at__lt=now - timedelta(days=30))
    columns = {}
    for key in keys:
        reach = _audience_filter(key, "user__") or Q()
        columns[f"started_{key}"] = Count("pk", filter=reach or None)
        columns[f"completed_{key}"] = Count("pk", filter=reach & done)
        columns[f"completed7_{key}"] = Count("pk", filter=reach & done_7)
        columns[f"completed30_{key}"] = Count("pk", filter=reach & done_30)
    rows = (
        Enrollment.objects.filter(
            resident_condition(through="user__"),
            user__ward_id__in=ward_ids,
            course_id__in=course_ids,
        )
        .order_by()
        .values("user__ward_id", "course_id")
        .annotate(**columns)
    )
    return {(row.pop("user__ward_id"), row.pop("course_id")): row for row in rows}


def _certificate_counts(
    ward_ids: list[int], course_ids: set[int], keys: set[str]
) -> dict[tuple[int, int], dict[str, int]]:
    """Certificates in force per (ward, course), by audience."""
    columns = {
        f"certificates_{key}": Count("pk", filter=_audience_filter(key, "user__")) for key in keys
    }
    rows = (
        Certificate.objects.filter(
            resident_condition(through="user__"),
            user__ward_id__in=ward_ids,
            course_id__in=course_ids,
            status__in=CERTIFICATES_IN_FORCE,
        )
        .order_by()
        .values("user__ward_id", "course_id")
        .annotate(**columns)
    )
    return {(row.pop("user__ward_id"), row.pop("course_id")): row for row in rows}


# Counts per ward are cached, each under a version that changes whenever something
# in that ward changes (training/signals.py): a province page recounts only the wards
# that moved. The timeout bounds what bulk loads, which send no signals, can leave stale.
WARD_COUNTS_CACHE_SECONDS = 15 * 60


# Bump when `accounts.selectors.resident_condition` changes what it counts.
RESIDENT_RULE_VERSION = "learners-only"


def ward_counts_version_key(ward_id: int) -> str:
    return f"ward-counts-version:{ward_id}"


# Versions outlive every entry stored under them, so a version that expires (or
# is lost with Redis) can never bring back old counts.
WARD_COUNTS_VERSION_SECONDS = 24 * 60 * 60


def ward_counts_changed(*ward_ids: int | None) -> None:
    """Mark the cached counts of these wards as out of date, once the change is committed."""
    versions = {ward_counts_version_key(w): None for w in ward_ids if w is not None}
    if versions:
        transaction.on_commit(lambda: _bump_versions(list(versions)))


def _bump_versions(keys: list[str]) -> None:
    stamp = time.time_ns()
    cache.set_many(dict.fromkeys(keys, stamp), timeout=WARD_COUNTS_VERSION_SECONDS)


def _ward_counts(
    ward_ids: list[int], keys: set[str], course_ids: set[int], now, refresh: bool = False
) -> dict[int, dict]:
    """Per ward: residents by audience, and progress and certificates by course.

    From the cache where fresh; the other wards in three grouped queries.
    """
    # The rule version: counts cached under an older rule of who is a resident are not reused.
    signature = (
        f"{RESIDENT_RULE_VERSION}|{sorted(keys)}|{sorted(course_ids)}|{timezone.localdate(now)}"
    )
    digest = hashlib.md5(signature.encode(), usedforsecurity=False).hexdigest()[:12]
    versions = cache.get_many([ward_counts_version_key(w) for w in ward_ids])
    cache_keys = {
        w: f"ward-counts:{w}:{versions.get(ward_counts_version_key(w), 0)}:{digest}"
        for w in ward_ids
    }
    found = {} if refresh else cache.get_many(list(cache_keys.values()))
    counts = {w: found[key] for w, key in cache_keys.items() if key in found}
    missing = [w for w in ward_ids if w not in counts]
    if missing:
        residents = _resident_counts(missing, keys)
        progress = _progress_counts(missing, course_ids, keys, now) if course_ids else {}
        certificates = _certificate_counts(missing, course_ids, keys) if course_ids else {}
        fresh = {
            w: {
                "residents": residents.get(w, {}),
                "progress": {c: progress.get((w, c), {}) for c in course_ids},
                "certificates": {c: certificates.get((w, c), {}) for c in course_ids},
            }
            for w in missing
        }
        cache.set_many(
            {cache_keys[w]: value for w, value in fresh.items()}, WARD_COUNTS_CACHE_SECONDS
        )
        counts.update(fresh)
    return counts


def _figures(
    assignment: Assignment, residents: dict, progress: dict, certificates: dict, today: date
) -> Figures:
    key = _audience_key(assignment)
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
    keys = {_audience_key(a) for a in assignments} | {"all"}
    course_ids = {a.course_id for a in assignments}
    by_id = {a.pk: a for a in assignments}
    coverage = Assignment.wards.through.objects.filter(
        assignment_id__in=list(by_id), ward__in=wards
    ).values_list("assignment_id", "ward_id")
    covered: dict[int, list[Assignment]] = {}
    for assignment_id, ward_id in coverage:
        covered.setdefault(ward_id, []).append(by_id[assignment_id])

    ward_list = list(wards.order_by(vietnamese("name")))
    counts = _ward_counts([w.pk for w in ward_list], keys, course_ids, now, refresh)
    rows = []
    for ward in ward_list:
        ward_counts = counts[ward.pk]
        residents = ward_counts["residents"]
        if not residents.get("all"):
            continue  # nobody registered yet: no row
        row = WardRow(ward=ward, residents=residents["all"])
        for assignment in covered.get(ward.pk, []):
            figures = _figures(
                assignment,
                residents,
                ward_counts["progress"].get(assignment.course_id, {}),
                ward_counts["certificates"].get(assignment.course_id, {}),
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


def training_settings(*, request=None) -> TrainingSettings:
    """The lagging and reminder thresholds of the site (defaults when none saved)."""
    if request is not None:
        return TrainingSettings.for_request(request)
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return TrainingSettings.for_site(site) if site else TrainingSettings()


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


PHONE_SEARCH_RULE = _(
    "Chỉ tìm được theo số điện thoại đầy đủ (ví dụ 0912 345 678) hoặc đúng 3 số cuối "
    "như trong danh sách (0912•••678: gõ 678). Muốn xem số đầy đủ của một người, "
    "bấm “Hiện số” ở dòng của người đó."
)
# What the mask shows, typed back: "678", "•••678", "0912•••678" (or with * . … x).
_LAST_THREE = re.compile(r"[•*.…x]*([0-9]{3})", re.IGNORECASE)
_MASKED = re.compile(r"0([0-9]{3})(?:•+|\*+|…+|\.{3,}|x{3,})([0-9]{3})", re.IGNORECASE)


def resident_phone_condition(*, text: str) -> Q | None:
    """A search matches phones only by the full number or exactly the 3 last digits the mask shows.

    None for a search without digits (a name). Anything in between (4 to 9 digits)
    would let a cadre rebuild a masked number in a few searches without the logged
    "Hiện số", so it raises ValidationError with the rule in Vietnamese.
    """
    if not any(ch.isdigit() for ch in text):
        return None
    compact = "".join(text.split())
    if match := _LAST_THREE.fullmatch(compact):
        return Q(phone__endswith=match[1])
    if match := _MASKED.fullmatch(compact):
        return Q(phone__startswith=f"+84{match[1]}", phone__endswith=match[2])
    # The full number as people write it: 0 and 9 digits, or 84 / +84 and 9 digits.
    digits = "".join(ch for ch in compact if ch.isdigit())
    if (len(digits) == 10 and digits.startswith("0")) or (
        len(digits) == 11 and digits.startswith("84")
    ):
        try:
            return Q(phone=normalize_phone(text))
        except ValidationError:
            pass
    raise ValidationError(PHONE_SEARCH_RULE, code="phone_search")


# People are listed by given name, then by full name (family name first): the local habit.
RESIDENT_ORDER = (vietnamese("given_name"), vietnamese("full_name"), "pk")


def ward_residents(
    *, ward: Ward, assignment: Assignment | None, status: str = "", search: str = ""
) -> QuerySet[User]:
    """Residents of a ward, with their enrolment and certificate for the assigned course.

    Filter by `status` (a ResidentStatus value) and by name without diacritics, or by
    phone as `resident_phone_condition` allows (a refused phone search finds nobody).
    Ordered by given name, then full name.
    """
    residents = residents_of(wards=[ward])
    if search.strip():
        try:
            by_phone = resident_phone_condition(text=search)
        except ValidationError:
            return User.objects.none()
        by_name = Q(name_folded__contains=fold(search))
        residents = residents.filter(by_name if by_phone is None else by_phone)
    if assignment is None:
        return residents.order_by(*RESIDENT_ORDER)
    residents = (
        residents.filter(resident_audience_filter(assignment))
        .annotate(
            enrollment=FilteredRelation(
                "enrollments", condition=Q(enrollments__course_id=assignment.course_id)
            ),
            certificate=FilteredRelation(
                "certificates",
                condition=Q(
                    certificates__course_id=assignment.course_id,
                    certificates__status__in=CERTIFICATES_IN_FORCE,
                ),
            ),
        )
        .annotate(
            enrollment_id=F("enrollment__id"),
            started_at=F("enrollment__started_at"),
            completed_at=F("enrollment__completed_at"),
            certificate_number=F("certificate__number"),
        )
    )
    if status == ResidentStatus.NOT_STARTED:
        residents = residents.filter(enrollment_id__isnull=True)
    elif status == ResidentStatus.IN_PROGRESS:
        residents = residents.filter(enrollment_id__isnull=False, completed_at__isnull=True)
    elif status == ResidentStatus.COMPLETED:
        residents = residents.filter(completed_at__isnull=False)
    elif status == ResidentStatus.OVERDUE:
        if assignment.due_date >= timezone.localdate():
            return residents.none()
        residents = residents.filter(completed_at__isnull=True)
    return residents.order_by(*RESIDENT_ORDER)


@dataclass
class ResidentLine:
    """One line of the ward list: a resident and where they are with the assigned course."""

    resident: User
    status: str
    percent: int
    certificate_number: str | None


def resident_lines(residents: list[User], assignment: Assignment | None) -> list[ResidentLine]:
    """Progress of one page of residents: one more query, whatever the page size."""
    if assignment is None:
        return [ResidentLine(r, "", 0, None) for r in residents]
    total = len(course_steps(course=assignment.course))
    enrollment_ids = [r.enrollment_id for r in residents if r.enrollment_id]
    steps_done = dict(
        Enrollment.objects.filter(pk__in=enrollment_ids)
        .annotate(done=Count("steps_done", filter=Q(steps_done__step__live=True)))
        .values_list("pk", "done")
    )
    overdue = assignment.due_date < timezone.localdate()
    lines = []
    for r in residents:
        if r.completed_at:
            status, percent = ResidentStatus.COMPLETED, 100
        else:
            done = steps_done.get(r.enrollment_id, 0)
            percent = min(99, round(100 * done / total)) if total else 0
            status = ResidentStatus.IN_PROGRESS if r.enrollment_id else ResidentStatus.NOT_STARTED
            if overdue:
                status = ResidentStatus.OVERDUE
        lines.append(ResidentLine(r, status, percent, r.certificate_number))
    return lines


# ---------------------------------------------------------------- exports


def exports_of(*, user: User) -> QuerySet[Export]:
    """The user's own exports, newest first."""
    return Export.objects.filter(requested_by=user)
