"""The one place that decides which wards a user may see.

Every view, export and report that shows residents or ward figures asks this
module; nothing else in the code base knows the scoping rules.
"""

from django.db.models import QuerySet

from .models import Province, Role, User, Ward


def visible_wards(user: User) -> QuerySet[Ward]:
    """Wards whose residents and figures this user may see: admins all, cadres their scope."""
    if not user.is_authenticated or not user.is_active:
        return Ward.objects.none()
    if user.is_superuser:
        return Ward.objects.all()
    if user.role == Role.PROVINCE_CADRE and user.managed_province_id:
        return Ward.objects.filter(province_id=user.managed_province_id)
    if user.role == Role.WARD_CADRE:
        return Ward.objects.filter(ward_cadres=user)
    return Ward.objects.none()


def can_see_ward(user: User, ward: Ward) -> bool:
    """Whether this user may see the residents and figures of this ward."""
    return visible_wards(user).filter(pk=ward.pk).exists()


def is_cadre(user: User) -> bool:
    """Whether the user works on wards (a cadre of either level, or an admin)."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (Role.WARD_CADRE, Role.PROVINCE_CADRE))
    )


def can_see_learner(user: User, learner: User) -> bool:
    """Learners see themselves; cadres the residents of their wards; admins everyone."""
    if not user.is_authenticated:
        return False
    if user.pk == learner.pk or user.is_superuser:
        return True
    return learner.ward_id is not None and visible_wards(user).filter(pk=learner.ward_id).exists()


def wards_within_scope(user: User, ward_ids) -> bool:
    """Whether every one of these wards is one the user may see (and so may assign to)."""
    wanted = {int(pk) for pk in ward_ids}
    return bool(wanted) and visible_wards(user).filter(pk__in=wanted).count() == len(wanted)


def visible_provinces(user: User) -> QuerySet[Province]:
    """Provinces with at least one ward the user may see."""
    return Province.objects.filter(wards__in=visible_wards(user)).distinct()


def can_see_province_report(user: User, province: Province) -> bool:
    """Province-wide figures: admins and that province's cadres, not ward cadres."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (
        user.role == Role.PROVINCE_CADRE and user.managed_province_id == province.pk
    )


def can_register_residents(user: User) -> bool:
    """Cadres (and admins) may register a resident of a ward they see, in person."""
    return is_cadre(user) and user.is_active


def report_wards(user: User) -> QuerySet[Ward]:
    """Wards whose figures (counts, no names) the user may see in the admin reports.

    Editors get every ward's figures; names and numbers stay behind `visible_wards`.
    """
    if user.is_authenticated and user.is_active and user.has_perm("training.view_ward_reports"):
        return Ward.objects.all()
    return visible_wards(user)
