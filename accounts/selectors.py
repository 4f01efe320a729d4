"""Reads about accounts and administrative units."""

from django.db.models import QuerySet

from .collation import sort_key, vietnamese
from .models import Notice, Province, User, Ward
from .text import fold

WARD_SEARCH_LIMIT = 20
# Words that only name the kind of unit; "phường Sài Gòn" should find "Sài Gòn".
UNIT_TYPE_WORDS = {"xa", "phuong", "dac", "khu"}


def _search_words(query: str) -> list[str]:
    return [word for word in fold(query).split() if word not in UNIT_TYPE_WORDS]


def province_list() -> QuerySet[Province]:
    """All provinces in Vietnamese alphabetical order."""
    return Province.objects.order_by(vietnamese("name"))


def ward_list_for_province(*, province_id: int) -> QuerySet[Ward]:
    """The wards of one province in Vietnamese alphabetical order."""
    wards = Ward.objects.filter(province_id=province_id).select_related("province")
    return wards.order_by(vietnamese("name"))


def ward_search(*, query: str, limit: int = WARD_SEARCH_LIMIT) -> list[Ward]:
    """Wards whose current or pre-2025 name, or province, holds every word typed, diacritics folded.

    Words that only name the unit type ("phường", "xã") are ignored, so "phuong sai gon"
    and "Bến Nghé" both find Phường Sài Gòn. Current-name matches come first.
    """
    words = _search_words(query)
    if not words or len(query) > 100:
        return []
    wards = Ward.objects.select_related("province")
    for word in words[:6]:
        wards = wards.filter(search_text__contains=word)
    matches = list(wards.order_by(vietnamese("name"))[: limit * 3])

    def current_name_first(ward: Ward) -> tuple[bool, bytes]:
        current = fold(f"{ward.name} {ward.province.name}")
        return (not all(word in current for word in words), sort_key(ward.name))

    return sorted(matches, key=current_name_first)[:limit]


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
