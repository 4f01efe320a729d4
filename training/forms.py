"""Forms of the cadre pages. Ward choices are always limited to the cadre's scope."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import Role
from courses.models import CoursePage

from .models import Assignment, Audience
from .selectors import ResidentStatus


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Ids outside the database's integer range are refused like any unknown id
    (SQLite would raise OverflowError on them: a 500 instead of a form error)."""

    def _check_values(self, value):
        for pk in value:
            try:
                in_range = 0 < int(pk) < 2**63
            except (TypeError, ValueError):
                in_range = False
            if not in_range:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class WardChoiceField(IdsChoiceField):
    def label_from_instance(self, ward):
        return ward.name


class AssignmentForm(forms.Form):
    """Assign one or more courses to one or more wards of the cadre's scope."""

    courses = IdsChoiceField(
        label=_("Khoá học"),
        queryset=CoursePage.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Hãy chọn ít nhất một khoá học."),
            "invalid_choice": _("Khoá học đã chọn không có hoặc chưa xuất bản."),
            "invalid_pk_value": _("Khoá học đã chọn không có hoặc chưa xuất bản."),
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
        self.fields["wards"].queryset = permissions.visible_wards(user).order_by("name")
        self.fields["courses"].queryset = CoursePage.objects.live().order_by("path")
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

    giao = forms.TypedChoiceField(label=_("Khoá học được giao"), required=False, coerce=int)
    trang_thai = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[
            ("", _("Tất cả")),
            (ResidentStatus.NOT_STARTED, _("Chưa học")),
            (ResidentStatus.IN_PROGRESS, _("Đang học")),
            (ResidentStatus.COMPLETED, _("Đã hoàn thành")),
            (ResidentStatus.OVERDUE, _("Quá hạn")),
        ],
    )
    q = forms.CharField(
        label=_("Tìm theo tên hoặc số cuối điện thoại"), required=False, max_length=100
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["giao"].choices = [("", _("— Chỉ danh sách người dân —"))] + [
            (a.pk, f"{a.course.title} · {a.due_date:%d/%m/%Y}") for a in assignments
        ]
