"""Writes about certificates: issue, render, revoke, reissue, re-queue."""

import datetime
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from courses.models import Enrollment

from .models import Certificate, CertificateCounter, CertificateSettings, TemplateVersion
from .pdf import render_pdf
from .storage import ORPHAN_MIN_AGE, delete_quietly, orphans_delete, private_storage

# A pending certificate older than this is presumed lost (a dropped message, a
# broker that was down at completion time) and is queued again by the sweep.
STALE_PENDING_AFTER = datetime.timedelta(seconds=settings.CERTIFICATE_STALE_PENDING_SECONDS)
# A transient failure (storage full or unreachable, database gone) is tried again by
# the sweep after growing delays (1, 2, 4 ... minutes, at most 2 hours) for a day.
RETRY_TRANSIENT_FOR = datetime.timedelta(days=1)
FIRST_RETRY_DELAY = datetime.timedelta(seconds=settings.CERTIFICATE_FIRST_RETRY_SECONDS)
LONGEST_RETRY_DELAY = datetime.timedelta(hours=2)


def retry_delay(failed_attempts: int) -> datetime.timedelta:
    """How long the sweep waits after this many failures in a row: doubling, capped."""
    return min(FIRST_RETRY_DELAY * 2 ** max(failed_attempts - 1, 0), LONGEST_RETRY_DELAY)


# Which certificates an officer may revoke, and which reissue (a new number, today's template).
REVOCABLE = frozenset(
    {Certificate.Status.PENDING, Certificate.Status.READY, Certificate.Status.FAILED}
)
REISSUABLE = frozenset({Certificate.Status.READY, Certificate.Status.FAILED})


def template_version_record(*, settings_row: CertificateSettings) -> TemplateVersion:
    """Store the certificate settings an editor saved as a new template version (the
    latest one again if nothing changed)."""
    return TemplateVersion.objects.record(settings_row)


def template_version_current() -> TemplateVersion:
    """The template version new certificates are issued with: the latest recorded one, or
    one recorded now from the settings (the first certificate ever)."""
    latest = TemplateVersion.objects.order_by("-number").first()
    if latest is not None:
        return latest
    settings_row = CertificateSettings.objects.order_by("pk").first() or CertificateSettings()
    return TemplateVersion.objects.record(settings_row)


def _next_number(year: int) -> str:
    """ "HVS-2026-000123": numbered per year, without gaps, under a row lock."""
    counter, _created = CertificateCounter.objects.select_for_update().get_or_create(year=year)
    CertificateCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"HVS-{year}-{counter.last:06d}"


def _queue_render(certificate: Certificate) -> None:
    from .tasks import render_certificate  # tasks import services

    render_certificate.delay_on_commit(certificate.pk)


@transaction.atomic
def certificate_issue(*, enrollment: Enrollment) -> Certificate:
    """Issue the certificate for a completed enrolment, once, in the completing transaction.

    The row is created `pending` with everything it will say frozen; a worker
    renders the PDF after commit.
    """
    if (
        existing := Certificate.objects.exclude(status=Certificate.Status.REPLACED)
        .filter(user_id=enrollment.user_id, course_id=enrollment.course_id)
        .first()
    ):
        return existing
    completed_at = enrollment.completed_at or timezone.now()
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                user_id=enrollment.user_id,
                course_id=enrollment.course_id,
                number=_next_number(timezone.localtime(completed_at).year),
                full_name=enrollment.user.full_name,
                course_title=enrollment.course.title,
                completed_on=timezone.localtime(completed_at).date(),
                template_version=template_version_current(),
            )
    except IntegrityError:  # issued by a concurrent request: one certificate, not two
        return Certificate.objects.exclude(status=Certificate.Status.REPLACED).get(
            user_id=enrollment.user_id, course_id=enrollment.course_id
        )
    _queue_render(certificate)
    return certificate


RENDERABLE = (Certificate.Status.PENDING, Certificate.Status.FAILED)
RENDER_FIELDS = [
    "pdf",
    "pdf_sha256",
    "status",
    "rendered_at",
    "error",
    "failed_attempts",
    "failing_since",
    "retry_at",
]


def certificate_render(*, certificate_id: int) -> Certificate | None:
    """Render and store the PDF of a pending (or failed) certificate; done ones are left alone.

    The render and the file write happen outside any transaction, with no row locked:
    what a certificate says is frozen when it is issued, so nothing the render reads can
    change meanwhile. Only then a short transaction locks the row, checks it still wants
    a PDF (not revoked, not finished by a redelivered copy of this task) and records the
    file. A completing learner's INSERT, a revocation or the admin never wait for a
    render, and no connection sits idle in a transaction while WeasyPrint works.
    Idempotent: a second run finds the row ready and changes nothing; if two runs race,
    one records its file and the other deletes its own.
    """
    certificate = (
        Certificate.objects.select_related("template_version").filter(pk=certificate_id).first()
    )
    if certificate is None or certificate.status not in RENDERABLE:
        return certificate
    pdf_bytes = render_pdf(certificate)
    # Stored under a new key before the row names it: the row never points at a partial
    # file, and a file whose row is not updated is deleted below.
    certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf_bytes), save=False)
    written = certificate.pdf.name
    try:
        recorded = _certificate_record_pdf(
            certificate,
            name=written,
            sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            # only a transaction of its own: never relax an outer one holding other writes
            relaxed_commit=not connection.in_atomic_block,
        )
    except BaseException:
        delete_quietly(private_storage, written)
        raise
    if recorded is None:  # revoked or finished meanwhile: this file is not needed
        delete_quietly(private_storage, written)
        return Certificate.objects.filter(pk=certificate_id).first()
    return recorded


