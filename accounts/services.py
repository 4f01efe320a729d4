"""Writes about accounts: registering, consenting, editing, deleting; loading the unit list."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from vietnam_provinces import Province as SourceProvince
from vietnam_provinces import Ward as SourceWard

from .models import Consent, Notice, Province, User, Ward
from .text import fold, normalize_text


@transaction.atomic
def user_register(
    *,
    phone: str,
    full_name: str,
    password: str | None,
    ward: Ward,
    birth_year: int | None = None,
    consent_recorded_by: User | None = None,
) -> User:
    """Create a learner and their consent record together: no consent, no account."""
    user = User.objects.create_user(
        phone=phone,
        password=password,
        full_name=normalize_text(full_name),
        ward=ward,
        birth_year=birth_year,
    )
    Consent.objects.create(
        user=user,
        text_version=settings.CONSENT_TEXT_VERSION,
        recorded_by=consent_recorded_by,
    )
    from .tasks import send_welcome_notice  # tasks import services; import here to avoid a cycle

    send_welcome_notice.delay_on_commit(user.pk)
    return user


def user_update_profile(*, user: User, full_name: str, ward: Ward, birth_year: int | None) -> User:
    """Change what a learner may change about themselves."""
    user.full_name = normalize_text(full_name)
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
    notice, _created = Notice.objects.get_or_create(
        user=user,
        key="welcome",
        defaults={"kind": "welcome", "params": {"name": user.get_short_name()}},
    )
    return notice


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
