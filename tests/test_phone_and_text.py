import pytest
from django.core.exceptions import ValidationError

from accounts.phone import display_phone, mask_phone, normalize_phone
from accounts.text import fold, normalize_text


@pytest.mark.parametrize(
    "typed",
    ["0912 345 678", "0912.345.678", "+84912345678", "84912345678", "0912-345-678", " 0912345678 "],
)
def test_usual_spellings_of_a_mobile_number_become_one_e164_form(typed):
    assert normalize_phone(typed) == "+84912345678"


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_every_mobile_prefix_is_accepted(prefix):
    number = {
        "03": "0362345678",
        "05": "0562345678",
        "07": "0702345678",
        "08": "0812345678",
        "09": "0902345678",
    }[prefix]
    assert normalize_phone(number) == "+84" + number[1:]


@pytest.mark.parametrize(
    "typed",
    [
        "02438234567",  # Hà Nội landline
        "0212345678",  # landline-looking prefix
        "0112345678",  # no such prefix
        "091234567",  # 9 digits
        "09123456789",  # 11 digits
        "+14155550123",  # not Vietnamese
        "abc",
        "",
        "9" * 200,
    ],
)
def test_landlines_and_malformed_numbers_are_refused_in_vietnamese(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "Số điện thoại di động không hợp lệ" in str(error.value)


def test_phone_display_and_mask():
    assert display_phone("+84912345678") == "0912 345 678"
    assert mask_phone("+84912345678") == "0912•••678"


def test_names_are_nfc_and_white_space_is_collapsed():
    decomposed = "Nguye\u0302\u0303n  Thi\u0323 "
    assert normalize_text(decomposed) == "Nguyễn Thị"
    # "hoà" and "hòa" are different strings and stay so
    assert normalize_text("hoà") != normalize_text("hòa")


def test_fold_removes_diacritics_including_d_stroke():
    assert fold("Phường Sài Gòn") == "phuong sai gon"
    assert fold("Đặc khu Côn Đảo") == "dac khu con dao"