def _commit_without_waiting_for_disk() -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL reaches the disk.

    The worker then does not wait for a disk flush per certificate, and does not queue
    its flushes in front of the learners' commits. What a database crash could lose is
    the last fraction of a second of these updates, and that is safe to lose: the row is
    still `pending`, so the sweep renders it again (the same PDF) and the orphan clean-up
    removes the file. Nothing a learner or an officer wrote is ever committed this way.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@transaction.atomic
def _certificate_record_pdf(
    certificate: Certificate, *, name: str, sha256: str, relaxed_commit: bool
) -> Certificate | None:
    """Point the row at its new PDF, if it still wants one; None if it no longer does.

    Only the certificate row is locked, in the mode that still lets other rows point at it
    (FOR NO KEY UPDATE): inserting a certificate checks its foreign keys with KEY SHARE
    locks, which this does not block.
    """
    if relaxed_commit:
        _commit_without_waiting_for_disk()
    row = (
        Certificate.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=certificate.pk, status__in=RENDERABLE)
        .first()
    )
    if row is None:
        return None
    previous = row.pdf.name
    row.pdf.name = name
    row.pdf_sha256 = sha256
    row.status = Certificate.Status.READY
    row.rendered_at = timezone.now()
    row.error = ""
    row.failed_attempts = 0
    row.failing_since = None
    row.retry_at = None
    row.save(update_fields=RENDER_FIELDS)
    if previous and previous != name:
        transaction.on_commit(lambda: delete_quietly(private_storage, previous))
    row.template_version = certificate.template_version  # already loaded; saves a query
    return row


@transaction.atomic
def certificate_mark_failed(*, certificate_id: int, error: str, transient: bool = False) -> None:
    """Record why rendering failed: a transient error is retried by the sweep with growing
    delays for a day from its first failure; a permanent one waits for an admin."""
    certificate = (
        Certificate.objects.select_for_update()
        .filter(pk=certificate_id, status=Certificate.Status.PENDING)
        .first()
    )
    if certificate is None:
        return
    now = timezone.now()
    certificate.status = Certificate.Status.FAILED
    certificate.error = error[:2000]
    certificate.failed_attempts += 1
    certificate.failing_since = certificate.failing_since or now
    still_worth_it = now - certificate.failing_since < RETRY_TRANSIENT_FOR
    certificate.retry_at = (
        now + retry_delay(certificate.failed_attempts) if transient and still_worth_it else None
    )
    certificate.save(
        update_fields=["status", "error", "failed_attempts", "failing_since", "retry_at"]
    )


@transaction.atomic
def certificate_retry(*, certificate: Certificate) -> bool:
    """An admin's "try again" on a failed certificate: pending again, queued after commit.

    False if it is no longer failed (tried again by someone else, or by the sweep).
    """
    updated = Certificate.objects.filter(
        pk=certificate.pk, status=Certificate.Status.FAILED
    ).update(
        status=Certificate.Status.PENDING,
        error="",
        failed_attempts=0,
        failing_since=None,
        retry_at=None,
        queued_at=timezone.now(),
    )
    if updated:
        _queue_render(certificate)
    return bool(updated)


class CertificateStateError(Exception):
    """The certificate is no longer in a state that allows this (revoked or replaced since)."""


def _locked(certificate: Certificate, allowed: frozenset) -> Certificate:
    """The row, locked, if its status allows the action; two clicks or two officers at once
    get one action and one CertificateStateError, never two."""
    row = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=certificate.pk)
    )
    if row.status not in allowed:
        raise CertificateStateError(row.status)
    return row


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a certificate (pending, ready or failed); the public check then says so, with reason and date."""
    certificate = _locked(certificate, REVOCABLE)
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason.strip()[:300]
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate: Certificate) -> Certificate:
    """A new version (of a ready or failed one) with today's name, course and template; the old one stays, replaced."""
    old = _locked(certificate, REISSUABLE)
    old.status = Certificate.Status.REPLACED
    old.save(update_fields=["status"])
    new = Certificate.objects.create(
        user_id=old.user_id,
        course_id=old.course_id,
        number=_next_number(timezone.localdate().year),
        full_name=old.user.full_name,
        course_title=old.course.title if old.course else old.course_title,
        completed_on=old.completed_on,
        template_version=template_version_current(),
        replaces=old,
    )
    _queue_render(new)
    return new


def certificates_requeue(*, include_failed: bool = False, older_than=STALE_PENDING_AFTER) -> int:
    """Queue again the certificates left pending, and the failed ones whose transient error
    is due another try (with include_failed, every failed one); returns how many.

    Idempotent: each row is claimed by one conditional update, so two sweeps at once
    queue it once.
    """
    now = timezone.now()
    stale_pending = Q(status=Certificate.Status.PENDING, queued_at__lte=now - older_than)
    failed = Q(status=Certificate.Status.FAILED)
    due = stale_pending | (failed if include_failed else failed & Q(retry_at__lte=now))
    from .tasks import render_certificate

    count = 0
    for certificate_id in Certificate.objects.filter(due).values_list("pk", flat=True):
        claimed = Certificate.objects.filter(due, pk=certificate_id).update(
            status=Certificate.Status.PENDING, queued_at=now
        )
        if claimed:
            render_certificate.delay(certificate_id)
            count += 1
    return count


def certificate_files_cleanup(*, older_than: datetime.timedelta = ORPHAN_MIN_AGE) -> int:
    """Delete PDFs that no certificate names and that are over an hour old (their row never committed)."""

    def referenced(names: list[str]) -> set[str]:
        return set(Certificate.objects.filter(pdf__in=names).values_list("pdf", flat=True))

    return orphans_delete(
        storage=private_storage, folder="certificates", referenced=referenced, older_than=older_than
    )
