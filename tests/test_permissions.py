"""accounts.permissions per role: the one module that scopes cadres to their wards."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError

from accounts.models import Role, User
from accounts.permissions import can_see_learner, can_see_ward, is_cadre, visible_wards


@pytest.fixture
def people(units, learner):
    ward_cadre = User.objects.create_user(
        phone="0901000001", password="x", full_name="Cán bộ Sài Gòn", role=Role.WARD_CADRE
    )
    ward_cadre.managed_wards.add(units["Phường Sài Gòn"])
    other_ward_cadre = User.objects.create_user(
        phone="0901000002", password="x", full_name="Cán bộ Tân Định", role=Role.WARD_CADRE
    )
    other_ward_cadre.managed_wards.add(units["Phường Tân Định"])
    province_cadre = User.objects.create_user(
        phone="0901000003",
        password="x",
        full_name="Cán bộ TP HCM",
        role=Role.PROVINCE_CADRE,
        managed_province=units["hcm"],
    )
    hanoi_cadre = User.objects.create_user(
        phone="0901000004",
        password="x",
        full_name="Cán bộ Hà Nội",
        role=Role.PROVINCE_CADRE,
        managed_province=units["hanoi"],
    )
    editor = User.objects.create_user(phone="0901000005", password="x", full_name="Biên tập viên")
    admin = User.objects.create_superuser(phone="0901000006", password="x", full_name="Quản trị")
    return {
        "learner": learner,
        "ward_cadre": ward_cadre,
        "other_ward_cadre": other_ward_cadre,
        "province_cadre": province_cadre,
        "hanoi_cadre": hanoi_cadre,
        "editor": editor,
        "admin": admin,
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("learner", set()),
        ("editor", set()),
        ("ward_cadre", {"Phường Sài Gòn"}),
        ("other_ward_cadre", {"Phường Tân Định"}),
        ("province_cadre", {"Phường Sài Gòn", "Phường Tân Định"}),
        ("hanoi_cadre", {"Phường Ba Đình", "Phường Ngọc Hà"}),
        ("admin", {"Phường Sài Gòn", "Phường Tân Định", "Phường Ba Đình", "Phường Ngọc Hà"}),
    ],
)
def test_visible_wards_per_role(people, who, expected):
    assert {w.name for w in visible_wards(people[who])} == expected


@pytest.mark.parametrize(
    ("who", "sees_the_learner"),
    [
        ("learner", True),  # themselves
        ("editor", False),
        ("ward_cadre", True),
        ("other_ward_cadre", False),
        ("province_cadre", True),
        ("hanoi_cadre", False),
        ("admin", True),
    ],
)
def test_who_may_see_a_learner_of_phuong_sai_gon(people, who, sees_the_learner):
    assert can_see_learner(people[who], people["learner"]) is sees_the_learner


def test_anonymous_and_inactive_users_see_nothing(people, units):
    assert not visible_wards(AnonymousUser()).exists()
    assert not can_see_learner(AnonymousUser(), people["learner"])
    people["ward_cadre"].is_active = False
    assert not can_see_ward(people["ward_cadre"], units["Phường Sài Gòn"])


def test_removing_a_cadres_scope_takes_effect_at_once(people, units):
    cadre = people["ward_cadre"]
    assert can_see_ward(cadre, units["Phường Sài Gòn"])
    cadre.managed_wards.clear()
    assert not can_see_ward(cadre, units["Phường Sài Gòn"])
    cadre.role = Role.LEARNER
    assert not is_cadre(cadre)


def test_only_province_cadres_may_hold_a_province(units):
    with pytest.raises(IntegrityError):
        User.objects.create_user(
            phone="0901000009", password="x", full_name="Sai vai trò", managed_province=units["hcm"]
        )
