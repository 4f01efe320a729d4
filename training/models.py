"""Cadre work: courses assigned to wards, their history, reminders sent, exports, audit."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from accounts.models import Province, Ward
from certificates.storage import select_private_storage, unique_name
from courses.models import CoursePage


class Audience(models.TextChoices):
    ALL = "all", _("Mọi người dân")
    BORN_BY = "born_by", _("Người dân sinh từ năm … trở về trước")
    PUBLIC_SERVANTS = "public_servants", _("Chỉ cán bộ, công chức, viên chức")


class Assignment(models.Model):
    """A course a cadre asks the residents of some wards to finish by a date."""

    # A cancelled assignment can be restored ("Hoàn tác") for this long after cancelling.
    UNDO_CANCEL_WITHIN = timedelta(hours=24)

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang giao")
        CANCELLED = "cancelled", _("Đã hủy")

    course = models.ForeignKey(
        CoursePage, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("khóa học")
    )
    wards = models.ManyToManyField(Ward, related_name="assignments", verbose_name=_("xã/phường"))
    # Set when a province cadre chose "every ward of the province".
    whole_province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("toàn tỉnh/thành"),
    )
    due_date = models.DateField(_("hạn hoàn thành"))
    audience = models.CharField(
        _("đối tượng"), max_length=20, choices=Audience, default=Audience.ALL
    )
    born_in_or_before = models.PositiveSmallIntegerField(
        _("sinh từ năm … trở về trước"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khóa học được giao")
        verbose_name_plural = _("khóa học được giao")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]
        # Editors see ward figures (no names or numbers) in the Wagtail admin.
        permissions = [("view_ward_reports", _("Xem báo cáo hoàn thành theo xã/phường"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience="born_by", born_in_or_before__isnull=False)
                | (~Q(audience="born_by") & Q(born_in_or_before__isnull=True)),
                name="birth_year_only_for_born_by_audience",
            ),
        ]

    def __str__(self):
        return f"{self.course.title} · {self.due_date:%d/%m/%Y}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def undo_cancel_until(self):
        """Until when "Hoàn tác" may restore this cancelled assignment (None if active)."""
        if self.status != self.Status.CANCELLED or self.cancelled_at is None:
            return None
        return self.cancelled_at + self.UNDO_CANCEL_WITHIN

    @property
    def can_undo_cancel(self) -> bool:
        until = self.undo_cancel_until
        return until is not None and timezone.now() < until

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.due_date < timezone.localdate()

    @property
    def audience_label(self) -> str:
        if self.audience == Audience.BORN_BY:
            return _("Người dân sinh từ năm %(year)s trở về trước") % {
                "year": self.born_in_or_before
            }
        return self.get_audience_display()


class AssignmentEvent(models.Model):
    """One line of an assignment's history: created, changed (with before/after), cancelled."""

    class Action(models.TextChoices):
        CREATED = "created", _("Tạo")
        CHANGED = "changed", _("Sửa")
        CANCELLED = "cancelled", _("Hủy")
        RESTORED = "restored", _("Hoàn tác hủy")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The cadre's name as it was, kept if the account is removed later.
    by_name = models.CharField(max_length=150, blank=True)
    # {"field": [before, after], ...} for changes; the initial values for "created".
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.assignment_id} · {self.action} · {self.at:%d/%m/%Y %H:%M}"


class PhoneReveal(models.Model):
    """A cadre asked to see a resident's full phone number (personal data access log)."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    viewer_name = models.CharField(max_length=150, blank=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_reveals"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lượt xem số điện thoại")
        verbose_name_plural = _("lượt xem số điện thoại")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.viewer_name} → {self.resident_id} · {self.at:%d/%m/%Y %H:%M}"


class PhoneExport(models.Model):
    """A cadre downloaded a ward's list WITH full phone numbers (personal data access log)."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    viewer_name = models.CharField(max_length=150, blank=True)
    ward = models.ForeignKey(
        "accounts.Ward", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ward_name = models.CharField(max_length=150, blank=True)
    file_format = models.CharField(max_length=4)
    # The list as filtered: {"assignment": 3, "status": "overdue", "q": "", "separator": ";"}.
    filters = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lượt xuất kèm số điện thoại")
        verbose_name_plural = _("lượt xuất kèm số điện thoại")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.viewer_name} → {self.ward_name} ({self.rows}) · {self.at:%d/%m/%Y %H:%M}"


class Reminder(models.Model):
    """A reminder sent to a learner about one assignment: never twice of a kind."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Sắp đến hạn")
        OVERDUE = "overdue", _("Quá hạn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_reminders"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind)
    day = models.DateField()
    emailed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assignment", "kind"], name="one_reminder_per_assignment_and_kind"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.assignment_id} · {self.kind} · {self.day:%d/%m/%Y}"


class CadreDigest(models.Model):
    """The weekly list of lagging wards sent to one cadre: once per week."""

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_digests"
    )
    week_start = models.DateField()
    lagging_ward_count = models.PositiveIntegerField(default=0)
    emailed = models.BooleanField(default=False)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cadre", "week_start"], name="one_digest_per_week"),
        ]

    def __str__(self):
        return f"{self.cadre_id} · {self.week_start:%d/%m/%Y}"


def export_file_path(instance: "Export", filename: str) -> str:
    """A new key for every file written (never overwriting one a row may point at)."""
    return unique_name(f"exports/{timezone.now():%Y/%m}", filename)


class Export(models.Model):
    """A CSV/XLSX list prepared in the background, for the cadre who asked for it."""

    class Kind(models.TextChoices):
        WARD_RESIDENTS = "ward_residents", _("Danh sách người dân của xã/phường")
        PROVINCE_WARDS = "province_wards", _("Bảng xã/phường của tỉnh/thành")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang xuất")
        READY = "ready", _("Đã xong")
        FAILED = "failed", _("Lỗi")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_exports"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    file_format = models.CharField(max_length=4, choices=Format)
    # What to export, e.g. {"ward": 12, "assignment": 3, "status": "", "q": ""}.
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(
        storage=select_private_storage, upload_to=export_file_path, blank=True, max_length=255
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0


@register_setting(icon="group")
class TrainingSettings(BaseSiteSetting):
    """When a ward counts as lagging, when reminders go out, when exports go to the background."""

    lagging_ratio = models.DecimalField(
        _("ngưỡng vùng trũng (so với trung vị tỉnh)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1.00"))],
        help_text=_(
            "Xã/phường có tỉ lệ hoàn thành thấp hơn tỉ lệ này nhân với trung vị của tỉnh "
            "là vùng trũng. Mặc định 0,50 (một nửa trung vị)."
        ),
    )
    lagging_min_residents = models.PositiveIntegerField(
        _("số người dân tối thiểu để xét vùng trũng"),
        default=20,
        help_text=_("Xã/phường có ít người đăng ký hơn số này không bị đánh dấu."),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("nhắc trước hạn (ngày)"),
        default=3,
        validators=[MaxValueValidator(30)],
    )
    background_export_rows = models.PositiveIntegerField(
        _("xuất nền khi vượt quá (dòng)"),
        default=2000,
        help_text=_("Danh sách dài hơn số dòng này được chuẩn bị trong nền và báo khi xong."),
    )

    class Meta:
        verbose_name = _("cài đặt theo dõi học tập")

    @classmethod
    def current(cls, *, request=None) -> "TrainingSettings":
        """The settings of the request's site, or of the default site (defaults when none saved)."""
        if request is not None:
            return cls.for_request(request)
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        return cls.for_site(site) if site else cls()
