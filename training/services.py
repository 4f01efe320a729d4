"""Writes for cadre work: assigning courses to wards, changing and cancelling them."""

import logging
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts import selectors as account_selectors
from accounts.collation import sort_key
from accounts.models import NOTICE_TEXTS, Notice, Province, Role, User, Ward
from certificates.storage import (
    ORPHAN_MIN_AGE,
    STORAGE_ERRORS,
    delete_quietly,
    orphans_delete,
    private_storage,
)
from courses.models import CoursePage, Enrollment

from . import exports, selectors
from .models import (
    Assignment,
    AssignmentEvent,
    Audience,
    CadreDigest,
    Export,
    PhoneExport,
    PhoneReveal,
    Reminder,
    TrainingSettings,
)

log = logging.getLogger(__name__)


class AssignmentRefused(Exception):
    """An assignment that may not be made or changed; `message` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _check_wards_and_terms(
    *,
    cadre: User,
    wards: list[Ward],
    due_date: date,
    audience: str,
    born_in_or_before: int | None,
) -> None:
    """What every course of an assignment shares: the cadre, the wards, the date, the audience."""
    if not permissions.is_cadre(cadre):
        raise AssignmentRefused(_("Chỉ cán bộ mới giao được khóa học."))
    if not wards:
        raise AssignmentRefused(_("Hãy chọn ít nhất một xã/phường."))
    if not permissions.wards_within_scope(cadre, [ward.pk for ward in wards]):
        raise AssignmentRefused(_("Có xã/phường không thuộc phạm vi bạn phụ trách."))
    if due_date < timezone.localdate():
        raise AssignmentRefused(_("Hạn hoàn thành không được ở trong quá khứ."))
    if audience == Audience.BORN_BY and not born_in_or_before:
        raise AssignmentRefused(_("Hãy nhập năm sinh cho đối tượng theo năm sinh."))


def _check_course(course: CoursePage) -> None:
    if not course.live:
        raise AssignmentRefused(_("Khóa học “%(title)s” chưa xuất bản.") % {"title": course.title})


def _check_not_assigned_already(
    *,
    course: CoursePage,
    wards: list[Ward],
    starts: date,
    due_date: date,
    other_than: Assignment | None = None,
) -> None:
    """Refuse a course for a ward that has it in an active assignment whose period overlaps.

    An assignment runs from the day it was made to its due date; once one is past
    due, the same course may be assigned again (a new round).
    """
    # Lock the course row until commit: two cadres assigning it at once are checked in turn.
    list(CoursePage.objects.select_for_update().filter(pk=course.pk).values("pk"))
    clash = (
        Assignment.wards.through.objects.filter(
            ward__in=[ward.pk for ward in wards],
            assignment__course=course,
            assignment__status=Assignment.Status.ACTIVE,
            assignment__due_date__gte=starts,
            assignment__created_at__date__lte=due_date,
        )
        .exclude(assignment_id=other_than.pk if other_than else None)
        .select_related("ward", "assignment")
        .order_by("ward__name", "assignment__due_date")
        .first()
    )
    if clash is not None:
        raise AssignmentRefused(
            _(
                "Khóa học “%(course)s” đã được giao cho %(ward)s (hạn %(due)s) trong cùng "
                "thời gian. Hãy sửa việc giao đó thay vì giao thêm lần nữa."
            )
            % {
                "course": course.title,
                "ward": clash.ward.name,
                "due": f"{clash.assignment.due_date:%d/%m/%Y}",
            }
        )


def _snapshot(assignment: Assignment, ward_ids: list[int]) -> dict:
    return {
        "course": assignment.course_id,
        "due_date": assignment.due_date.isoformat(),
        "audience": assignment.audience,
        "born_in_or_before": assignment.born_in_or_before,
        "wards": sorted(ward_ids),
    }


@transaction.atomic
def assignments_create(
    *,
    cadre: User,
    courses: list[CoursePage],
    wards: list[Ward],
    due_date: date,
    audience: str = Audience.ALL,
    born_in_or_before: int | None = None,
    whole_province: Province | None = None,
) -> list[Assignment]:
    """Assign each course to the wards (in the cadre's scope, not already having it), due not past."""
    if not courses:
        raise AssignmentRefused(_("Hãy chọn ít nhất một khóa học."))
    if whole_province is not None and not permissions.can_see_province_report(
        cadre, whole_province
    ):
        raise AssignmentRefused(_("Có xã/phường không thuộc phạm vi bạn phụ trách."))
    born_in_or_before = born_in_or_before if audience == Audience.BORN_BY else None
    _check_wards_and_terms(
        cadre=cadre,
        wards=wards,
        due_date=due_date,
        audience=audience,
        born_in_or_before=born_in_or_before,
    )
    created = []
    for course in courses:
        _check_course(course)
        _check_not_assigned_already(
            course=course, wards=wards, starts=timezone.localdate(), due_date=due_date
        )
        assignment = Assignment.objects.create(
            course=course,
            due_date=due_date,
            audience=audience,
            born_in_or_before=born_in_or_before,
            whole_province=whole_province,
            created_by=cadre,
        )
        assignment.wards.set(wards)
        AssignmentEvent.objects.create(
            assignment=assignment,
            action=AssignmentEvent.Action.CREATED,
            by=cadre,
            by_name=cadre.full_name,
            changes=_snapshot(assignment, [ward.pk for ward in wards]),
        )
        created.append(assignment)
    return created


@transaction.atomic
def assignment_change(
    *,
    cadre: User,
    assignment: Assignment,
    wards: list[Ward],
    due_date: date,
    audience: str,
    born_in_or_before: int | None,
) -> Assignment:
    """Change the wards, date or audience of an active assignment; the history keeps both."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise AssignmentRefused(_("Việc giao này đã bị hủy, không sửa được."))
    old_wards = list(assignment.wards.values_list("pk", flat=True))
    if not permissions.wards_within_scope(cadre, old_wards):
        raise AssignmentRefused(_("Việc giao này có xã/phường ngoài phạm vi của bạn."))
    born_in_or_before = born_in_or_before if audience == Audience.BORN_BY else None
    unchanged_date = due_date == assignment.due_date
    _check_course(assignment.course)
    _check_wards_and_terms(
        cadre=cadre,
        wards=wards,
        # An unchanged date may stay in the past; a new one may not.
        due_date=max(due_date, timezone.localdate()) if unchanged_date else due_date,
        audience=audience,
        born_in_or_before=born_in_or_before,
    )
    _check_not_assigned_already(
        course=assignment.course,
        wards=wards,
        starts=timezone.localdate(assignment.created_at),
        due_date=due_date,
        other_than=assignment,
    )
    before = _snapshot(assignment, old_wards)
    assignment.due_date = due_date
    assignment.audience = audience
    assignment.born_in_or_before = born_in_or_before
    new_ward_ids = [ward.pk for ward in wards]
    if sorted(new_ward_ids) != sorted(old_wards):
        assignment.whole_province = None
    assignment.save()
    assignment.wards.set(wards)
    after = _snapshot(assignment, new_ward_ids)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        AssignmentEvent.objects.create(
            assignment=assignment,
            action=AssignmentEvent.Action.CHANGED,
            by=cadre,
            by_name=cadre.full_name,
            changes=changes,
        )
    return assignment


@transaction.atomic
def assignment_cancel(*, cadre: User, assignment: Assignment) -> Assignment:
    """Cancel an assignment; it stays, with its history, marked cancelled."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not permissions.wards_within_scope(cadre, assignment.wards.values_list("pk", flat=True)):
        raise AssignmentRefused(_("Việc giao này có xã/phường ngoài phạm vi của bạn."))
    if not assignment.is_active:
        return assignment
    assignment.status = Assignment.Status.CANCELLED
    assignment.cancelled_at = timezone.now()
    assignment.save(update_fields=["status", "cancelled_at"])
    AssignmentEvent.objects.create(
        assignment=assignment,
        action=AssignmentEvent.Action.CANCELLED,
        by=cadre,
        by_name=cadre.full_name,
    )
    return assignment


@transaction.atomic
def assignment_cancel_undo(*, cadre: User, assignment: Assignment) -> Assignment:
    """Restore an assignment cancelled less than 24 hours ago, if nothing took its place."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    ward_ids = list(assignment.wards.values_list("pk", flat=True))
    if not permissions.wards_within_scope(cadre, ward_ids):
        raise AssignmentRefused(_("Việc giao này có xã/phường ngoài phạm vi của bạn."))
    if assignment.is_active:
        return assignment
    if not assignment.can_undo_cancel:
        raise AssignmentRefused(
            _("Việc giao này đã bị hủy hơn 24 giờ nên không hoàn tác được. Hãy giao lại.")
        )
    _check_not_assigned_already(
        course=assignment.course,
        wards=list(Ward.objects.filter(pk__in=ward_ids)),
        starts=timezone.localdate(assignment.created_at),
        due_date=assignment.due_date,
        other_than=assignment,
    )
    assignment.status = Assignment.Status.ACTIVE
    assignment.cancelled_at = None
    assignment.save(update_fields=["status", "cancelled_at"])
    AssignmentEvent.objects.create(
        assignment=assignment,
        action=AssignmentEvent.Action.RESTORED,
        by=cadre,
        by_name=cadre.full_name,
    )
    return assignment


def phone_reveal(*, viewer: User, resident: User) -> str:
    """A resident's full number for a cadre whose wards they live in; every look is logged."""
    in_scope = account_selectors.residents_of(wards=permissions.visible_wards(viewer))
    if viewer.pk == resident.pk or not in_scope.filter(pk=resident.pk).exists():
        raise PermissionDenied
    PhoneReveal.objects.create(viewer=viewer, viewer_name=viewer.full_name, resident=resident)
    return resident.phone_display


def phone_export_log(
    *, viewer: User, ward: Ward, file_format: str, params: dict, rows: int
) -> PhoneExport:
    """A ward's list with full phone numbers goes only to a cadre of that ward; every one is logged."""
    if not permissions.can_see_ward(viewer, ward):
        raise PermissionError("out of scope")
    filters = {key: params.get(key) for key in ("assignment", "status", "q", "separator")}
    return PhoneExport.objects.create(
        viewer=viewer,
        viewer_name=viewer.full_name,
        ward=ward,
        ward_name=ward.name,
        file_format=file_format,
        filters=filters,
        rows=rows,
    )


# ---------------------------------------------------------------- cached counts


def ward_counts_refresh() -> int:
    """Recount every ward of each province with an active assignment, so cadres' pages
    find the counts cached (run every 10 minutes, within the cache's 15); returns wards."""
    training = selectors.training_settings()
    provinces = Province.objects.filter(
        wards__assignments__status=Assignment.Status.ACTIVE
    ).distinct()
    return sum(
        len(selectors.province_report(province=p, settings=training, refresh=True).rows)
        for p in provinces
    )


# ---------------------------------------------------------------- reminders and digests

# Residents handled per transaction (and per mail-server connection).
REMINDER_BATCH = 500
# Ward names listed in a digest notice; the count always gives the total.
DIGEST_WARD_NAMES = 10

REMINDER_NOTICE_KINDS = {
    Reminder.Kind.DUE_SOON: "assignment_due_soon",
    Reminder.Kind.OVERDUE: "assignment_overdue",
}


def _in_batches(queryset: QuerySet, size: int) -> Iterator[list]:
    """Rows of a queryset ordered by pk, `size` at a time, without a cursor held open."""
    after = 0
    while batch := list(queryset.filter(pk__gt=after).order_by("pk")[:size]):
        yield batch
        after = batch[-1].pk


def _site_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _emails_send(messages: list[tuple[int, str, str, str]]) -> list[int]:
    """Send (user id, address, subject, body) one by one; the user ids whose e-mail went.

    One failure is logged and the rest still go. If the mail server cannot be reached
    at all, nothing is sent (and nothing marked sent).
    """
    if not messages:
        return []
    mailer = mailers.default
    try:
        mailer.open()
    except Exception:
        log.exception("mail server unreachable; %s e-mails not sent", len(messages))
        return []
    sent = []
    try:
        for user_id, address, subject, body in messages:
            try:
                mailer.send_messages([EmailMessage(subject, body, None, [address])])
            except Exception:
                log.exception("e-mail to user %s failed", user_id)
                mailer.close()  # the next message opens a fresh connection
            else:
                sent.append(user_id)
    finally:
        mailer.close()
    return sent


def _reminder_email(*, name: str, kind: str, params: dict) -> tuple[str, str]:
    """Subject and body of a reminder e-mail, in the active language."""
    if kind == Reminder.Kind.OVERDUE:
        subject = _("Khóa học “%(course)s” đã quá hạn") % params
    else:
        subject = _("Nhắc học: khóa học “%(course)s” sắp đến hạn") % params
    body = _("Chào %(name)s,\n\n%(message)s\n\nHọc tiếp tại: %(url)s\n\nHọc vụ số") % {
        "name": name,
        "message": str(NOTICE_TEXTS[REMINDER_NOTICE_KINDS[kind]]) % params,
        "url": _site_url(reverse("learning:my_learning")),
    }
    return subject, body


def _assignment_remind(*, assignment: Assignment, today: date) -> int:
    """Remind the residents an assignment reaches who have neither finished nor been reminded."""
    kind = Reminder.Kind.DUE_SOON if assignment.due_date >= today else Reminder.Kind.OVERDUE
    notice_kind = REMINDER_NOTICE_KINDS[kind]
    notice_key = f"assignment:{assignment.pk}:{kind}"
    params = {"course": assignment.course.title, "due": f"{assignment.due_date:%d/%m/%Y}"}
    pending = (
        account_selectors.residents_of(wards=assignment.wards.all())
        .filter(selectors.resident_audience_filter(assignment))
        .exclude(
            pk__in=Enrollment.objects.filter(
                course_id=assignment.course_id, completed_at__isnull=False
            ).values("user_id")
        )
        .exclude(pk__in=Reminder.objects.filter(assignment=assignment, kind=kind).values("user_id"))
        .only("pk", "full_name", "email")
    )
    created = 0
    after = 0
    while True:
        with transaction.atomic():
            # Held until commit: a run started at the same time waits here, then finds
            # these residents reminded and skips them.
            list(Assignment.objects.select_for_update().filter(pk=assignment.pk).values("pk"))
            batch = list(pending.filter(pk__gt=after).order_by("pk")[:REMINDER_BATCH])
            if not batch:
                break
            Reminder.objects.bulk_create(
                [Reminder(user=u, assignment=assignment, kind=kind, day=today) for u in batch],
                ignore_conflicts=True,
            )
            Notice.objects.bulk_create(
                [Notice(user=u, key=notice_key, kind=notice_kind, params=params) for u in batch],
                ignore_conflicts=True,
            )
        after = batch[-1].pk
        created += len(batch)
        with translation.override("vi"):
            messages = [
                (u.pk, u.email, *_reminder_email(name=u.full_name, kind=kind, params=params))
                for u in batch
                if u.email
            ]
        if emailed := _emails_send(messages):
            Reminder.objects.filter(assignment=assignment, kind=kind, user_id__in=emailed).update(
                emailed=True
            )
    return created


def reminders_send(*, today: date) -> int:
    """Remind each learner of an assignment due within N days or overdue, once of each kind."""
    days_before = selectors.training_settings().reminder_days_before
    assignments = (
        Assignment.objects.filter(
            status=Assignment.Status.ACTIVE,
            due_date__lte=today + timedelta(days=days_before),
            course__live=True,
        )
        .select_related("course")
        .order_by("due_date", "pk")
    )
    return sum(_assignment_remind(assignment=a, today=today) for a in assignments)


def _lagging_wards(
    *, cadre: User, reports: dict[int, selectors.ProvinceReport], training: TrainingSettings
) -> list[Ward]:
    """The lagging wards a cadre may see, each province's report computed once per run."""
    visible = dict(permissions.visible_wards(cadre).values_list("pk", "province_id"))
    lagging = []
    for province_id in sorted(set(visible.values())):
        if province_id not in reports:
            reports[province_id] = selectors.province_report(
                province=Province.objects.get(pk=province_id), settings=training
            )
        lagging += [row.ward for row in reports[province_id].lagging_rows if row.ward.pk in visible]
    return sorted(lagging, key=lambda ward: sort_key(ward.name))


def _digest_email(*, cadre: User, params: dict) -> tuple[str, str]:
    """Subject and body of a weekly digest e-mail, in the active language."""
    subject = _("Học vụ số: %(count)s xã/phường chậm tiến độ tuần này") % params
    body = _("Chào %(name)s,\n\n%(message)s\n\nXem chi tiết: %(url)s\n\nHọc vụ số") % {
        "name": cadre.full_name,
        "message": str(NOTICE_TEXTS["lagging_digest"]) % params,
        "url": _site_url(reverse("training:dashboard")),
    }
    return subject, body


def _digest_create(*, cadre: User, week_start: date, wards: list[Ward]) -> bool:
    """Record this week's digest and its notice, then e-mail it; False if already sent."""
    names = [ward.name for ward in wards[:DIGEST_WARD_NAMES]]
    if len(wards) > DIGEST_WARD_NAMES:
        names.append("…")
    params = {"count": len(wards), "wards": ", ".join(names)}
    with transaction.atomic():
        digest, created = CadreDigest.objects.get_or_create(
            cadre=cadre, week_start=week_start, defaults={"lagging_ward_count": len(wards)}
        )
        if not created:
            return False
        Notice.objects.get_or_create(
            user=cadre,
            key=f"digest:{week_start.isoformat()}",
            defaults={"kind": "lagging_digest", "params": params},
        )
    if cadre.email:
        with translation.override("vi"):
            subject, body = _digest_email(cadre=cadre, params=params)
        if _emails_send([(cadre.pk, cadre.email, subject, body)]):
            CadreDigest.objects.filter(pk=digest.pk).update(emailed=True)
    return True


def digests_send(*, today: date) -> int:
    """Send each active cadre, once a week, the lagging wards of their scope (if any)."""
    week_start = today - timedelta(days=today.weekday())
    training = selectors.training_settings()
    reports: dict[int, selectors.ProvinceReport] = {}
    cadres = (
        User.objects.filter(is_active=True, role__in=[Role.WARD_CADRE, Role.PROVINCE_CADRE])
        .exclude(training_digests__week_start=week_start)
        .only(
            "pk", "full_name", "email", "role", "managed_province_id", "is_active", "is_superuser"
        )
    )
    sent = 0
    for batch in _in_batches(cadres, REMINDER_BATCH):
        for cadre in batch:
            wards = _lagging_wards(cadre=cadre, reports=reports, training=training)
            if wards and _digest_create(cadre=cadre, week_start=week_start, wards=wards):
                sent += 1
    return sent


# ---------------------------------------------------------------- exports

# Worth another try: the database or the disk was briefly unavailable.
EXPORT_TRANSIENT_ERRORS = (DatabaseError, *STORAGE_ERRORS)
# A request for the same list while one is still queued this recently gets that one.
EXPORT_REUSE_WITHIN = timedelta(minutes=15)


def export_request(*, user: User, kind: str, file_format: str, params: dict) -> Export:
    """Queue a long list for the background, for a cadre who may see it; a repeat gets the same one."""
    if file_format not in Export.Format.values:
        raise exports.ExportRefused(_("Chỉ xuất được tệp CSV hoặc XLSX."))
    if exports.export_target(user=user, kind=kind, params=params) is None:
        raise exports.ExportRefused(_("Danh sách này không thuộc phạm vi bạn phụ trách."))
    pending = Export.objects.filter(
        requested_by=user,
        kind=kind,
        file_format=file_format,
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING],
        created_at__gte=timezone.now() - EXPORT_REUSE_WITHIN,
    )
    for export in pending:
        if export.params == params:
            return export
    export = Export.objects.create(
        requested_by=user, kind=kind, file_format=file_format, params=params
    )
    from .tasks import build_export  # tasks import services

    build_export.delay_on_commit(export.pk)
    return export


