"""People and places: the User, the 34 provinces and 3,321 wards, consent, notices."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .collation import vietnamese
from .phone import display_phone, mask_phone, normalize_phone
from .text import fold, given_name_of, normalize_name


class Province(models.Model):
    """A province or centrally-run city of the two-level system (since 1 July 2025)."""

    code = models.PositiveIntegerField(_("mã"), unique=True)
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(_("loại"), max_length=40)

    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")
        ordering = [vietnamese("name")]

    def __str__(self):
        return self.name


class Ward(models.Model):
    """A commune (xã), ward (phường) or special zone (đặc khu)."""

    code = models.PositiveIntegerField(_("mã"), unique=True)
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(_("loại"), max_length=40)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="wards", verbose_name=_("tỉnh/thành")
    )
    former_names = models.TextField(
        _("tên trước năm 2025"),
        blank=True,
        help_text=_("Các xã/phường cũ đã sáp nhập vào đơn vị này, cách nhau bởi dấu chấm phẩy."),
    )
    # Name, former names and province, lower case without diacritics, for search.
    search_text = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("xã/phường")
        verbose_name_plural = _("xã/phường")
        ordering = [vietnamese("name")]

    def __str__(self):
        return f"{self.name}, {self.province.name}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, phone, password, **extra_fields):
        user = self.model(phone=normalize_phone(phone), **extra_fields)
        user.full_name = normalize_name(user.full_name)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(phone, password, **extra_fields)

    def create_superuser(self, phone, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(phone, password, **extra_fields)


class Role(models.TextChoices):
    LEARNER = "learner", _("Học viên")
    WARD_CADRE = "ward_cadre", _("Cán bộ cấp xã/phường")
    PROVINCE_CADRE = "province_cadre", _("Cán bộ cấp tỉnh/thành")


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: citizens, cadres, editors, admins. Log-in is by mobile number."""

    phone = models.CharField(
        _("số điện thoại"),
        max_length=16,
        unique=True,
        help_text=_("Lưu theo dạng quốc tế, ví dụ +84912345678."),
        error_messages={"unique": _("Số điện thoại này đã được đăng ký.")},
    )
    full_name = models.CharField(_("họ và tên"), max_length=150)
    email = models.EmailField(_("thư điện tử"), blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("năm sinh"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("xã/phường nơi ở"),
    )
    # Cán bộ, công chức, viên chức: the audience of "cadres only" assignments. Not a
    # permission: who may see dashboards is decided by `role` alone.
    works_in_public_service = models.BooleanField(
        _("là cán bộ, công chức, viên chức"), default=False
    )
    # The name without diacritics, for search: "nguyen thi hong".
    name_folded = models.CharField(max_length=150, editable=False, blank=True)
    # The last word of the full name, "Nhung" in "Nguyễn Thị Hồng Nhung": lists of people
    # sort by it first, the local habit (see accounts/collation.py).
    given_name = models.CharField(max_length=50, editable=False, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role, default=Role.LEARNER)
    managed_wards = models.ManyToManyField(
        Ward,
        blank=True,
        related_name="ward_cadres",
        verbose_name=_("xã/phường phụ trách"),
        help_text=_("Chỉ dùng cho cán bộ cấp xã/phường."),
    )
    managed_province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="province_cadres",
        verbose_name=_("tỉnh/thành phụ trách"),
        help_text=_("Chỉ dùng cho cán bộ cấp tỉnh/thành."),
    )
    is_staff = models.BooleanField(
        _("quyền vào trang quản trị Django"),
        default=False,
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    date_joined = models.DateTimeField(_("ngày đăng ký"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="province_cadre") | Q(managed_province__isnull=True),
                name="only_province_cadres_manage_a_province",
            ),
        ]

    def __str__(self):
        return self.full_name or self.phone

    def clean(self):
        super().clean()
        self.full_name = normalize_name(self.full_name)

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.full_name)
        self.given_name = given_name_of(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded", "given_name"}
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    @property
    def first_name(self) -> str:
        """The whole name: Wagtail's admin names its user by `first_name` (else the phone)."""
        return self.full_name

    def get_short_name(self):
        return given_name_of(self.full_name) or self.phone

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Consent(models.Model):
    """An explicit consent to process personal data (Law 91/2025/QH15), with its text version."""

    class Purpose(models.TextChoices):
        TRAINING = "training", _("Xử lý dữ liệu cá nhân để học và cấp chứng nhận")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=30, choices=Purpose, default=Purpose.TRAINING)
    text_version = models.CharField(_("phiên bản văn bản"), max_length=30)
    given_at = models.DateTimeField(_("thời điểm đồng ý"), default=timezone.now)
    # Set when a cadre registered the resident in person and recorded their consent.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The cadre's name as it was, kept even if their account is later removed.
    recorded_by_name = models.CharField(_("cán bộ ghi nhận"), max_length=150, blank=True)
    withdrawn_at = models.DateTimeField(_("thời điểm rút lại"), null=True, blank=True)

    class Meta:
        verbose_name = _("sự đồng ý")
        verbose_name_plural = _("sự đồng ý")

    def __str__(self):
        return f"{self.user} · {self.text_version} · {self.given_at:%d/%m/%Y}"


