"""Names are text, not tricks: every form that asks a name cleans it the same way.

Bidirectional overrides and zero-width characters (Unicode category Cf) are removed, the
name is NFC-normalised with single spaces, and a "name" without a letter is refused.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Role, User
from accounts.text import normalize_name

from .test_accounts_pages import PASSWORD, signup_data
from .test_assisted_signup import register_data

RLO, LRI, PDI, ZWSP, ZWJ, BOM, SHY = (
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\xad",
)
# Looks like "Nguyễn Văn An" but hides format characters and uses decomposed marks.
TRICKY_NAME = f"{ZWSP}Nguye\u0302\u0303n {RLO}Văn{PDI}\t {LRI}A{ZWJ}n{BOM}{SHY}"
CLEAN_NAME = "Nguyễn Văn An"
NO_LETTER_NAMES = ["12345", f"{RLO}{ZWSP} -- !!", "☎☎☎"]
NO_LETTER_MESSAGE = "Họ và tên phải có chữ cái"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_normalize_name_strips_format_characters_and_keeps_vietnamese():
    assert normalize_name(TRICKY_NAME) == CLEAN_NAME
    assert normalize_name("Lê\u00a0\u00a0Thị  Hoà\n") == "Lê Thị Hoà"
    # "hoà" and "hòa" stay different names
    assert normalize_name("Hoà") != normalize_name("Hòa")


def test_sign_up_cleans_the_name(client, units):
    response = client.post(
        reverse("accounts:signup"), signup_data(units["Phường Sài Gòn"], full_name=TRICKY_NAME)
    )
    assert response.status_code == 302
    user = User.objects.get(phone="+84987654321")
    assert user.full_name == CLEAN_NAME
    assert user.name_folded == "nguyen van an"


@pytest.mark.parametrize("name", NO_LETTER_NAMES)
def test_sign_up_refuses_a_name_without_letters(client, units, name):
    response = client.post(
        reverse("accounts:signup"), signup_data(units["Phường Sài Gòn"], full_name=name)
    )
    assert response.status_code in (200, 400)
    assert NO_LETTER_MESSAGE in response.content.decode()
    assert not User.objects.filter(phone="+84987654321").exists()


def test_account_page_cleans_the_name_and_refuses_one_without_letters(client, learner, units):
    client.force_login(learner)
    ward = units["Phường Ba Đình"].pk
    response = client.post(reverse("accounts:account"), {"full_name": TRICKY_NAME, "ward": ward})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.full_name == CLEAN_NAME
    response = client.post(reverse("accounts:account"), {"full_name": f"{RLO}007", "ward": ward})
    assert NO_LETTER_MESSAGE in response.content.decode()
    learner.refresh_from_db()
    assert learner.full_name == CLEAN_NAME


@pytest.fixture
def ward_cadre(units):
    user = User.objects.create_user(
        phone="0901234567", password=PASSWORD, full_name="Lê Văn Cán", role=Role.WARD_CADRE
    )
    user.managed_wards.add(units["Phường Sài Gòn"])
    return user


def test_assisted_sign_up_cleans_the_name_and_refuses_one_without_letters(
    client, ward_cadre, units
):
    client.force_login(ward_cadre)
    url = reverse("training:resident_register")
    ward = units["Phường Sài Gòn"]
    refused = client.post(url, register_data(ward, full_name=f"{ZWSP}{ZWSP} 1 2 3"))
    assert NO_LETTER_MESSAGE in refused.content.decode()
    assert not User.objects.filter(phone="+84987654321").exists()
    slip = client.post(url, register_data(ward, full_name=TRICKY_NAME))
    assert slip.status_code == 200
    assert User.objects.get(phone="+84987654321").full_name == CLEAN_NAME
    assert CLEAN_NAME in slip.content.decode() and RLO not in slip.content.decode()


def _admin_user_data(**overrides):
    data = {
        "phone": "0903 111 222",
        "full_name": TRICKY_NAME,
        "email": "",
        "role": Role.LEARNER,
        "password1": "mat-khau-can-bo-2026",
        "password2": "mat-khau-can-bo-2026",
    }
    data.update(overrides)
    return data


def test_wagtail_user_admin_cleans_names_on_add_and_edit(client, units):
    admin = User.objects.create_superuser(phone="0900000001", password="x", full_name="Quản trị")
    client.force_login(admin)
    refused = client.post(reverse("wagtailusers_users:add"), _admin_user_data(full_name="...."))
    assert refused.status_code == 200
    assert "full_name" in refused.context["form"].errors
    assert not User.objects.filter(phone="+84903111222").exists()

    added = client.post(reverse("wagtailusers_users:add"), _admin_user_data())
    assert added.status_code == 302, added.context["form"].errors
    user = User.objects.get(phone="+84903111222")
    assert user.full_name == CLEAN_NAME

    edit_url = reverse("wagtailusers_users:edit", args=[user.pk])
    edit = {"phone": "0903 111 222", "full_name": f"{RLO}Trần{ZWSP} Thị  Bé", "role": "learner"}
    edit |= {"is_active": "on", "email": ""}
    response = client.post(edit_url, edit)
    assert response.status_code == 302, response.context["form"].errors
    user.refresh_from_db()
    assert user.full_name == "Trần Thị Bé"
    response = client.post(edit_url, edit | {"full_name": f"{ZWJ}42"})
    assert "full_name" in response.context["form"].errors
    user.refresh_from_db()
    assert user.full_name == "Trần Thị Bé"
