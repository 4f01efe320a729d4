"""What cadre work sends people: reminders before and after a due date, the weekly
digest of lagging wards to cadres; each as an in-site notice (through
`accounts.notices`) and, where there is an address, an e-mail.

Each is sent once (per learner, assignment and kind; per cadre and week), so a
task that runs twice sends nothing twice.
"""

import logging
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.collation import sort_key
from accounts.models import NOTICE_TEXTS, Province, Role, User, Ward
from accounts.notices import notice_send, notices_send
from accounts.selectors import residents_of
from courses.models import Enrollment

from .assignments import Reach
from .figures import ProvinceReport, province_report
from .models import Assignment, CadreDigest, Reminder, TrainingSettings

log = logging.getLogger(__name__)

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
        residents_of(wards=assignment.wards.all())
        .filter(Reach.of(assignment).residents())
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
            notices_send(users=batch, key=notice_key, kind=notice_kind, params=params)
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
    days_before = TrainingSettings.current().reminder_days_before
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
    *, cadre: User, reports: dict[int, ProvinceReport], training: TrainingSettings
) -> list[Ward]:
    """The lagging wards a cadre may see, each province's report computed once per run."""
    visible = dict(permissions.visible_wards(cadre).values_list("pk", "province_id"))
    lagging = []
    for province_id in sorted(set(visible.values())):
        if province_id not in reports:
            reports[province_id] = province_report(
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
        notice_send(
            user=cadre, key=f"digest:{week_start.isoformat()}", kind="lagging_digest", params=params
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
    training = TrainingSettings.current()
    reports: dict[int, ProvinceReport] = {}
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
