import json

import pytest
from django.urls import reverse

from accounts.models import Consent, Notice, User

PASSWORD = "hoc-vu-so-2026"


def signup_data(home_ward, **overrides):
    data = {
        "full_name": "Trần Văn Bình",
        "phone": "0987 654 321",
        "birth_year": "1958",
        "province": home_ward.province_id,
        "ward": home_ward.pk,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_sign_up_creates_account_with_consent_and_logs_in(
    client, units, django_capture_on_commit_callbacks
):
    ward = units["Phường Sài Gòn"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), signup_data(ward))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "learning:my_learning"
    )  # a learner lands on their learning
    user = User.objects.get()
    assert user.phone == "+84987654321"
    assert user.full_name == "Trần Văn Bình"
    assert user.ward == ward
    assert user.birth_year == 1958
    consent = Consent.objects.get(user=user)
    assert consent.text_version and consent.given_at and consent.recorded_by is None
    # the welcome task ran (eagerly here; tests/integration runs it on a real worker)
    assert Notice.objects.filter(user=user, key="welcome").exists()
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Trần Văn Bình" in page and "0987 654 321" in page


def test_sign_up_form_starts_with_consent_unticked(client, units):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert 'name="consent"' in page
    consent_input = (
        page.split('name="consent"')[0].rsplit("<input", 1)[1]
        + page.split('name="consent"')[1].split(">")[0]
    )
    assert "checked" not in consent_input


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "024 3823 4567"}, "phone", "Số điện thoại di động không hợp lệ"),
        ({"phone": "hello"}, "phone", "Số điện thoại di động không hợp lệ"),
        ({"consent": None}, "consent", "Bạn cần đánh dấu đồng ý"),
        ({"ward": "999999"}, "ward", "Không tìm thấy xã/phường này"),
        ({"ward": "abc"}, "ward", "Không tìm thấy xã/phường này"),
        ({"ward": None}, "ward", "Hãy chọn xã/phường nơi bạn ở"),
        ({"full_name": "A" * 10_000}, "full_name", "Họ và tên dài tối đa 150 ký tự"),
        ({"full_name": "   "}, "full_name", "Hãy nhập họ và tên"),
        ({"password2": "something-else"}, "password2", "Hai mật khẩu không giống nhau"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "Mật khẩu này"),
        ({"birth_year": "năm"}, "birth_year", "Năm sinh phải là một số"),
        ({"birth_year": "1800"}, "birth_year", "Năm sinh phải từ 1900"),
    ],
)
def test_bad_sign_up_input_gets_a_vietnamese_message_and_no_account(
    client, units, overrides, field, message
):
    response = client.post(
        reverse("accounts:signup"), signup_data(units["Phường Sài Gòn"], **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not User.objects.exists()
    assert not Consent.objects.exists()


def test_duplicate_phone_in_another_spelling_is_refused(client, units, learner):
    response = client.post(
        reverse("accounts:signup"), signup_data(units["Phường Sài Gòn"], phone="+84 912 345 678")
    )
    assert response.status_code == 400
    assert "Số điện thoại này đã được đăng ký" in response.content.decode()
    assert User.objects.count() == 1


def test_ward_picker_reloads_without_javascript(client, units):
    hcm = units["hcm"]
    response = client.post(
        reverse("accounts:signup"),
        {"action": "pick_province", "province": hcm.pk, "full_name": "Bình"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Phường Sài Gòn" in page and "Phường Tân Định" in page and "Phường Ba Đình" not in page
    assert "Hãy chọn xã/phường" not in page  # no errors while only choosing
    assert 'value="Bình"' in page  # what was typed is kept

    response = client.post(
        reverse("accounts:signup"), {"action": "search_ward", "ward_query": "ben nghe"}
    )
    page = response.content.decode()
    assert "Phường Sài Gòn, Thành phố Hồ Chí Minh — trước đây: Phường Bến Nghé" in " ".join(
        page.split()
    )


def test_ward_lookup_json(client, units):
    wards = client.get(reverse("accounts:ward_lookup"), {"province": units["hanoi"].pk}).json()[
        "wards"
    ]
    assert [w["name"] for w in wards] == ["Phường Ba Đình", "Phường Ngọc Hà"]
    found = client.get(reverse("accounts:ward_lookup"), {"q": "ben nghe"}).json()["wards"]
    assert found == [
        {
            "id": units["Phường Sài Gòn"].pk,
            "name": "Phường Sài Gòn",
            "province": "Thành phố Hồ Chí Minh",
            "former": "Phường Bến Nghé",
        }
    ]
    assert client.get(reverse("accounts:ward_lookup"), {"province": "x"}).status_code == 400


@pytest.mark.parametrize("typed", ["0912 345 678", "0912.345.678", "+84912345678", "84912345678"])
def test_log_in_with_any_usual_spelling_of_the_number(client, learner, typed):
    response = client.post(reverse("accounts:login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 200


def test_log_out_needs_a_post(client, learner):
    client.force_login(learner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 302


def test_wrong_password_twenty_times_locks_the_number_with_a_clear_message(client, learner):
    statuses = []
    for attempt in range(20):
        response = client.post(
            reverse("accounts:login"), {"username": "0912345678", "password": "wrong-password"}
        )
        statuses.append(response.status_code)
        if attempt == 0:
            assert "Số điện thoại hoặc mật khẩu không đúng" in response.content.decode()
    assert statuses[:4] == [200] * 4
    assert set(statuses[5:]) == {429}
    assert "Tạm khóa đăng nhập" in response.content.decode()
    # even the right password is refused while locked, in any spelling
    response = client.post(
        reverse("accounts:login"), {"username": "+84 912 345 678", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_failures_on_other_numbers_from_the_same_address_do_not_lock_this_one(client, learner):
    """Many people share one address (mobile CGNAT): the lock is per phone number;
    the address has its own, much higher limit (tests/test_ratelimit.py)."""
    for n in range(6):
        client.post(
            reverse("accounts:login"), {"username": f"09870001{n:02d}", "password": "guess"}
        )
    response = client.post(
        reverse("accounts:login"), {"username": "0912345678", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_profile_edit_keeps_nfc_and_validates_ward(client, learner, units):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:account"),
        {
            "full_name": "Nguye\u0302\u0303n Thị Hồng Nhung",
            "birth_year": "",
            "ward": units["Phường Ba Đình"].pk,
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.full_name == "Nguyễn Thị Hồng Nhung"
    assert learner.ward == units["Phường Ba Đình"]
    response = client.post(reverse("accounts:account"), {"full_name": "X", "ward": "424242"})
    assert response.status_code == 400
    learner.refresh_from_db()
    assert learner.full_name == "Nguyễn Thị Hồng Nhung"


def test_download_my_data(client, learner):
    client.force_login(learner)
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["phone"] == "+84912345678"
    assert data["full_name"] == "Nguyễn Thị Hồng Nhung"
    assert data["consents"][0]["text_version"]


def test_delete_account_needs_password_and_erases_everything(client, learner):
    client.force_login(learner)
    response = client.post(reverse("accounts:delete_account"), {"password": "wrong"})
    assert response.status_code == 400
    assert User.objects.filter(pk=learner.pk).exists()
    response = client.post(reverse("accounts:delete_account"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()
    assert not Consent.objects.exists() and not Notice.objects.exists()
    assert client.get(reverse("accounts:account")).status_code == 302


def test_password_change(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "mat-khau-moi-2027",
            "new_password2": "mat-khau-moi-2027",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("mat-khau-moi-2027")


def test_pages_are_vietnamese_by_default_and_english_on_request(client, units):
    # an English browser still gets Vietnamese unless the visitor switches
    page = client.get(reverse("accounts:signup"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="vi"' in page and "Đăng ký học" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/dang-ky/"})
    page = client.get(reverse("accounts:signup")).content.decode()
    assert 'lang="en"' in page and "Create account" in page


def test_csrf_is_enforced_on_sign_up(units):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:signup"), signup_data(units["Phường Sài Gòn"]))
    assert response.status_code == 403
    assert not User.objects.exists()


def test_huge_body_is_refused_without_a_500(client, units):
    response = client.post(
        reverse("accounts:signup"),
        data="x=" + "a" * (3 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
