"""A cadre registers a resident in person; the resident logs in first with the slip's code."""

import datetime
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Consent, FirstLoginCode, User

PASSWORD = "hoc-vu-so-2026"
NEW_PASSWORD = "vuon-rau-nha-em-77"
WRONG_CODE_MESSAGE = "Số điện thoại hoặc mã không đúng"
LOCKED_MESSAGE = "Mã này đã bị khóa vì nhập sai quá nhiều lần"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cadre(units):
    user = User.objects.create_user(
        phone="0901234567", password=PASSWORD, full_name="Lê Văn Cán", role="ward_cadre"
    )
    user.managed_wards.add(units["Phường Sài Gòn"])
    return user


@pytest.fixture
def other_cadre(units):
    user = User.objects.create_user(
        phone="0901234568", password=PASSWORD, full_name="Phạm Thị Khác", role="ward_cadre"
    )
    user.managed_wards.add(units["Phường Ba Đình"])
    return user


@pytest.fixture
def resident_with_code(cadre, units):
    return services.user_register_assisted(
        cadre=cadre,
        phone="0987654321",
        full_name="Trần Văn Bình",
        ward=units["Phường Sài Gòn"],
        birth_year=1950,
    )


def register_data(ward, **overrides):
    data = {
        "full_name": "Trần Văn Bình",
        "phone": "0987 654 321",
        "birth_year": "1950",
        "ward": ward.pk,
        "works_in_public_service": "on",
        "consent_in_person": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def slip_code(page: str) -> str:
    match = re.search(r'class="slip-code">\s*(\d{8})\s*<', page)
    assert match, "no 8-digit code on the slip"
    return match.group(1)


def first_login(client, phone, code):
    return client.post(reverse("accounts:first_login"), {"phone": phone, "code": code})


# --- The cadre's side ----------------------------------------------------------


def test_ward_cadre_registers_a_resident_and_gets_the_slip(client, cadre, units):
    ward = units["Phường Sài Gòn"]
    client.force_login(cadre)
    form_page = client.get(reverse("training:resident_register")).content.decode()
    # the cadre's only ward is chosen already, and only wards in scope are offered
    assert re.search(rf'<option value="{ward.pk}" selected>', form_page)
    assert "Phường Ba Đình" not in form_page

    response = client.post(reverse("training:resident_register"), register_data(ward))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    resident = User.objects.get(phone="+84987654321")
    assert resident.full_name == "Trần Văn Bình"
    assert resident.ward == ward and resident.birth_year == 1950
    assert resident.works_in_public_service is True
    assert not resident.has_usable_password()
    consent = Consent.objects.get(user=resident)
    assert consent.recorded_by == cadre
    assert consent.recorded_by_name == "Lê Văn Cán"

    page = response.content.decode()
    code = slip_code(page)
    assert "Trần Văn Bình" in page and "0987 654 321" in page and "Lê Văn Cán" in page
    assert "http://testserver" + reverse("accounts:first_login") in page
    stored = FirstLoginCode.objects.get(user=resident)
    assert code not in stored.code_hash and check_password(code, stored.code_hash)
    expiry = timezone.localtime(stored.expires_at)
    assert expiry.strftime("%d/%m/%Y") in page
    assert (
        datetime.timedelta(days=13)
        < stored.expires_at - timezone.now()
        <= datetime.timedelta(days=14)
    )
    assert "In phiếu" in page and "Đăng nhập lần đầu" in page and "Việc học của tôi" in page


def test_a_ward_outside_the_cadres_scope_is_a_form_error(client, cadre, units):
    client.force_login(cadre)
    response = client.post(
        reverse("training:resident_register"), register_data(units["Phường Ba Đình"])
    )
    assert response.status_code == 200
    assert "không thuộc phạm vi bạn phụ trách" in response.content.decode()
    assert not User.objects.filter(phone="+84987654321").exists()


def test_province_cadre_registers_in_any_ward_of_their_province(client, units):
    province_cadre = User.objects.create_user(
        phone="0901234569",
        password=PASSWORD,
        full_name="Võ Văn Tỉnh",
        role="province_cadre",
        managed_province=units["hcm"],
    )
    client.force_login(province_cadre)
    ok = client.post(reverse("training:resident_register"), register_data(units["Phường Tân Định"]))
    assert ok.status_code == 200 and slip_code(ok.content.decode())
    refused = client.post(
        reverse("training:resident_register"),
        register_data(units["Phường Ngọc Hà"], phone="0987654322"),
    )
    assert "không thuộc phạm vi bạn phụ trách" in refused.content.decode()
    assert not User.objects.filter(phone="+84987654322").exists()


def test_registering_a_taken_phone_number_says_so(client, cadre, learner, units):
    client.force_login(cadre)
    response = client.post(
        reverse("training:resident_register"),
        register_data(units["Phường Sài Gòn"], phone="0912 345 678", full_name="Người Khác"),
    )
    page = response.content.decode()
    assert "Số điện thoại này đã có tài khoản" in page
    # the learner set their own password: no new slip for that number
    assert "In phiếu mới cho người này" not in page
    assert not User.objects.filter(full_name="Người Khác").exists()


def test_the_residents_consent_in_person_is_required(client, cadre, units):
    client.force_login(cadre)
    response = client.post(
        reverse("training:resident_register"),
        register_data(units["Phường Sài Gòn"], consent_in_person=None),
    )
    assert "Cần đọc thông báo cho người dân" in response.content.decode()
    assert not User.objects.filter(phone="+84987654321").exists()


def test_learners_cannot_open_the_cadre_pages(client, learner, resident_with_code):
    resident, _code = resident_with_code
    client.force_login(learner)
    assert client.get(reverse("training:resident_register")).status_code == 404
    slip = client.post(reverse("training:resident_slip", args=[resident.pk]))
    assert slip.status_code == 404


def test_a_cadre_of_another_ward_gets_404_for_the_slip(client, other_cadre, resident_with_code):
    resident, code = resident_with_code
    client.force_login(other_cadre)
    response = client.post(reverse("training:resident_slip", args=[resident.pk]))
    assert response.status_code == 404
    # the resident's code still works: nothing was issued
    assert first_login(client, "0987654321", code).status_code == 302


def test_a_new_slip_replaces_the_old_code(client, cadre, resident_with_code):
    resident, old_code = resident_with_code
    client.force_login(cadre)
    response = client.post(reverse("training:resident_slip", args=[resident.pk]))
    assert response.status_code == 200
    new_code = slip_code(response.content.decode())
    assert FirstLoginCode.objects.filter(user=resident).count() == 1
    client.logout()
    if new_code != old_code:
        assert WRONG_CODE_MESSAGE in first_login(client, "0987654321", old_code).content.decode()
    assert first_login(client, "0987654321", new_code).status_code == 302


def test_no_slip_for_a_resident_who_has_set_a_password_or_for_a_cadre(
    client, cadre, learner, units
):
    client.force_login(cadre)
    response = client.post(reverse("training:resident_slip", args=[learner.pk]))
    assert response.status_code == 409
    assert "đã tự đặt mật khẩu" in response.content.decode()
    assert not FirstLoginCode.objects.filter(user=learner).exists()

    colleague = User.objects.create_user(
        phone="0901234570", full_name="Cán Bộ Khác", role="ward_cadre", ward=units["Phường Sài Gòn"]
    )
    response = client.post(reverse("training:resident_slip", args=[colleague.pk]))
    assert response.status_code == 404
    assert not FirstLoginCode.objects.exists()


# --- The resident's side -------------------------------------------------------


def test_first_login_sets_a_password_and_lands_on_my_learning(client, resident_with_code):
    resident, code = resident_with_code
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:first_login") in login_page

    response = first_login(client, "0987 654 321", code)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:first_login_password")
    assert "_auth_user_id" not in client.session  # not logged in before choosing a password

    response = client.post(
        reverse("accounts:first_login_password"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("learning:my_learning")
    assert int(client.session["_auth_user_id"]) == resident.pk
    assert "Bạn đã đặt mật khẩu" in response.content.decode()
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)
    assert not FirstLoginCode.objects.filter(user=resident).exists()

    # the code is spent: used again (on another phone) it is refused
    client.logout()
    again = first_login(client, "0987654321", code)
    assert again.status_code == 400
    assert WRONG_CODE_MESSAGE in again.content.decode()
    # and the normal log-in works with the new password
    response = client.post(
        reverse("accounts:login"), {"username": "0987654321", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == resident.pk


def test_mismatched_passwords_are_refused_in_vietnamese(client, resident_with_code):
    resident, code = resident_with_code
    first_login(client, "0987654321", code)
    response = client.post(
        reverse("accounts:first_login_password"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 400
    assert "Hai mật khẩu không giống nhau" in response.content.decode()
    resident.refresh_from_db()
    assert not resident.has_usable_password()


def test_five_wrong_codes_kill_the_code(client, resident_with_code):
    resident, code = resident_with_code
    wrong = "00000000" if code != "00000000" else "11111111"
    for _ in range(FirstLoginCode.MAX_FAILED_ATTEMPTS - 1):
        assert WRONG_CODE_MESSAGE in first_login(client, "0987654321", wrong).content.decode()
    assert LOCKED_MESSAGE in first_login(client, "0987654321", wrong).content.decode()
    # now even the right code is refused: the cadre must print a new slip
    response = first_login(client, "0987654321", code)
    assert response.status_code == 400
    assert LOCKED_MESSAGE in response.content.decode()
    assert "first_login_user" not in client.session


def test_unknown_number_and_wrong_code_get_the_same_message(client, resident_with_code):
    _resident, code = resident_with_code
    unknown = first_login(client, "0977777777", code).content.decode()
    wrong = first_login(client, "0987654321", "12345678" if code != "12345678" else "87654321")
    assert WRONG_CODE_MESSAGE in unknown and WRONG_CODE_MESSAGE in wrong.content.decode()


def test_an_expired_code_is_refused(client, resident_with_code):
    resident, code = resident_with_code
    FirstLoginCode.objects.filter(user=resident).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = first_login(client, "0987654321", code)
    assert response.status_code == 400
    assert "Mã này đã hết hạn" in response.content.decode()


def test_five_wrong_codes_lock_that_code_not_the_neighbours_on_the_same_address(
    client, cadre, resident_with_code, units
):
    """Mobile networks put many people behind one address: one code being attacked
    (or mistyped) must not block another resident's code."""
    _resident, code = resident_with_code
    _other, other_code = services.user_register_assisted(
        cadre=cadre,
        phone="0987654322",
        full_name="Lê Thị Bên Cạnh",
        ward=units["Phường Sài Gòn"],
        birth_year=1955,
    )
    wrong = "12345678" if code != "12345678" else "87654321"
    # 25 wrong codes from this address: five on each of five numbers, the first ours
    for phone in ("0987654321", "0977777771", "0977777772", "0977777773", "0977777774"):
        for _ in range(FirstLoginCode.MAX_FAILED_ATTEMPTS):
            assert first_login(client, phone, wrong).status_code == 400
    assert LOCKED_MESSAGE in first_login(client, "0987654321", code).content.decode()
    response = first_login(client, "0987654322", other_code)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:first_login_password")


def test_very_many_wrong_codes_from_one_address_get_429(client, resident_with_code):
    from accounts import ratelimit

    _resident, code = resident_with_code
    limit = ratelimit.FIRST_LOGIN_FAILURES_PER_ADDRESS.max_hits
    assert limit == 50  # the number the README states
    for n in range(limit):
        assert first_login(client, f"09777{n:05d}", "12345678").status_code == 400
    response = first_login(client, "0987654321", code)
    assert response.status_code == 429
    assert "quá nhiều lần nhập sai mã" in response.content.decode()


def test_the_password_step_needs_the_code_first(client, resident_with_code):
    response = client.get(reverse("accounts:first_login_password"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:first_login")
