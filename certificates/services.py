"""Writes about certificates: issue, render, revoke, reissue, re-queue."""

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from courses.models import Enrollment

from .models import Certificate, CertificateCounter, CertificateSettings, TemplateVersion
from .pdf import render_pdf
from .storage import ORPHAN_MIN_AGE, delete_quietly, orphans_delete, private_storage

# A pending certificate older than this is presumed lost (a dropped message, a
# broker that was down at completion time) and is queued again by the sweep.
STALE_PENDING_AFTER = datetime.timedelta(minutes=3)
# Which certificates an officer may revoke, and which reissue (a new number, today's template).
REVOCABLE = frozenset(
    {Certificate.Status.PENDING, Certificate.Status.READY, Certificate.Status.FAILED}
)
REISSUABLE = frozenset({Certificate.Status.READY, Certificate.Status.FAILED})


def _current_template_version() -> TemplateVersion:
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
                template_version=_current_template_version(),
            )
    except IntegrityError:  # issued by a concurrent request: one certificate, not two
        return Certificate.objects.exclude(status=Certificate.Status.REPLACED).get(
            user_id=enrollment.user_id, course_id=enrollment.course_id
        )
    _queue_render(certificate)
    return certificate


def certificate_render(*, certificate_id: int) -> Certificate | None:
    """Render and store the PDF of a pending (or failed) certificate; done ones are left alone.

    Idempotent: the row is locked while rendering, and a certificate already
    ready is not rendered again, so a redelivered task changes nothing.
    """
    written = []  # the key this run stored, removed again if its row does not commit
    try:
        with transaction.atomic():
            # Only the certificate row, and in the mode that still lets other rows point at
            # it: a plain FOR UPDATE with select_related would also lock the template
            # version, and every learner completing a course meanwhile would wait for this
            # render to finish, because inserting their certificate checks its foreign key to
            # that version with a KEY SHARE lock.
            certificate = (
                Certificate.objects.select_for_update(of=("self",), no_key=True)
                .select_related("template_version")
                .filter(pk=certificate_id)
                .first()
            )
            if certificate is None or certificate.status not in (
                Certificate.Status.PENDING,
                Certificate.Status.FAILED,
            ):
                return certificate
            pdf_bytes = render_pdf(certificate)
            previous = certificate.pdf.name
            # Stored under a new key before the row names it: the row never points at a
            # partial file, and a file whose row does not commit is deleted below.
            certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf_bytes), save=False)
            written.append(certificate.pdf.name)
            certificate.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
            certificate.status = Certificate.Status.READY
            certificate.rendered_at = timezone.now()
            certificate.error = ""
            certificate.save()
            if previous:
                transaction.on_commit(lambda: delete_quietly(private_storage, previous))
    except BaseException:
        for name in written:
            delete_quietly(private_storage, name)
        raise
    return certificate


def certificate_mark_failed(*, certificate_id: int, error: str) -> None:
    """Record why rendering failed for good (after the last retry)."""
    Certificate.objects.filter(pk=certificate_id, status=Certificate.Status.PENDING).update(
        status=Certificate.Status.FAILED, error=error[:2000]
    )


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
        template_version=_current_template_version(),
        replaces=old,
    )
    _queue_render(new)
    return new


def certificates_requeue(*, include_failed: bool = False, older_than=STALE_PENDING_AFTER) -> int:
    """Queue again the certificates left pending (and, if asked, failed); returns how many."""
    statuses = [Certificate.Status.PENDING] + (
        [Certificate.Status.FAILED] if include_failed else []
    )
    now = timezone.now()
    stale = Certificate.objects.filter(status__in=statuses, queued_at__lte=now - older_than)
    ids = list(stale.values_list("pk", flat=True))
    Certificate.objects.filter(pk__in=ids, status__in=statuses).update(
        status=Certificate.Status.PENDING, error="", queued_at=now
    )
    from .tasks import render_certificate

    for certificate_id in ids:
        render_certificate.delay(certificate_id)
    return len(ids)


def certificate_files_cleanup(*, older_than: datetime.timedelta = ORPHAN_MIN_AGE) -> int:
    """Delete PDFs that no certificate names and that are over an hour old (their row never committed)."""

    def referenced(names: list[str]) -> set[str]:
        return set(Certificate.objects.filter(pdf__in=names).values_list("pdf", flat=True))

    return orphans_delete(
        storage=private_storage, folder="certificates", referenced=referenced, older_than=older_than
    )