def _export_fail(export_id: int, message: str) -> None:
    Export.objects.filter(pk=export_id).exclude(status=Export.Status.READY).update(
        status=Export.Status.FAILED, error=message, finished_at=timezone.now()
    )


def _export_progress(export_id: int, done: int) -> None:
    """One UPDATE per chunk, which the status page reads while the file is written."""
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        rows_done=done, rows_total=Greatest("rows_total", Value(done))
    )


def _export_store(export_id: int, out, done: int) -> Export:
    """Save the written file and mark the export ready, unless another run already did."""
    written = []  # the key this run stored, removed again if its row does not commit
    try:
        with transaction.atomic():
            export = Export.objects.select_for_update().get(pk=export_id)
            if export.status == Export.Status.READY:  # a duplicate delivery finished first
                return export
            # Stored under a new key before the row names it (see certificates/storage.py).
            export.file.save(export.params.get("filename") or "danh-sach", File(out), save=False)
            written.append(export.file.name)
            export.status = Export.Status.READY
            export.rows_done = export.rows_total = done
            export.error = ""
            export.finished_at = timezone.now()
            export.save()
    except BaseException:
        for name in written:
            delete_quietly(private_storage, name)
        raise
    return export


def export_build(*, export_id: int, may_retry: bool = False) -> Export | None:
    """Write an export's file chunk by chunk if its cadre may still see the list; never twice.

    Scope is checked again here: a cadre whose wards were taken away in the
    meantime gets a failed export, not a file. A ready export is left alone, so a
    redelivered task changes nothing. A transient error (database, disk) puts the
    export back in the queue and is raised again when `may_retry`; any other error
    fails it with a message in Vietnamese.
    """
    with transaction.atomic():
        export = (
            Export.objects.select_for_update()
            .select_related("requested_by")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status == Export.Status.READY:
            return export
        export.status = Export.Status.RUNNING
        export.rows_done = 0
        export.error = ""
        export.save(update_fields=["status", "rows_done", "error"])
    language = export.params.get("lang") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            table = exports.export_table(
                user=export.requested_by, kind=export.kind, params=export.params
            )
            Export.objects.filter(pk=export_id).update(rows_total=table.rows_total)
            with tempfile.TemporaryFile() as out:
                done = exports.write(
                    table,
                    file_format=export.file_format,
                    out=out,
                    on_chunk=lambda rows: _export_progress(export_id, rows),
                    separator=export.params.get("separator") or ",",
                )
                out.seek(0)
                return _export_store(export_id, out, done)
    except exports.ExportRefused as refusal:
        _export_fail(export_id, refusal.message)
    except EXPORT_TRANSIENT_ERRORS:
        log.exception("export %s: transient error (retry: %s)", export_id, may_retry)
        if may_retry:
            Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
                status=Export.Status.QUEUED
            )
            raise
        with translation.override(language):
            _export_fail(
                export_id, _("Không xuất được danh sách vì hệ thống đang bận. Hãy thử lại sau.")
            )
    except Exception:
        log.exception("export %s failed", export_id)
        with translation.override(language):
            _export_fail(export_id, _("Không xuất được danh sách do lỗi hệ thống. Hãy thử lại."))
    return Export.objects.filter(pk=export_id).first()


def export_files_cleanup(*, older_than: timedelta = ORPHAN_MIN_AGE) -> int:
    """Delete export files that no export names and that are over an hour old (row never committed)."""

    def referenced(names: list[str]) -> set[str]:
        return set(Export.objects.filter(file__in=names).values_list("file", flat=True))

    return orphans_delete(
        storage=private_storage, folder="exports", referenced=referenced, older_than=older_than
    )
