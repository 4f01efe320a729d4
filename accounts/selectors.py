"""Reads about accounts and administrative units."""

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse

from .collation import sort_key, vietnamese
from .models import Notice, Province, Role, User, Ward
from .permissions import is_cadre
from .text import fold

WARD_SEARCH_LIMIT = 20
# Words that only name the kind of unit; "phường Sài Gòn" should find "Sài Gòn".
UNIT_TYPE_WORDS = {"xa", "phuong", "dac", "khu"}


def _search_words(query: str) -> list[str]:
    return [word for word in fold(query).split() if word not in UNIT_TYPE_WORDS]


def _admin_user_ids() -> QuerySet:
    """Users who can open the Wagtail admin (editors, moderators...), by group or by themselves."""
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    return User.objects.filter(
        Q(groups__permissions__in=access) | Q(user_permissions__in=access)
    ).values("pk")


def resident_condition(*, through: str = "") -> Q:
    """A resident is an active learner with no staff access: never a cadre, editor or admin.

    `through` is the path to the user from the model filtered, e.g. "user__" for enrolments.
    This is the ONE definition of who counts in a ward's lists, figures and reminders.
    """
    return Q(
        **{
            f"{through}is_active": True,
            f"{through}role": Role.LEARNER,
            f"{through}is_staff": False,
            f"{through}is_superuser": False,
        }
    ) & ~Q(**{f"{through}pk__in": _admin_user_ids()})


def residents_of(*, wards: QuerySet[Ward] | list[Ward]) -> QuerySet[User]:
    """The residents (see `resident_condition`) who live in these wards."""
    return User.objects.filter(resident_condition(), ward__in=wards)


def province_list() -> QuerySet[Province]:
    """All provinces in Vietnamese alphabetical order."""
    return Province.objects.order_by(vietnamese("name"))


def ward_list_for_province(*, province_id: int) -> QuerySet[Ward]:
    """The wards of one province in Vietnamese alphabetical order."""
    wards = Ward.objects.filter(province_id=province_id).select_related("province")
    return wards.order_by(vietnamese("name"))


def ward_search(
    *, query: str, province_id: int | None = None, limit: int = WARD_SEARCH_LIMIT
) -> list[Ward]:
    """Wards whose current or pre-2025 name, or province, holds every word typed, diacritics folded.

    Words that only name the unit type ("phường", "xã") are ignored, so "phuong sai gon"
    and "Bến Nghé" both find Phường Sài Gòn. The chosen province's wards come first
    (someone in TP Hồ Chí Minh typing "Bến Nghé" means theirs, not one in Nghệ An),
    then current-name matches.
    """
    words = _search_words(query)
    if not words or len(query) > 100:
        return []
    wards = Ward.objects.select_related("province")
    for word in words[:6]:
        wards = wards.filter(search_text__contains=word)
    if province_id is None:
        matches = list(wards.order_by(vietnamese("name"))[: limit * 3])
    else:  # the chosen province's matches are never crowded out by other provinces'
        own = wards.filter(province_id=province_id).order_by(vietnamese("name"))[: limit * 3]
        others = wards.exclude(province_id=province_id).order_by(vietnamese("name"))[: limit * 3]
        matches = [*own, *others]

    def chosen_province_then_current_name(ward: Ward) -> tuple[bool, bool, bytes]:
        current = fold(f"{ward.name} {ward.province.name}")
        return (
            province_id is not None and ward.province_id != province_id,
            not all(word in current for word in words),
            sort_key(ward.name),
        )

    return sorted(matches, key=chosen_province_then_current_name)[:limit]


def ward_former_name_matching(*, ward: Ward, query: str) -> str:
    """The pre-2025 name of this ward that the query matched, or "" if it matched the current one."""
    words = _search_words(query)
    current = fold(f"{ward.name} {ward.province.name}")
    if all(word in current for word in words):
        return ""
    for former in ward.former_names.split(";"):
        if all(word in fold(former) for word in words if word not in current):
            return former.strip()
    return ""


def user_data_export(*, user: User) -> dict:
    """Everything the site holds about a user, as the user may download it (Law 91/2025)."""
    return {
        "phone": user.phone,
        "full_name": user.full_name,
        "email": user.email,
        "birth_year": user.birth_year,
        "ward": str(user.ward) if user.ward_id else None,
        "role": user.role,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "consents": [
            {
                "purpose": consent.purpose,
                "text_version": consent.text_version,
                "given_at": consent.given_at.isoformat(),
                "recorded_by_cadre": consent.recorded_by_id is not None,
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            }
            for consent in user.consents.order_by("given_at")
        ],
        "notices": [
            {"message": notice.message, "created_at": notice.created_at.isoformat()}
            for notice in user.notices.order_by("created_at")
        ],
        "login_codes_issued": [
            {
                "issued_at": log.issued_at.isoformat(),
                "issued_by": log.issued_by_name,
                "reason": log.reason,
            }
            for log in user.first_login_code_logs.order_by("issued_at")
        ],
    }


def notices_unread(*, user: User) -> list[Notice]:
    """The user's unread in-site notices, newest first (at most ten)."""
    return list(user.notices.filter(read_at__isnull=True)[:10])


def user_home_url(*, user: User) -> str:
    """Where a user lands after logging in or signing up: cadres on their dashboard, learners on "my learning"."""
    return reverse("training:dashboard" if is_cadre(user) else "learning:my_learning")
