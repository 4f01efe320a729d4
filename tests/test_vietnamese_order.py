"""Lists sort in Vietnamese alphabetical order, on SQLite and PostgreSQL alike.

Vietnamese letters have their own order (a ă â b c d đ e ê g … o ô ơ … u ư v x y) and
tone marks only break ties; code-point order puts "Đ…" after "X…" and "Phú Thuận"
before "Phú Thạnh". CI runs this file on both databases.
"""

import random

import pytest
from django.urls import reverse

from accounts import selectors
from accounts.collation import sort_key
from accounts.forms import SignUpForm
from accounts.models import Province, Ward
from training.figures import WardRow, province_rows_sorted

from .courses_helpers import catalogue, publish
from .training_helpers import make_cadre, make_residents

# One word per letter that code-point order misplaces, in the order a Vietnamese
# dictionary lists them.
LETTER_ORDER = ["Anh", "Ăn", "Âm", "Dung", "Đào", "Em", "Êm", "Gấm", "Ong", "Ông", "Ơn", "Ung", "Ưng", "Vân", "Xuân"]  # fmt: skip
PROVINCES = ["Tỉnh Cao Bằng", "Tỉnh Điện Biên", "Tỉnh Đồng Nai", "Tỉnh Tây Ninh", "Tỉnh Xuân Lộc"]  # fmt: skip
WARDS = ["Xã Phú Hòa", "Xã Phú Thạnh", "Xã Phú Thuận", "Xã Ân Thi", "Xã Đông Hải"]


def shuffled(items):
    return random.Random(11).sample(items, len(items))


def test_python_sort_key_follows_the_vietnamese_alphabet():
    assert sorted(shuffled(LETTER_ORDER), key=sort_key) == LETTER_ORDER
    assert sorted(["Phú Thuận", "Phú Thạnh"], key=sort_key) == ["Phú Thạnh", "Phú Thuận"]
    # Tones only break ties: "Mà" and "Má" sort with "Ma", before "Mai".
    assert sorted(["Mai", "Má", "Ma"], key=sort_key) == ["Ma", "Má", "Mai"]


@pytest.fixture
def provinces(db):
    for code, name in enumerate(shuffled(PROVINCES), start=90):
        Province.objects.create(code=code, name=name, division_type="tỉnh")


def test_provinces_sort_in_vietnamese_order_in_selectors_and_forms(provinces):
    assert [p.name for p in selectors.province_list()] == PROVINCES
    # Every other list of provinces (sign-up form, admin) follows the model's ordering.
    assert [p.name for p in Province.objects.all()] == PROVINCES
    choices = [label for _value, label in SignUpForm().fields["province"].choices][1:]
    assert choices == PROVINCES


def test_letters_sort_in_vietnamese_order_in_the_database(provinces):
    province = Province.objects.first()
    for code, name in enumerate(shuffled(LETTER_ORDER), start=500):
        Ward.objects.create(code=code, name=name, division_type="xã", province=province)
    assert [w.name for w in selectors.ward_list_for_province(province_id=province.pk)] == (
        LETTER_ORDER
    )


def test_wards_sort_in_vietnamese_order(client, provinces):
    province = Province.objects.get(name="Tỉnh Điện Biên")
    for code, name in enumerate(shuffled(WARDS), start=100):
        Ward.objects.create(
            code=code, name=name, division_type="xã", province=province, search_text=name.lower()
        )
    expected = ["Xã Ân Thi", "Xã Đông Hải", "Xã Phú Hòa", "Xã Phú Thạnh", "Xã Phú Thuận"]
    assert [w.name for w in selectors.ward_list_for_province(province_id=province.pk)] == expected
    # The JSON the sign-up ward picker loads.
    response = client.get(reverse("accounts:ward_lookup"), {"province": province.pk})
    assert [ward["name"] for ward in response.json()["wards"]] == expected
    # The province dashboard's default sort, done in Python over computed rows.
    rows = [WardRow(ward=ward, residents=1) for ward in Ward.objects.order_by("pk")]
    rows, _sort = province_rows_sorted(rows, "ten")
    assert [row.ward.name for row in rows] == expected


def test_cadre_ward_page_lists_residents_by_given_name(client, units):
    ward = units["Phường Sài Gòn"]
    names = ["Nguyễn Văn Ân", "Trần Thị Ánh", "Lê Văn Đức", "Phạm Thị Dung", "Võ Văn Ăn"]
    make_residents(ward, len(names), first_phone=9100, names=names)
    client.force_login(make_cadre("0912000111", wards=[ward]))
    page = client.get(reverse("training:ward", args=[ward.pk])).content.decode()
    # Given names Ánh (a + tone) < Ăn < Ân < Dung < Đức.
    expected = ["Trần Thị Ánh", "Võ Văn Ăn", "Nguyễn Văn Ân", "Phạm Thị Dung", "Lê Văn Đức"]
    positions = [page.index(name) for name in expected]
    assert positions == sorted(positions)


def test_course_catalogue_sorts_titles_in_vietnamese_order(client, units):
    from courses.models import CoursePage

    titles = ["Ứng dụng VNeID", "Đăng ký khai sinh", "Vào mạng an toàn", "Dùng Zalo"]
    index = catalogue()
    for n, title in enumerate(titles):
        publish(index, CoursePage(title=title, slug=f"khoa-{n}", summary="Tóm tắt."))
    page = client.get(index.url).content.decode()
    expected = ["Dùng Zalo", "Đăng ký khai sinh", "Ứng dụng VNeID", "Vào mạng an toàn"]
    positions = [page.index(title) for title in expected]
    assert positions == sorted(positions)
