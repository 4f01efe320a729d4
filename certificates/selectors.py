"""Reads about certificates, including the public verification."""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.text import normalize_text

from .models import CHECK_CODE_LENGTH, Certificate


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


def _verdict(certificate: Certificate) -> Verification:
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


def certificate_verify(*, token: str) -> Verification:
    """Look a certificate up by its QR token (the secret) and say whether it is genuine.

    A ready certificate is genuine only if its stored PDF still has the hash it was issued with.
    """
    if not token or len(token) > 64:
        return Verification("unknown")
    certificate = (
        Certificate.objects.select_related("template_version", "replaced_by")
        .filter(token=token)
        .first()
    )
    return _verdict(certificate) if certificate else Verification("unknown")


NUMBER_PATTERN = re.compile(r"(?:HVS)?(\d{4})(\d{1,9})")


def certificate_number_normalise(*, number: str) -> str:
    """ "hvs 2026 000001", "HVS2026000001", "HVS-2026-1" -> "HVS-2026-000001"; else ""."""
    compact = re.sub(r"[\W_]+", "", number).upper()
    match = NUMBER_PATTERN.fullmatch(compact) if len(compact) <= 20 else None
    return f"HVS-{match[1]}-{match[2].rjust(6, '0')}" if match else ""


def _same_name(typed: str, stored: str) -> bool:
    # Case, spacing, Unicode form and invisible characters do not count; diacritics do:
    # "Hùng" and "Hưng" are different people, so a forged paper must not match.
    def key(name: str) -> str:
        visible = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
        return normalize_text(visible).casefold()

    return bool(typed.strip()) and hmac.compare_digest(key(typed).encode(), key(stored).encode())


def _same_check_code(typed: str, certificate: Certificate) -> bool:
    compact = re.sub(r"[\W_]+", "", typed).upper()
    return len(compact) == CHECK_CODE_LENGTH and hmac.compare_digest(
        compact.encode(), certificate.check_code.encode()
    )


def certificate_verify_by_number(
    *, number: str, full_name: str = "", check_code: str = ""
) -> Verification:
    """By number the visitor must also prove the holder's name or the printed check code.

    Every proof typed must match; a wrong proof and an unknown number give the same "unknown",
    so the number alone tells nobody who holds a certificate or whether it exists.
    """
    normalised = certificate_number_normalise(number=number)
    if not normalised or not (full_name.strip() or check_code.strip()):
        return Verification("unknown")
    certificate = (
        Certificate.objects.select_related("template_version").filter(number=normalised).first()
    )
    if certificate is None:
        return Verification("unknown")
    proofs = []
    if full_name.strip():
        proofs.append(_same_name(full_name, certificate.full_name))
    if check_code.strip():
        proofs.append(_same_check_code(check_code, certificate))
    return _verdict(certificate) if all(proofs) else Verification("unknown")
