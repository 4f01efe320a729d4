"""A resident who forgot their password gets back in: a cadre of their ward gives them a
new one-time code on the printed slip (logged), and they choose a new password at
/dang-nhap/lan-dau/."""

import json
import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import FirstLoginCode, FirstLoginCodeLog, User

from .training_helpers import make_cadre

OLD_PASSWORD = "hoc-vu-so-2026"
NEW_PASSWORD = "vuon-rau-nha-em-77"
PHONE = "0987654321"


@pytest.fixture
def resident(units):
    return services.user_register(
        phone=PHONE,
        full_name="Trần Văn Quên",
        password=OLD_PASSWORD,
        ward=units["Phường Sài Gòn"],
        birth_year=1950,
    )


@pytest.fixture
def cadre(units):
    return make_cadre("0913000101", wards=[units["Phường Sài Gòn"]], name="Cán bộ Sài Gòn")


def new_code_url(user) -> str:
    return reverse("training:resident_new_code", args=[user.pk])


def issue_code(client, user) -> str:
    response = client.post(new_code_url(user), {"confirm": "yes"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = re.search(r'class="slip-code">\s*(\d{8})\s*<', response.content.decode())
    assert match, "no 8-digit code on the slip"
    return match.group(1)


def log_in(client, phone, password):
    return client.post(reverse("accounts:login"), {"username": phone, "password": password})


def test_from_the_ward_page_with_a_confirmation_to_a_new_password(client, cadre, resident, units):
    client.force_login(cadre)
    ward_page = client.get(reverse("training:ward", args=[units["Phường Sài Gòn"].pk]))
    assert f'action="{new_code_url(resident)}"' in ward_page.content.decode()

    # the row's button asks first: nothing is issued yet
    confirm = client.post(new_code_url(resident))
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Trần Văn Quên" in page and 'name="confirm" value="yes"' in page
    assert not FirstLoginCode.objects.filter(user=resident).exists()

    code = issue_code(client, resident)
    log = FirstLoginCodeLog.objects.get(resident=resident)
    assert (log.issued_by, log.issued_by_name, log.reason) == (
        cadre,
        "Cán bộ Sài Gòn",
        FirstLoginCodeLog.Reason.FORGOTTEN_PASSWORD,
    )
    client.logout()

    # until they choose a new one, the old password still works
    assert log_in(client, PHONE, OLD_PASSWORD).status_code == 302
    client.logout()

    step = client.post(reverse("accounts:first_login"), {"phone": PHONE, "code": code})
    assert step["Location"] == reverse("accounts:first_login_password")
    done = client.post(
        reverse("accounts:first_login_password"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("learning:my_learning")
    client.logout()
    assert log_in(client, PHONE, OLD_PASSWORD).status_code == 200
    assert log_in(client, PHONE, NEW_PASSWORD).status_code == 302


def test_a_resident_who_locked_their_number_gets_in_with_the_new_password(client, cadre, resident):
    for _ in range(5):
        log_in(client, PHONE, "khong-nho-nua")
    assert log_in(client, PHONE, OLD_PASSWORD).status_code == 429
    client.force_login(cadre)
    code = issue_code(client, resident)
    client.logout()
    client.post(reverse("accounts:first_login"), {"phone": PHONE, "code": code})
    client.post(
        reverse("accounts:first_login_password"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    client.logout()
    assert log_in(client, PHONE, NEW_PASSWORD).status_code == 302


def test_a_province_cadre_of_the_residents_province_may_issue(client, resident, units):
    client.force_login(make_cadre("0913000103", province=units["hcm"], name="Cán bộ HCM"))
    issue_code(client, resident)
    assert FirstLoginCodeLog.objects.get(resident=resident).issued_by_name == "Cán bộ HCM"


def test_outside_the_scope_it_is_a_404_and_nothing_is_issued(client, cadre, resident, units):
    other_ward_cadre = make_cadre("0913000102", wards=[units["Phường Ba Đình"]], name="Khác")
    colleague = make_cadre("0913000104", wards=[units["Phường Sài Gòn"]], name="Đồng nghiệp")
    colleague.ward = units["Phường Sài Gòn"]
    colleague.save()
    neighbour = services.user_register(
        phone="0987654329",
        full_name="Hàng Xóm",
        password=OLD_PASSWORD,
        ward=units["Phường Sài Gòn"],
        birth_year=1960,
    )
    for user, target in [
        (other_ward_cadre, resident),  # a cadre of another ward
        (neighbour, resident),  # a learner of the same ward
        (cadre, colleague),  # another cadre living in the ward
        (cadre, cadre),  # themselves
    ]:
        client.force_login(user)
        for data in ({}, {"confirm": "yes"}):
            assert client.post(new_code_url(target), data).status_code == 404, (user, target)
        assert client.get(new_code_url(target)).status_code == 404
    assert client.post(reverse("training:resident_new_code", args=[999999])).status_code == 404
    client.logout()
    anonymous = client.post(new_code_url(resident), {"confirm": "yes"})
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert not FirstLoginCode.objects.exists()
    assert not FirstLoginCodeLog.objects.exists()


def test_every_code_issued_is_logged_and_the_resident_can_see_it(client, cadre, units):
    resident, _code = services.user_register_assisted(
        cadre=cadre,
        phone=PHONE,
        full_name="Trần Văn Quên",
        ward=units["Phường Sài Gòn"],
        birth_year=1950,
    )
    client.force_login(cadre)
    assert client.post(reverse("training:resident_slip", args=[resident.pk])).status_code == 200
    reasons = list(
        FirstLoginCodeLog.objects.order_by("issued_at", "pk").values_list("reason", flat=True)
    )
    assert reasons == [FirstLoginCodeLog.Reason.ASSISTED_SIGN_UP, FirstLoginCodeLog.Reason.REPRINT]
    resident.set_password(OLD_PASSWORD)
    resident.save()
    client.force_login(User.objects.get(pk=resident.pk))
    data = json.loads(client.get(reverse("accounts:my_data")).content)
    assert [row["issued_by"] for row in data["login_codes_issued"]] == ["Cán bộ Sài Gòn"] * 2


def test_the_resident_is_told_a_code_was_issued_for_them(client, cadre, resident):
    """A code the resident did not ask for must not go unnoticed."""
    client.force_login(cadre)
    issue_code(client, resident)
    client.logout()
    assert log_in(client, PHONE, OLD_PASSWORD).status_code == 302
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Cán bộ Sài Gòn đã cấp cho bạn mã đăng nhập mới" in page
    assert "Nếu bạn không nhờ việc này" in page
