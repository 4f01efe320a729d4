"""Issue 11, citizen points: error summary, ward picker, landing pages, header menu, flash markup.

Fast Django-client checks of the markup; tests/browser/test_citizen_polish.py drives the same
pages in Chromium, with JavaScript on and off.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Province, Ward
from accounts.selectors import ward_search
from accounts.text import fold
from tests.training_helpers import make_cadre

PASSWORD = "hoc-vu-so-2026"


def signup_data(ward, **overrides):
    data = {
        "full_name": "Trần Văn Bình",
        "phone": "0987 654 321",
        "birth_year": "1958",
        "province": ward.province_id,
        "ward": ward.pk,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def summary_links(page: str) -> list[str]:
    """The fields the error summary links to, in order."""
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match, "no error summary on the page"
    return re.findall(r'<a href="#([^"]+)"', match.group(0))


# --- 1. Error summary ----------------------------------------------------------------


def test_failed_signup_shows_a_focused_summary_linking_to_each_field(client, units):
    data = signup_data(units["Phường Sài Gòn"], consent=None, password2="khac-han-2026")
    response = client.post(reverse("accounts:signup"), data)
    page = response.content.decode()

    assert response.status_code == 400
    assert "Có lỗi cần sửa" in page
    summary = re.search(r'<div class="error-summary"[^>]*>', page).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary  # focus lands on it, no JS
    assert summary_links(page) == ["id_password2", "id_consent"]
    assert page.index("Có lỗi cần sửa") < page.index('name="full_name"')  # at the top
    # Everything but the passwords is kept, and the page says why the passwords are empty.
    assert 'value="Trần Văn Bình"' in page and 'value="0987 654 321"' in page
    assert 'value="1958"' in page
    assert PASSWORD not in page
    assert "hãy nhập lại mật khẩu" in page


def test_ward_picker_reload_shows_no_summary(client, units):
    data = signup_data(units["Phường Sài Gòn"], action="search_ward", ward_query="ben nghe")
    data.pop("consent")
    page = client.post(reverse("accounts:signup"), data).content.decode()
    assert "error-summary" not in page


def test_failed_login_shows_the_summary(client, learner):
    response = client.post(
        reverse("accounts:login"), {"username": "0912345678", "password": "sai-mat-khau"}
    )
    page = response.content.decode()
    assert "Có lỗi cần sửa" in page and "Số điện thoại hoặc mật khẩu không đúng" in page
    # The summary, not the phone field, takes the focus.
    assert page.index("autofocus") < page.index('name="username"')


@pytest.mark.parametrize(
    "url_name, data, anchor",
    [
        ("accounts:delete_account", {"password": "sai"}, "id_password"),
        ("accounts:password_change", {"old_password": "sai"}, "id_old_password"),
        ("accounts:account", {"full_name": "", "ward": ""}, "id_full_name"),
    ],
)
def test_every_account_form_has_the_summary(client, learner, url_name, data, anchor):
    client.force_login(learner)
    page = client.post(reverse(url_name), data).content.decode()
    assert "Có lỗi cần sửa" in page
    assert anchor in summary_links(page)


def test_first_login_form_has_the_summary(client, units):
    page = client.post(reverse("accounts:first_login"), {"phone": "", "code": ""}).content.decode()
    assert summary_links(page) == ["id_phone", "id_code"]


def test_verify_form_summary_links_to_the_number_field(client, db):
    page = client.get(reverse("certificates:verify_form"), {"so": "abc"}).content.decode()
    assert "Có lỗi cần sửa" in page
    assert summary_links(page)[0] == "so"
    assert 'id="so"' in page  # the link lands on the real input


def test_cadre_forms_have_the_summary(client, units):
    cadre = make_cadre("0913000301", wards=[units["Phường Sài Gòn"]])
    client.force_login(cadre)
    page = client.post(
        reverse("training:assignment_create"), {"due_date": "31/02"}
    ).content.decode()
    assert "Có lỗi cần sửa" in page
    links = summary_links(page)
    assert links and all(f'id="{anchor}"' in page for anchor in links)

    page = client.post(reverse("training:resident_register"), {"full_name": ""}).content.decode()
    links = summary_links(page)
    assert "id_full_name" in links and "id_phone" in links


# --- 2. Ward picker ------------------------------------------------------------------


@pytest.fixture
def nghe_an_ward(units):
    """A ward of Nghệ An whose name and province also hold "bến" and "nghệ"."""
    province = Province.objects.create(code=40, name="Tỉnh Nghệ An", division_type="tỉnh")
    return Ward.objects.create(
        code=16666,
        name="Phường Bến Thủy",
        division_type="phường",
        province=province,
        former_names="",
        search_text=fold("Phường Bến Thủy Tỉnh Nghệ An"),
    )


def test_search_ranks_the_chosen_provinces_wards_first(units, nghe_an_ward):
    hcm = units["hcm"]
    assert [w.name for w in ward_search(query="Bến Nghé", province_id=hcm.pk)][0] == (
        "Phường Sài Gòn"
    )
    # Without a province, current-name matches still come first.
    assert ward_search(query="Bến Nghé")[0] == nghe_an_ward


def test_ward_lookup_json_ranks_by_the_chosen_province(client, units, nghe_an_ward):
    url = reverse("accounts:ward_lookup")
    wards = client.get(url, {"q": "Bến Nghé", "province": units["hcm"].pk}).json()["wards"]
    assert wards[0]["name"] == "Phường Sài Gòn"
    assert client.get(url, {"q": "Bến Nghé", "province": "x"}).status_code == 200


def test_signup_search_results_come_under_the_search_box_with_a_count(client, units, nghe_an_ward):
    data = {"province": units["hcm"].pk, "action": "search_ward", "ward_query": "Bến Nghé"}
    page = client.post(reverse("accounts:signup"), data).content.decode()
    assert page.index('name="ward_query"') < page.index('<h2 class="results-heading"')
    assert re.search(r'role="status"[^>]*>Tìm thấy 2 xã/phường<', page)
    radios = re.findall(r'<input type="radio" name="ward" value="(\d+)"', page)
    assert radios[0] == str(units["Phường Sài Gòn"].pk)  # the user's province first
    assert 'id="ward"' in page


def test_ward_picker_buttons_reload_at_the_ward_field(client, units):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert page.count('formaction="#ward"') == 2
    assert 'id="ward"' in page
    page = client.post(
        reverse("accounts:signup"), {"action": "search_ward", "ward_query": "khong co dau ca"}
    ).content.decode()
    assert "Không tìm thấy xã/phường nào" in page


# --- 3. Where a user lands -----------------------------------------------------------


def test_learner_logs_in_to_my_learning(client, learner):
    response = client.post(
        reverse("accounts:login"), {"username": "0912 345 678", "password": PASSWORD}
    )
    assert response["Location"] == reverse("learning:my_learning")


def test_cadre_logs_in_to_their_dashboard(client, units):
    make_cadre("0913000302", wards=[units["Phường Sài Gòn"]])
    response = client.post(
        reverse("accounts:login"), {"username": "0913000302", "password": PASSWORD}
    )
    assert response["Location"] == reverse("training:dashboard")


def test_a_safe_next_still_wins_and_an_outside_one_is_ignored(client, learner):
    login = reverse("accounts:login")
    certificates = reverse("certificates:mine")
    data = {"username": "0912345678", "password": PASSWORD}
    response = client.post(f"{login}?next={certificates}", {**data, "next": certificates})
    assert response["Location"] == certificates
    client.logout()
    response = client.post(login, {**data, "next": "https://evil.example/"})
    assert response["Location"] == reverse("learning:my_learning")


def test_signup_lands_on_my_learning_or_a_safe_next(client, units):
    ward = units["Phường Sài Gòn"]
    response = client.post(reverse("accounts:signup"), signup_data(ward))
    assert response["Location"] == reverse("learning:my_learning")
    client.logout()
    catalogue = reverse("learning:catalogue")
    page = client.get(reverse("accounts:signup"), {"next": catalogue}).content.decode()
    assert f'name="next" value="{catalogue}"' in page
    response = client.post(
        reverse("accounts:signup"), signup_data(ward, phone="0987 000 111", next=catalogue)
    )
    assert response["Location"] == catalogue
    client.logout()
    response = client.post(
        reverse("accounts:signup"),
        signup_data(ward, phone="0987 000 222", next="//evil.example/"),
    )
    assert response["Location"] == reverse("learning:my_learning")
    assert get_user_model().objects.filter(phone="+84987000222").exists()


# --- 4 and 15. Header menu, flash messages -------------------------------------------


def test_logged_in_menu_folds_into_details_and_flash_is_a_wrapped_live_region(client, learner):
    client.post(reverse("accounts:login"), {"username": "0912345678", "password": PASSWORD})
    client.post(
        reverse("accounts:account"), {"full_name": "Nguyễn Thị Hồng Nhung", "ward": learner.ward_id}
    )
    page = client.get(reverse("accounts:account")).content.decode()
    assert re.search(r'<details class="menu">\s*<summary>Menu</summary>', page)
    assert '<div class="messages" role="status">' in page
    assert "Đã lưu thông tin của bạn." in page
    assert not re.search(r"<ul[^>]*role=", page)  # a list keeps its list semantics