# The texts of in-site notices, by kind. Stored notices keep only the kind and
# its parameters, so each reader sees the text in their own language.
NOTICE_TEXTS = {
    "welcome": _(
        "Chào mừng %(name)s đến với Học vụ số! Hãy chọn một khóa học để bắt đầu. "
        "Mỗi bài chỉ mất vài phút."
    ),
    "course_completed": _("Chúc mừng! Bạn đã hoàn thành khóa học “%(course)s”."),
    "assignment_due_soon": _(
        "Khóa học “%(course)s” được giao cho bạn cần hoàn thành trước ngày %(due)s. "
        "Hãy dành vài phút để học tiếp."
    ),
    "assignment_overdue": _(
        "Khóa học “%(course)s” được giao cho bạn đã quá hạn (hạn %(due)s). "
        "Bạn vẫn có thể học và nhận chứng nhận."
    ),
    "lagging_digest": _(
        "Tuần này có %(count)s xã/phường bạn phụ trách đang chậm (vùng trũng): %(wards)s."
    ),
    "login_code_issued": _(
        "Cán bộ %(cadre)s đã cấp cho bạn mã đăng nhập mới ngày %(date)s vì bạn quên mật khẩu. "
        "Nếu bạn không nhờ việc này, hãy báo ngay cho UBND xã/phường."
    ),
}


class Notice(models.Model):
    """A message shown to one user inside the site (no SMS or e-mail needed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    # What the notice is about and for which occasion, e.g. "welcome"; one per user.
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=40, choices=[(kind, kind) for kind in NOTICE_TEXTS])
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notice_per_user_and_key"),
        ]

    def __str__(self):
        return self.message

    @property
    def message(self) -> str:
        return str(NOTICE_TEXTS[self.kind]) % self.params


class FirstLoginCode(models.Model):
    """The one-time code a cadre gives a resident they registered, to set a first password.

    Only a hash is stored; the code itself is shown once, on the printed slip.
    """

    MAX_FAILED_ATTEMPTS = 5

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="first_login_code"
    )
    code_hash = models.CharField(max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("mã đăng nhập lần đầu")
        verbose_name_plural = _("mã đăng nhập lần đầu")

    def __str__(self):
        return f"{self.user} · {self.expires_at:%d/%m/%Y}"

    @property
    def usable(self) -> bool:
        return self.failed_attempts < self.MAX_FAILED_ATTEMPTS and self.expires_at > timezone.now()


class FirstLoginCodeLog(models.Model):
    """Who gave whom a one-time code, when and why.

    A code lets its holder choose the account's password, so every code a cadre issues
    stays on record (the code itself, and its hash, do not).
    """

    class Reason(models.TextChoices):
        ASSISTED_SIGN_UP = "assisted_sign_up", _("Đăng ký giúp")
        REPRINT = "reprint", _("In lại phiếu")
        FORGOTTEN_PASSWORD = "forgotten_password", _("Quên mật khẩu")

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="first_login_code_logs"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the record still says who it was after that account is gone.
    issued_by_name = models.CharField(max_length=150, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=32, choices=Reason.choices)

    class Meta:
        verbose_name = _("lượt cấp mã đăng nhập")
        verbose_name_plural = _("lượt cấp mã đăng nhập")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.issued_by_name} → {self.resident_id} · {self.issued_at:%d/%m/%Y %H:%M}"
