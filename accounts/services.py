"""Writes about accounts: registering, consenting, editing, deleting; loading the unit list."""

import datetime
import secrets

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Province as SourceProvince
from vietnam_provinces import Ward as SourceWard

from . import permissions
from .models import (
    Consent,
    FirstLoginCode,
    FirstLoginCodeLog,
    Notice,
    Province,
    User,
    Ward,
)
from .notices import notice_send
from .phone import normalize_phone
from .refusals import Refusal
from .selectors import resident_condition
from .text import fold, normalize_name


@transaction.atomic
def user_register(
    *,
    phone: str,
    full_name: str,
    password: str | None,
    ward: Ward,
    birth_year: int | None = None,
    works_in_public_service: bool = False,
    consent_recorded_by: User | None = None,
) -> User:
    """Create a learner and their consent record together: no consent, no account."""
    user = User.objects.create_user(
        phone=phone,
        password=password,
        full_name=normalize_name(full_name),
        ward=ward,
        birth_year=birth_year,
        works_in_public_service=works_in_public_service,
    )
    Consent.objects.create(
        user=user,
        text_version=settings.CONSENT_TEXT_VERSION,
        recorded_by=consent_recorded_by,
        recorded_by_name=consent_recorded_by.full_name if consent_recorded_by else "",
    )
    from .tasks import send_welcome_notice  # tasks import services; import here to avoid a cycle

    send_welcome_notice.delay_on_commit(user.pk)
    return user


