"""Forms of the cadre pages. Ward choices are always limited to the cadre's scope."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.collation import vietnamese
from accounts.forms import birth_year_field, full_name_field
from accounts.ids import IdsChoiceField
from accounts.models import Role, User, Ward
from accounts.phone import normalize_phone
from courses.models import CoursePage

from .models import Assignment, Audience
from .residents import ResidentStatus, resident_phone_condition


class WardChoiceField(IdsChoiceField):
    def label_from_instance(self, ward):
        return ward.name


class AssignmentForm(forms.Form):
    """Assign one or more courses to one or more wards of the cadre's scope."""

    courses = IdsChoiceField(
        label=_("Khóa học"),
        queryset=CoursePage.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Hãy chọn ít nhất một khóa học."),
            "invalid_choice": _("Khóa học đã chọn không có hoặc chưa xuất bản."),
            "invalid_pk_value": _("Khóa học đã chọn không có hoặc chưa xuất bản."),
        },
    )
    whole_province = forms.BooleanField(label=_("Tất cả xã/phường của tỉnh/thành"), required=False)
    wards = WardChoiceField(
        label=_("Xã/phường"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={
            "invalid_choice": _("Có xã/phường không thuộc phạm vi bạn phụ trách."),
            "invalid_pk_value": _("Có xã/phường không thuộc phạm vi bạn phụ trách."),
        },
    )
    due_date = forms.DateField(
        label=_("Hạn hoàn thành (ngày/tháng/năm)"),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={"invalid": _("Hãy nhập ngày theo dạng ngày/tháng/năm, ví dụ 31/12/2026.")},
    )
    audience = forms.ChoiceField(
        label=_("Đối tượng"), choices=Audience.choices, widget=forms.RadioSelect, initial="all"
    )
    born_in_or_before = forms.IntegerField(
        label=_("Sinh từ năm … trở về trước"),
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, user, assignment: Assignment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.assignment = assignment
        self.fields["wards"].queryset = permissions.visible_wards(user).order_by(vietnamese("name"))
        self.fields["courses"].queryset = CoursePage.objects.live().order_by(vietnamese("title"))
        if not (user.is_superuser or user.role == Role.PROVINCE_CADRE):
            del self.fields["whole_province"]
        if assignment is not None:  # the course of an assignment is fixed; pick another one
            del self.fields["courses"]
            self.fields.pop("whole_province", None)
        elif self.fields["wards"].queryset.count() == 1:
            self.fields["wards"].initial = list(self.fields["wards"].queryset)

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        unchanged = self.assignment is not None and due == self.assignment.due_date
        if due < timezone.localdate() and not unchanged:
            raise forms.ValidationError(_("Hạn hoàn thành không được ở trong quá khứ."))
        return due

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("whole_province"):
            province = self._province()
            if province is None:
                self.add_error("whole_province", _("Bạn không phụ trách tỉnh/thành nào."))
            else:
                cleaned["wards"] = list(province.wards.all())
                cleaned["province"] = province
        elif "wards" in cleaned and not cleaned["wards"]:
            self.add_error("wards", _("Hãy chọn ít nhất một xã/phường."))
        if cleaned.get("audience") == Audience.BORN_BY and not cleaned.get("born_in_or_before"):
            self.add_error("born_in_or_before", _("Hãy nhập năm sinh."))
        return cleaned

    def _province(self):
        if self.user.role == Role.PROVINCE_CADRE:
            return self.user.managed_province
        # An admin: the province of the wards ticked, if they are all in one.
        provinces = {ward.province for ward in self.cleaned_data.get("wards") or []}
        return provinces.pop() if len(provinces) == 1 else None


class ResidentFilterForm(forms.Form):
    """The filters of the ward list (GET); anything unexpected is simply ignored."""

    giao = forms.TypedChoiceField(label=_("Khóa học được giao"), required=False, coerce=int)
    trang_thai = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), *ResidentStatus.choices],
    )
    q = forms.CharField(
        label=_("Tìm theo tên, số điện thoại đầy đủ hoặc 3 số cuối"),
        required=False,
        max_length=100,
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["giao"].choices = [("", _("— Chỉ danh sách người dân —"))] + [
            (a.pk, f"{a.course.title} · {a.due_date:%d/%m/%Y}") for a in assignments
        ]

    def clean_q(self) -> str:
        search = self.cleaned_data["q"]
        resident_phone_condition(text=search)  # the phone rule, said to the cadre
        return search


# The cadre's own browser must not fill in the cadre's name, number or birth year.
NO_AUTOFILL = {"autocomplete": "off"}


class ResidentRegisterForm(forms.Form):
    """What the cadre types in for the resident, and the record of their consent in person."""

    full_name = full_name_field()
    phone = forms.CharField(
        label=_("Số điện thoại di động của người dân"),
        max_length=30,
        help_text=_("Người dân sẽ dùng số này để đăng nhập. Ví dụ: 0912 345 678."),
        error_messages={"required": _("Hãy nhập số điện thoại của người dân.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", **NO_AUTOFILL}),
    )
    birth_year = birth_year_field()
    ward = forms.ModelChoiceField(
        label=_("Xã/phường nơi người dân ở"),
        queryset=Ward.objects.none(),
        empty_label=_("— Chọn xã/phường —"),
        error_messages={
            "required": _("Hãy chọn xã/phường nơi người dân ở."),
            "invalid_choice": _(
                "Xã/phường này không thuộc phạm vi bạn phụ trách. Hãy chọn lại trong danh sách."
            ),
        },
    )
    works_in_public_service = forms.BooleanField(
        label=_("Là cán bộ, công chức, viên chức"), required=False
    )
    consent_in_person = forms.BooleanField(
        label=_(
            "Tôi đã đọc cho người dân nghe thông báo xử lý dữ liệu cá nhân ở trên, "
            "và người dân đã trực tiếp đồng ý với tôi."
        ),
        required=True,
        error_messages={
            "required": _(
                "Cần đọc thông báo cho người dân và được họ đồng ý thì mới tạo được tài khoản."
            ),
        },
    )

    def __init__(self, *args, wards, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_user: User | None = None
        ward_field = self.fields["ward"]
        ward_field.queryset = wards
        only = list(wards[:2])
        if len(only) == 1:
            ward_field.initial = only[0].pk
            ward_field.empty_label = None
        for name in ("full_name", "birth_year"):
            self.fields[name].widget.attrs.update(NO_AUTOFILL)

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        self.existing_user = User.objects.filter(phone=phone).first()
        if self.existing_user is not None:
            raise ValidationError(
                _(
                    "Số điện thoại này đã có tài khoản trên Học vụ số, không đăng ký lại được. "
                    "Hãy hỏi lại người dân số điện thoại của họ."
                ),
                code="duplicate_phone",
            )
        return phone
