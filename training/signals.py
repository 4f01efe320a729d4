"""Keep the cached ward counts (training.figures.counts) in step with what they count.

Any save or delete of an enrolment, a certificate (or a status change of certificates by
queryset update), or a resident's ward, birth year,
public-service flag, active flag, role or staff status, and any change of a user's
groups or permissions (an editor is not a resident), marks that ward's counts out of date.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from certificates.models import Certificate, certificate_status_changed
from courses.models import Enrollment

from .figures import ward_counts_changed

# The User fields the counts depend on; saves touching only others (last_login...) are ignored.
COUNTED_USER_FIELDS = {
    "ward",
    "ward_id",
    "birth_year",
    "works_in_public_service",
    "is_active",
    "role",
    "is_staff",
    "is_superuser",
}


def _ward_of(user_id: int) -> int | None:
    return User.objects.filter(pk=user_id).values_list("ward_id", flat=True).first()


@receiver([post_save, post_delete], sender=Enrollment)
@receiver([post_save, post_delete], sender=Certificate)
def progress_changed(sender, instance, **kwargs):
    ward_counts_changed(_ward_of(instance.user_id))


@receiver(certificate_status_changed, sender=Certificate)
def certificates_updated(sender, user_ids, **kwargs):
    """Status changes by queryset update (retry, requeue, bulk revoke) send no post_save."""
    wards = User.objects.filter(pk__in=user_ids).values_list("ward_id", flat=True)
    ward_counts_changed(*set(wards))


def _counted_fields_touched(update_fields) -> bool:
    return update_fields is None or bool(COUNTED_USER_FIELDS & set(update_fields))


@receiver(pre_save, sender=User)
def remember_previous_ward(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None or not _counted_fields_touched(update_fields):
        return
    instance._ward_before_save = _ward_of(instance.pk)


@receiver(post_save, sender=User)
def resident_changed(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or not _counted_fields_touched(update_fields):
        return
    ward_counts_changed(instance.ward_id, getattr(instance, "_ward_before_save", None))


@receiver(post_delete, sender=User)
def resident_deleted(sender, instance, **kwargs):
    ward_counts_changed(instance.ward_id)


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def access_changed(sender, instance, action, pk_set, **kwargs):
    """Joining or leaving the editors (say) moves a user out of or into the residents."""
    if not action.startswith("post_"):
        return
    if isinstance(instance, User):
        ward_counts_changed(instance.ward_id)
    elif pk_set:  # group.user_set.add(...): the users are in pk_set
        wards = User.objects.filter(pk__in=pk_set).values_list("ward_id", flat=True)
        ward_counts_changed(*set(wards))
