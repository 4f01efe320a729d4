"""The counts behind every figure, per ward, cached.

Figures come from a handful of GROUP BY queries (residents per ward, enrolments
per ward and course, certificates per ward and course), so the number of queries
and the Python work depend on the number of wards and assignments, never on the
number of residents.

Counts per ward are cached, each under a version that changes whenever something
in that ward changes (training/signals.py), after the change commits: a province
page recounts only the wards that moved.
"""

import hashlib
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.selectors import resident_condition
from certificates.models import Certificate
from courses.models import Enrollment

from ..assignments import EVERYONE, Reach

# Certificates counted as issued: being rendered or ready (not revoked, failed or replaced).
CERTIFICATES_IN_FORCE = [Certificate.Status.PENDING, Certificate.Status.READY]


def _resident_counts(ward_ids: list[int], reaches: set[Reach]) -> dict[int, dict[str, int]]:
    """Registered residents per ward: all of them, and those each reach covers."""
    columns = {EVERYONE.name: Count("pk")}
    for reach in reaches - {EVERYONE}:
        columns[reach.name] = Count("pk", filter=reach.residents())
    rows = (
        User.objects.filter(resident_condition(), ward_id__in=ward_ids)
        .order_by()
        .values("ward_id")
        .annotate(**columns)
    )
    return {row.pop("ward_id"): row for row in rows}


def _progress_counts(
    ward_ids: list[int], course_ids: set[int], reaches: set[Reach], now
) -> dict[tuple[int, int], dict[str, int]]:
    """Enrolments per (ward, course): started, completed (now, 7 and 30 days ago), by reach."""
    done = Q(completed_at__isnull=False)
    done_7 = Q(completed_at__lt=now - timedelta(days=7))
    done_30 = Q(completed_at__lt=now - timedelta(days=30))
    columns = {}
    for reach in reaches:
        key, reached = reach.name, reach.residents("user__")
        columns[f"started_{key}"] = Count("pk", filter=reached or None)
        columns[f"completed_{key}"] = Count("pk", filter=reached & done)
        columns[f"completed7_{key}"] = Count("pk", filter=reached & done_7)
        columns[f"completed30_{key}"] = Count("pk", filter=reached & done_30)
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
    ward_ids: list[int], course_ids: set[int], reaches: set[Reach]
) -> dict[tuple[int, int], dict[str, int]]:
    """Certificates in force per (ward, course), by reach."""
    columns = {
        f"certificates_{reach.name}": Count("pk", filter=reach.residents("user__") or None)
        for reach in reaches
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


# The timeout bounds what bulk loads, which send no signals, can leave stale.
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


def ward_counts(
    ward_ids: list[int], reaches: set[Reach], course_ids: set[int], now, refresh: bool = False
) -> dict[int, dict]:
    """Per ward: residents by audience, and progress and certificates by course.

    From the cache where fresh; the other wards in three grouped queries.
    """
    # The rule version: counts cached under an older rule of who is a resident are not reused.
    signature = (
        f"{RESIDENT_RULE_VERSION}|{sorted(r.name for r in reaches)}|{sorted(course_ids)}|"
        f"{timezone.localdate(now)}"
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
        residents = _resident_counts(missing, reaches)
        progress = _progress_counts(missing, course_ids, reaches, now) if course_ids else {}
        certificates = _certificate_counts(missing, course_ids, reaches) if course_ids else {}
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
