"""Certificates: issued once per learner and course, frozen, rendered by a worker, verifiable.

What a certificate says (name, course, date, organisation, signer, template
version) is copied into the row when it is issued, and the finished PDF's
SHA-256 is kept beside it: later edits of the learner, the course or the
template change nothing already issued. A reissue is a new row; the old one
stays, marked replaced.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .admin_forms import CertificateSettingsForm
from .storage import PrivateFileSystemStorage, select_private_storage, unique_name
from .widgets import ImageChooser

# The old migrations name this class; private files now go through `select_private_storage`.
PrivateStorage = PrivateFileSystemStorage


def certificate_pdf_path(instance: "Certificate", filename: str) -> str:
    """A new key for every render (never overwriting a PDF a row may point at)."""
    return unique_name(f"certificates/{timezone.now():%Y}", filename)


def new_token() -> str:
    """192 random bits, URL-safe: what the QR code carries."""
    return secrets.token_urlsafe(24)


# No 0/O, 1/I/L: read off paper and typed by hand without confusion.
CHECK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECK_CODE_LENGTH = 6  # 31**6, about 8.9e8 codes: far beyond guessing under the rate limit


def check_code_for(token: str) -> str:
    """The short code printed beside the number: derived from the secret token, so no column."""
    value = int.from_bytes(hashlib.sha256(f"hvs-check-code:{token}".encode()).digest(), "big")
    letters = []
    for _position in range(CHECK_CODE_LENGTH):
        value, index = divmod(value, len(CHECK_CODE_ALPHABET))
        letters.append(CHECK_CODE_ALPHABET[index])
    return "".join(letters)


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """What the certificate shows besides the learner and course; each save in the admin
    records a new template version (services.template_version_record)."""

    organisation_name = models.CharField(
        _("tên đơn vị cấp"), max_length=200, default="Ban Chỉ đạo phong trào Bình dân học vụ số"
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signer_name = models.CharField(_("người ký"), max_length=120, default="Nguyễn Văn An")
    signer_title = models.CharField(_("chức vụ người ký"), max_length=160, default="Trưởng ban")
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("ảnh chữ ký"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    footer_text = models.CharField(
        _("dòng chân trang"),
        max_length=300,
        blank=True,
        default="Giấy chứng nhận này được cấp trực tuyến; quét mã QR để kiểm tra.",
    )

    base_form_class = CertificateSettingsForm
    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("logo", widget=ImageChooser),
        FieldPanel("signer_name"),
        FieldPanel("signer_title"),
        FieldPanel("signature", widget=ImageChooser),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = _("mẫu giấy chứng nhận")


class TemplateVersionManager(models.Manager):
    def record(self, settings_row: CertificateSettings) -> "TemplateVersion":
        """Store the settings as a new version, unless they equal the latest."""
        values = {
            "organisation_name": settings_row.organisation_name,
            "signer_name": settings_row.signer_name,
            "signer_title": settings_row.signer_title,
            "footer_text": settings_row.footer_text,
            "logo_path": settings_row.logo.file.name if settings_row.logo else "",
            "signature_path": settings_row.signature.file.name if settings_row.signature else "",
        }
        latest = self.order_by("-number").first()
        if latest and all(getattr(latest, key) == value for key, value in values.items()):
            return latest
        return self.create(number=(latest.number + 1) if latest else 1, **values)


class TemplateVersion(models.Model):
    """A frozen copy of the certificate settings; certificates point at the one they used."""

    number = models.PositiveIntegerField(_("phiên bản"), unique=True)
    organisation_name = models.CharField(max_length=200)
    signer_name = models.CharField(max_length=120)
    signer_title = models.CharField(max_length=160)
    footer_text = models.CharField(max_length=300, blank=True)
    logo_path = models.CharField(max_length=255, blank=True)
    signature_path = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TemplateVersionManager()

    class Meta:
        verbose_name = _("phiên bản mẫu chứng nhận")
        verbose_name_plural = _("các phiên bản mẫu chứng nhận")

    def __str__(self):
        return f"v{self.number} · {self.organisation_name}"


class CertificateCounter(models.Model):
    """The last certificate number given out in a year."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


# Sent with `user_ids` after a queryset update changed the status of their certificates:
# saves send post_save, updates send nothing, and the counts of certificates in force
# per ward (training) must follow both.
certificate_status_changed = Signal()


class CertificateQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Any status change by queryset (retry, requeue, bulk revoke) is announced."""
        if "status" not in kwargs:
            return super().update(**kwargs)
        user_ids = set(self.values_list("user_id", flat=True))
        updated = super().update(**kwargs)
        if updated:
            certificate_status_changed.send(sender=Certificate, user_ids=user_ids)
        return updated


class Certificate(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chuẩn bị")
        READY = "ready", _("Đã cấp")
        FAILED = "failed", _("Lỗi khi tạo")
        REVOKED = "revoked", _("Đã thu hồi")
        REPLACED = "replaced", _("Đã được cấp lại")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.SET_NULL, null=True, related_name="certificates"
    )
    number = models.CharField(_("số hiệu"), max_length=20, unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    # Frozen at issue time.
    full_name = models.CharField(_("họ và tên"), max_length=150)
    course_title = models.CharField(_("khóa học"), max_length=255)
    completed_on = models.DateField(_("ngày hoàn thành"))
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    # When a render was last asked for; the sweep asks again only after a while,
    # so a long backlog is not queued over and over.
    queued_at = models.DateTimeField(default=timezone.now)
    # The rendered document.
    pdf = models.FileField(
        storage=select_private_storage, upload_to=certificate_pdf_path, blank=True, max_length=255
    )
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Failures in a row, since when, and when the sweep tries again: set only for
    # transient errors (storage full or unreachable, database gone), for a day;
    # empty on a failed certificate means it waits for an admin's "try again".
    failed_attempts = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    # Revocation and reissue.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("giấy chứng nhận")
        verbose_name_plural = _("giấy chứng nhận")
        # Certificates are issued by the system, never added, edited or deleted by hand:
        # "view" lists them (they hold names), "revoke" revokes and reissues them.
        default_permissions = ("view",)
        permissions = [("revoke_certificate", _("Thu hồi và cấp lại giấy chứng nhận"))]
        constraints = [
            # One certificate in force per learner and course; replaced ones stay as history.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=~Q(status="replaced"),
                name="one_certificate_per_learner_and_course",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(pdf_sha256=""),
                name="ready_certificate_has_hash",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False),
                name="revoked_certificate_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "queued_at"]),
            models.Index(fields=["status", "retry_at"]),
        ]

    def __str__(self):
        return f"{self.number} · {self.full_name} · {self.course_title}"

    @property
    def check_code(self) -> str:
        return check_code_for(self.token)

    @property
    def check_code_printed(self) -> str:
        """ "K7M-Q2P": in two halves, easier to read out and type."""
        code = self.check_code
        return f"{code[:3]}-{code[3:]}"
