# ruff: noqa: S608 - SQL is built only from model metadata (quoted names) and querysets.
"""Which users a run created, and removing them again (--replace).

Synthetic people are recognisable: residents have phone numbers +8470xxxxxxx AND the
shared unusable password RESIDENT_PASSWORD; the two cadres have fixed numbers and names.
"""

import math

from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import CASCADE, SET_NULL, Q

from accounts.models import Consent, User
from certificates.models import Certificate, CertificateCounter
from courses.models import Enrollment, StepProgress
from training.models import Assignment

SYNTHETIC_PREFIX = "+8470"
# Starts with "!": Django treats it as an unusable password, so synthetic
# residents cannot log in; together with the phone range it marks them.
RESIDENT_PASSWORD = "!generate_province-synthetic-resident"
WARD_CADRE_PHONE = "+84709999998"
WARD_CADRE_NAME = "Trần Thị Thu Hà"
PROVINCE_CADRE_PHONE = "+84709999999"
PROVINCE_CADRE_NAME = "Lê Quốc Bảo"
# Resident numbers are +8470 followed by 7 digits below the cadres' numbers.
PHONE_SPACE = 9_999_998


def synthetic_users():
    """The users a previous run created: residents by phone range and mark, and the cadres."""
    return User.objects.filter(phone__startswith=SYNTHETIC_PREFIX).filter(
        Q(password=RESIDENT_PASSWORD)
        | Q(phone=WARD_CADRE_PHONE, full_name=WARD_CADRE_NAME)
        | Q(phone=PROVINCE_CADRE_PHONE, full_name=PROVINCE_CADRE_NAME)
    )


def delete_previous() -> int:
    """Remove the synthetic users of an earlier run and everything that points at them.

    Django's delete would load every user and every row pointing at them, one signal
    each: about a minute at 30,000 residents, ten at 300,000. So the bulk the generator
    wrote itself (step progress, certificates, enrolments, consents: over 90% of the
    rows) and then the users go with one DELETE a table, found by the users' marker. In
    between, the few rows other code may have attached to a synthetic user (notices,
    phone reveals, the cadres' assignments and exports...) go through Django's delete,
    relation by relation, which follows their own on_delete further. Returns the number
    of users removed.
    """
    users = synthetic_users()
    blocks = _certificate_blocks(users)
    count = users.count()
    _delete_rows(StepProgress.objects.filter(enrollment__user__in=users))
    _delete_rows(Certificate.objects.filter(user__in=users))
    _delete_rows(Enrollment.objects.filter(user__in=users))
    _delete_rows(Consent.objects.filter(user__in=users))
    Assignment.objects.filter(created_by__in=users).delete()
    _detach_from(users)
    skipping = _skip_foreign_key_checks()
    deleted = _delete_rows(users)
    if skipping:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
    if deleted != count:  # rolls the whole transaction back
        raise CommandError(f"Meant to delete {count} users, would delete {deleted}.")
    _give_back_certificate_numbers(blocks)
    return count


def _detach_from(users) -> None:
    """Delete (or unlink, for SET_NULL relations) every row that points at these users,
    and their group, permission and ward links. A relation of another kind (PROTECT) is
    left for the database to refuse, rolling the run back."""
    for relation in User._meta.related_objects:
        field = relation.field
        rows = relation.related_model._base_manager.filter(**{f"{field.name}__in": users})
        on_delete = field.remote_field.on_delete
        if on_delete is CASCADE:
            rows.delete()
        elif on_delete is SET_NULL:
            rows.update(**{field.name: None})
    for field in User._meta.many_to_many:
        through = field.remote_field.through
        through._base_manager.filter(**{f"{field.m2m_field_name()}__in": users}).delete()


def _delete_rows(queryset) -> int:
    """DELETE a queryset's rows in one statement, without loading them or sending signals.

    Only for rows nothing else points at (or whose dependents went first): the database
    still checks its foreign keys, so a row left pointing at one rolls the run back.
    """
    qn = connection.ops.quote_name
    opts = queryset.model._meta
    select, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {qn(opts.db_table)} WHERE {qn(opts.pk.column)} IN ({select})", params
        )
        return cursor.rowcount


def _skip_foreign_key_checks() -> bool:
    """On PostgreSQL, skip the per-row foreign-key triggers for the rest of the transaction,
    if this role may (superuser). Only while deleting users nothing points at any more
    (`_detach_from`): the database checking it again, 300,000 users x 40 referencing
    tables one by one at commit, takes minutes.
    """
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _certificate_blocks(users) -> dict[int, tuple[int, int]]:
    """Per year, the lowest and highest serial of these users' certificates."""
    blocks = {}
    numbers = Certificate.objects.filter(user__in=users).values_list("number", flat=True)
    for number in numbers.iterator():
        _, year, serial = number.split("-")
        low, high = blocks.get(int(year), (math.inf, 0))
        blocks[int(year)] = (min(low, int(serial)), max(high, int(serial)))
    return blocks


def _give_back_certificate_numbers(blocks: dict[int, tuple[int, int]]) -> None:
    """A year's counter goes back before the deleted block if nothing was issued after it."""
    for year, (low, high) in blocks.items():
        CertificateCounter.objects.filter(year=year, last=high).update(last=low - 1)
