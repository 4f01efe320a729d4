"""Sign-up, log-in and profile forms. Messages are in plain Vietnamese for first-time users."""

import datetime

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from . import selectors
from .ids import parse_id
from .models import Province, User, Ward
from .phone import normalize_phone
from .text import has_letter, normalize_name

NAME_MAX_LENGTH = 150


def birth_year_field() -> forms.IntegerField:
    this_year = datetime.date.today().year
    return forms.IntegerField(
        label=_("Năm sinh (không bắt buộc)"),
        required=False,
        min_value=1900,
        max_value=this_year,
        error_messages={
            "invalid": _("Năm sinh phải là một số, ví dụ 1965."),
            "min_value": _("Năm sinh phải từ 1900 trở về sau."),
            "max_value": _("Năm sinh không được sau năm nay."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )


class FullNameField(forms.CharField):
    """A person's full name as plain text (accounts.text.normalize_name); it needs a letter.

    Blank after cleaning is missing; digits or punctuation alone are not a name.
    """

    default_error_messages = {
        "no_letter": _("Họ và tên phải có chữ cái, ví dụ: Nguyễn Thị Hồng Nhung."),
    }

    def clean(self, value):
        name = normalize_name(super().clean(value) or "")
        if not name and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if name and not has_letter(name):
            raise ValidationError(self.error_messages["no_letter"], code="no_letter")
        return name


def full_name_field() -> FullNameField:
    return FullNameField(
        label=_("Họ và tên"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Viết đầy đủ, có dấu, ví dụ: Nguyễn Thị Hồng Nhung."),
        error_messages={
            "required": _("Hãy nhập họ và tên."),
            "max_length": _("Họ và tên dài tối đa %(limit_value)d ký tự."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class WardPickerMixin(forms.Form):
    """Choose a ward without JavaScript: pick the province, then the ward; or search by name.

    The page re-renders with the ward list of the chosen province (or search
    results) when the visitor presses "show wards" or "search"; JavaScript only
    does the same without the reload.
    """

    province = forms.ModelChoiceField(
        label=_("Tỉnh/thành phố"),
        queryset=Province.objects.all(),
        required=False,
        empty_label=_("— Chọn tỉnh/thành phố —"),
    )
    ward = forms.ModelChoiceField(
        label=_("Xã/phường/đặc khu"),
        queryset=Ward.objects.select_related("province"),
        error_messages={
            "required": _("Hãy chọn xã/phường nơi bạn ở."),
            "invalid_choice": _("Không tìm thấy xã/phường này. Hãy chọn lại trong danh sách."),
        },
    )
    ward_query = forms.CharField(
        label=_("Tìm xã/phường (tên mới hoặc tên cũ)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("ví dụ: Bến Nghé")}),
    )

    def chosen_province_id(self) -> int | None:
        """The province whose wards the ward list shows."""
        raw = self.data.get("province") if self.is_bound else None
        if raw is None:
            ward = self.initial.get("ward")
            return ward.province_id if isinstance(ward, Ward) else self.initial.get("province")
        return parse_id(raw)

    def ward_options(self) -> list[Ward]:
        province_id = self.chosen_province_id()
        if not province_id:
            return []
        return list(selectors.ward_list_for_province(province_id=province_id))

    def ward_search_query(self) -> str:
        """What the visitor typed in the ward search box, unless they asked for the province's list."""
        query = self._typed_ward_query() if self.is_bound else ""
        # "Show the wards of this province" means: the list, not the earlier search.
        return "" if self.data.get("action") == "pick_province" else query

    def ward_search_results(self) -> list[tuple[Ward, str]]:
        """(ward, former name that matched) pairs for what the visitor typed."""
        query = self.ward_search_query()
        if not query:
            return []
        wards = selectors.ward_search(query=query, province_id=self.chosen_province_id())
        return [
            (ward, selectors.ward_former_name_matching(ward=ward, query=query)) for ward in wards
        ]

    def _typed_ward_query(self) -> str:
        """What the visitor typed in the search box, once the field's own checks
        (length, no NUL byte) pass; anything else searches for nothing."""
        try:
            return self.fields["ward_query"].clean(self.data.get("ward_query")) or ""
        except ValidationError:
            return ""

    def selected_ward_id(self) -> str:
        if self.is_bound:
            return str(self.data.get("ward") or "")
        ward = self.initial.get("ward")
        return str(ward.pk) if isinstance(ward, Ward) else ""


class SignUpForm(WardPickerMixin):
    full_name = full_name_field()
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=30,
        help_text=_("Dùng để đăng nhập. Ví dụ: 0912 345 678."),
        error_messages={"required": _("Hãy nhập số điện thoại.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    birth_year = birth_year_field()
    password1 = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        help_text=_("Ít nhất 8 ký tự, không chỉ gồm chữ số."),
        error_messages={"required": _("Hãy đặt mật khẩu.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        error_messages={"required": _("Hãy nhập lại mật khẩu.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "Tôi đồng ý để Học vụ số xử lý họ tên, số điện thoại, xã/phường và năm sinh của tôi "
            "để theo dõi việc học và cấp chứng nhận, như mô tả ở trên."
        ),
        required=True,
        error_messages={
            "required": _("Bạn cần đánh dấu đồng ý thì mới tạo được tài khoản."),
        },
    )

    field_order = [
        "full_name",
        "phone",
        "birth_year",
        "province",
        "ward",
        "ward_query",
        "password1",
        "password2",
        "consent",
    ]

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if User.objects.filter(phone=phone).exists():
            raise ValidationError(
                _(
                    "Số điện thoại này đã được đăng ký. Hãy đăng nhập, hoặc nhờ cán bộ xã/phường hỗ trợ."
                ),
                code="duplicate_phone",
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Hai mật khẩu không giống nhau."))
        elif password1:
            candidate = User(
                phone=cleaned.get("phone") or "", full_name=cleaned.get("full_name", "")
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(WardPickerMixin):
    full_name = full_name_field()
    birth_year = birth_year_field()

    field_order = ["full_name", "birth_year", "province", "ward", "ward_query"]


def phone_username_field() -> forms.CharField:
    """The log-in's username box: a mobile number, typed the way people write it."""
    return forms.CharField(
        label=_("Số điện thoại"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "username", "autofocus": True}
        ),
    )


LOGIN_ERROR_MESSAGES = {
    "invalid_login": _("Số điện thoại hoặc mật khẩu không đúng. Hãy thử lại."),
    "inactive": _("Tài khoản này đã bị khóa."),
}


class PhoneUsernameMixin:
    """Reads a log-in form's username as a mobile number in any usual spelling."""

    def clean_username(self) -> str:
        return normalize_phone(self.cleaned_data["username"])


class PhoneLoginForm(PhoneUsernameMixin, AuthenticationForm):
    """Django's log-in form, reading the phone number in any usual spelling."""

    username = phone_username_field()
    error_messages = LOGIN_ERROR_MESSAGES


class AdminLoginForm(PhoneUsernameMixin, WagtailLoginForm):
    """Wagtail's admin log-in (WAGTAILADMIN_USER_LOGIN_FORM), reading phones like the site's.

    So "0913000003", "0913 000 003" and "+84913000003" all log in, and a wrong
    password gets the same plain message as on the site.
    """

    username = phone_username_field()
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {**WagtailLoginForm.error_messages, **LOGIN_ERROR_MESSAGES}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["placeholder"] = _("Ví dụ 0912 345 678")

    def get_invalid_login_error(self) -> ValidationError:
        # Wagtail's message names the username field ("Your %(username_field)s and
        # password didn't match"), which reads badly in Vietnamese.
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Nhập mật khẩu để xác nhận"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Mật khẩu không đúng."))
        return password