def user_update_profile(*, user: User, full_name: str, ward: Ward, birth_year: int | None) -> User:
    """Change what a learner may change about themselves."""
    user.full_name = normalize_name(full_name)
    user.ward = ward
    user.birth_year = birth_year
    user.save(update_fields=["full_name", "ward", "birth_year"])
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Erase the account and everything attached to it (the learner's right to deletion)."""
    user.delete()


def notice_welcome(*, user_id: int) -> Notice | None:
    """Leave the welcome notice for a new user, once; a second call changes nothing."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:  # deleted before the worker got to it
        return None
    return notice_send(
        user=user, key="welcome", kind="welcome", params={"name": user.get_short_name()}
    )


def notice_mark_read(*, user: User) -> int:
    """Mark every unread notice of this user as read; returns how many."""
    return user.notices.filter(read_at__isnull=True).update(read_at=timezone.now())


def _former_names(source_ward: SourceWard) -> str:
    """ "Phường Đa Kao; Phường Bến Nghé; …": the pre-2025 wards merged into this one."""
    names = []
    for legacy in source_ward.get_legacy_sources():
        if legacy.name not in names and legacy.name != source_ward.name:
            names.append(legacy.name)
    return "; ".join(names)


@transaction.atomic
def units_load() -> dict[str, int]:
    """Insert or update all provinces and wards by official code; never duplicate a row.

    Returns how many rows were created and updated, per table.
    """
    counts = {
        "provinces_created": 0,
        "provinces_updated": 0,
        "wards_created": 0,
        "wards_updated": 0,
    }
    provinces = {p.code: p for p in Province.objects.all()}
    for source in SourceProvince.iter_all():
        values = {"name": source.name, "division_type": str(source.division_type.value)}
        province = provinces.get(source.code.value)
        if province is None:
            provinces[source.code.value] = Province.objects.create(code=source.code.value, **values)
            counts["provinces_created"] += 1
        elif any(getattr(province, key) != value for key, value in values.items()):
            Province.objects.filter(pk=province.pk).update(**values)
            counts["provinces_updated"] += 1

    existing = {w.code: w for w in Ward.objects.all()}
    to_create, to_update = [], []
    fields = ["name", "division_type", "province_id", "former_names", "search_text"]
    for source in SourceWard.iter_all():
        province = provinces[source.province_code.value]
        former = _former_names(source)
        values = {
            "name": source.name,
            "division_type": str(source.division_type.value),
            "province_id": province.pk,
            "former_names": former,
            "search_text": fold(f"{source.name} {former} {province.name}"),
        }
        ward = existing.get(source.code.value)
        if ward is None:
            to_create.append(Ward(code=source.code.value, **values))
        elif any(getattr(ward, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(ward, key, value)
            to_update.append(ward)
    Ward.objects.bulk_create(to_create, batch_size=500)
    Ward.objects.bulk_update(to_update, fields, batch_size=500)
    counts["wards_created"] = len(to_create)
    counts["wards_updated"] = len(to_update)
    return counts


# --- Assisted sign-up and the first-login code --------------------------------

FIRST_LOGIN_CODE_DIGITS = 8
FIRST_LOGIN_CODE_VALID_FOR = datetime.timedelta(days=14)

FIRST_LOGIN_WRONG_MESSAGE = _(
    "Số điện thoại hoặc mã không đúng. Hãy xem lại phiếu cán bộ đã đưa và nhập lại."
)
FIRST_LOGIN_LOCKED_MESSAGE = _(
    "Mã này đã bị khóa vì nhập sai quá nhiều lần. Hãy nhờ cán bộ xã/phường in cho bạn phiếu mới."
)
FIRST_LOGIN_EXPIRED_MESSAGE = _("Mã này đã hết hạn. Hãy nhờ cán bộ xã/phường in cho bạn phiếu mới.")
DUPLICATE_PHONE_MESSAGE = _("Số điện thoại này đã được đăng ký.")


class FirstLoginError(Refusal):
    """A first-login code or step that cannot go ahead; `message` is shown to the person."""


FIRST_LOGIN_HAS_PASSWORD_MESSAGE = _(
    "Người này đã tự đặt mật khẩu nên không cần mã đăng nhập lần đầu nữa."
)


def _first_login_code_refusal(
    *, user: User, reason: str = FirstLoginCodeLog.Reason.REPRINT
) -> Exception | None:
    """THE rule of who may get a first-login code, as the refusal to raise (None: allowed).

    Only residents (never a cadre, editor or admin: a code sets a password), and only
    those without a password of their own, unless they forgot it.
    """
    if not User.objects.filter(resident_condition(), pk=user.pk).exists():
        return PermissionDenied()
    if user.has_usable_password() and reason != FirstLoginCodeLog.Reason.FORGOTTEN_PASSWORD:
        return FirstLoginError(FIRST_LOGIN_HAS_PASSWORD_MESSAGE)
    return None


def first_login_code_allowed(*, user: User, reason: str = FirstLoginCodeLog.Reason.REPRINT) -> bool:
    """Whether a cadre may print this resident a code (for the reason); see the rule above."""
    return _first_login_code_refusal(user=user, reason=reason) is None


@transaction.atomic
def user_register_assisted(
    *,
    cadre: User,
    phone: str,
    full_name: str,
    ward: Ward,
    birth_year: int | None,
    works_in_public_service: bool = False,
) -> tuple[User, str]:
    """A cadre registers a resident of a ward in their scope, in person; returns the one-time code."""
    if not permissions.can_register_residents(cadre) or not permissions.can_see_ward(cadre, ward):
        raise PermissionDenied
    try:  # user_register runs in its own savepoint
        user = user_register(
            phone=phone,
            full_name=full_name,
            password=None,
            ward=ward,
            birth_year=birth_year,
            works_in_public_service=works_in_public_service,
            consent_recorded_by=cadre,
        )
    except IntegrityError as error:  # the same number registered a moment ago
        raise ValidationError(DUPLICATE_PHONE_MESSAGE, code="duplicate_phone") from error
    code = first_login_code_issue(
        user=user, cadre=cadre, reason=FirstLoginCodeLog.Reason.ASSISTED_SIGN_UP
    )
    return user, code


@transaction.atomic
def first_login_code_issue(
    *, user: User, cadre: User, reason: str = FirstLoginCodeLog.Reason.REPRINT
) -> str:
    """Give a resident a new 8-digit code for 14 days, logged; older codes die.

    Only for a resident without a password, unless the reason is a forgotten password.
    """
    # Lock the user row so two cadres printing at once cannot both create a code.
    user = User.objects.select_for_update().get(pk=user.pk)
    if (refusal := _first_login_code_refusal(user=user, reason=reason)) is not None:
        raise refusal
    code = f"{secrets.randbelow(10**FIRST_LOGIN_CODE_DIGITS):0{FIRST_LOGIN_CODE_DIGITS}d}"
    FirstLoginCode.objects.filter(user=user).delete()
    now = timezone.now()
    FirstLoginCode.objects.create(
        user=user,
        code_hash=make_password(code),
        created_by=cadre,
        created_at=now,
        expires_at=now + FIRST_LOGIN_CODE_VALID_FOR,
    )
    FirstLoginCodeLog.objects.create(
        resident=user, issued_by=cadre, issued_by_name=cadre.full_name, issued_at=now, reason=reason
    )
    return code


def password_reset_code_issue(*, user: User, cadre: User) -> str:
    """A resident who forgot their password gets a new one-time code from a cadre of their
    ward (never for themselves, another cadre or staff); the old password works until the
    resident chooses a new one."""
    if (
        not permissions.can_register_residents(cadre)
        or not permissions.can_see_learner(cadre, user)
        or user.pk == cadre.pk
    ):
        raise PermissionDenied
    with transaction.atomic():
        code = first_login_code_issue(
            user=user, cadre=cadre, reason=FirstLoginCodeLog.Reason.FORGOTTEN_PASSWORD
        )
        # The resident hears of it the next time they log in, so a code they did not ask
        # for does not go unnoticed.
        log = FirstLoginCodeLog.objects.filter(resident=user).latest("issued_at", "pk")
        notice_send(
            user=user,
            key=f"login-code:{log.pk}",
            kind="login_code_issued",
            params={
                "cadre": log.issued_by_name,
                "date": f"{timezone.localdate(log.issued_at):%d/%m/%Y}",
            },
        )
    return code


def first_login_code_check(*, phone: str, code: str) -> User:
    """The resident whose live code this is; five wrong tries kill the code.

    An unknown number and a wrong code get the same message.
    """
    try:
        phone = normalize_phone(phone)
    except ValidationError as error:
        raise FirstLoginError(FIRST_LOGIN_WRONG_MESSAGE) from error
    code = "".join(ch for ch in str(code) if ch.isdigit())
    problem = None
    with transaction.atomic():
        record = (
            FirstLoginCode.objects.select_for_update()
            .select_related("user")
            .filter(user__phone=phone, user__is_active=True)
            .first()
        )
        if record is None:
            problem = FIRST_LOGIN_WRONG_MESSAGE
        elif record.failed_attempts >= FirstLoginCode.MAX_FAILED_ATTEMPTS:
            problem = FIRST_LOGIN_LOCKED_MESSAGE
        elif record.expires_at <= timezone.now():
            problem = FIRST_LOGIN_EXPIRED_MESSAGE
        elif len(code) != FIRST_LOGIN_CODE_DIGITS or not check_password(code, record.code_hash):
            record.failed_attempts += 1
            record.save(update_fields=["failed_attempts"])
            problem = (
                FIRST_LOGIN_LOCKED_MESSAGE
                if record.failed_attempts >= FirstLoginCode.MAX_FAILED_ATTEMPTS
                else FIRST_LOGIN_WRONG_MESSAGE
            )
    # Raised outside the transaction so the failed attempt just counted stays counted.
    if problem is not None:
        raise FirstLoginError(problem)
    return record.user


def first_login_user_pending(*, user_id: int, code_id: int) -> User | None:
    """The resident half-way through a first login, while the code they typed is still live."""
    record = (
        FirstLoginCode.objects.select_related("user")
        .filter(pk=code_id, user_id=user_id, user__is_active=True)
        .first()
    )
    return record.user if record is not None and record.usable else None


@transaction.atomic
def first_login_password_set(*, user: User, password: str) -> User:
    """Set the resident's own first password and spend the code, once."""
    record = FirstLoginCode.objects.select_for_update().filter(user=user).first()
    if record is None or not record.usable:
        raise FirstLoginError(
            _("Mã đăng nhập lần đầu không còn dùng được. Hãy nhờ cán bộ xã/phường in phiếu mới.")
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    record.delete()
    # A resident who had locked their number with wrong passwords can log in again.
    axes_reset(username=user.phone)
    return user
