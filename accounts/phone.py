"""Vietnamese mobile numbers: parse what people type, store E.164 (+84xxxxxxxxx)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mobile ranges after the 2018 re-numbering: 03x, 05x, 07x, 08x, 09x.
MOBILE_PREFIXES = ("3", "5", "7", "8", "9")

INVALID_PHONE_MESSAGE = _(
    "Số điện thoại di động không hợp lệ. Hãy nhập 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
    "hoặc 09, ví dụ 0912 345 678."
)


def normalize_phone(raw: str) -> str:
    """Return the E.164 form of a Vietnamese mobile number or raise ValidationError.

    Accepts "0912 345 678", "0912.345.678", "+84912345678" and "84912345678".
    """
    digits = "".join(ch for ch in str(raw) if ch.isdigit() or ch == "+")
    if len(digits) > 16 or not digits:
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")
    if digits.startswith("84") and len(digits) == 11:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone") from error
    national = str(number.national_number)
    if (
        number.country_code != 84
        or len(national) != 9
        or not national.startswith(MOBILE_PREFIXES)
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """ "+84912345678" -> "0912 345 678", the way people write it."""
    national = "0" + e164.removeprefix("+84")
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def mask_phone(e164: str) -> str:
    """ "+84912345678" -> "0912•••678", for lists that do not need the full number."""
    national = "0" + e164.removeprefix("+84")
    return f"{national[:4]}•••{national[-3:]}"


def username_for_lockout(request, credentials) -> str:
    """The key django-axes counts failures under: the normalised phone when it parses.

    So "0912 345 678" and "+84912345678" share one counter.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    try:
        return normalize_phone(raw)
    except ValidationError:
        return str(raw)[:64]
