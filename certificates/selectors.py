"""Reads about certificates, including the public verification."""

import hashlib
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Certificate


def certificates_of(*, user) -> QuerySet[Certificate]:
    """A learner's certificates in force and replaced, newest first."""
    return Certificate.objects.filter(user=user).select_related("course").order_by("-issued_at")


def certificate_for_course(*, user, course_id: int) -> Certificate | None:
    """The learner's certificate in force for a course, if any."""
    return (
        Certificate.objects.filter(user=user, course_id=course_id)
        .exclude(status=Certificate.Status.REPLACED)
        .first()
    )


@dataclass(frozen=True)
class Verification:
    """What the public verification page may say: nothing that identifies beyond the certificate."""

    outcome: str  # "genuine", "revoked", "replaced", "pending", "tampered", "unknown"
    certificate: Certificate | None = None


def _pdf_matches_hash(certificate: Certificate) -> bool:
    if not certificate.pdf or not certificate.pdf_sha256:
        return False
    try:
        with certificate.pdf.open("rb") as stored:
            digest = hashlib.sha256(stored.read()).hexdigest()
    except OSError:
        return False
    return digest == certificate.pdf_sha256


def certificate_verify(*, token: str = "", number: str = "") -> Verification:
    """Look a certificate up by its QR token or its number and say whether it is genuine.

    A ready certificate is genuine only if its stored PDF still has the hash it was issued with.
    """
    lookup = {"token": token} if token else {"number": number.strip().upper()}
    if not any(lookup.values()) or len(next(iter(lookup.values()))) > 64:
        return Verification("unknown")
    certificate = Certificate.objects.select_related("template_version").filter(**lookup).first()
    if certificate is None:
        return Verification("unknown")
    status = certificate.status
    if status == Certificate.Status.READY:
        return Verification(
            "genuine" if _pdf_matches_hash(certificate) else "tampered", certificate
        )
    if status == Certificate.Status.REVOKED:
        return Verification("revoked", certificate)
    if status == Certificate.Status.REPLACED:
        return Verification("replaced", certificate)
    return Verification("pending", certificate)
