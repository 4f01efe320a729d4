"""Assisted sign-up: a cadre registers a resident in person and gives them a first-login slip.

The one-time code is shown once, on the slip rendered straight from the POST; only its
hash is stored. Scope is decided by `accounts.permissions`; anything outside it is a 404.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions, services
from accounts.forms import _birth_year_field, _full_name_field
from accounts.models import User, Ward
from accounts.phone import normalize_phone
from accounts.text import normalize_text

from .views import cadre_required

# The cadre's own browser must not fill in the cadre's name, number or birth year.
NO_AUTOFILL = {"autocomplete": "off"}


class ResidentRegisterForm(forms.Form):
    """What the cadre types in for the resident, and the record of their consent in person."""

    full_name = _full_name_field()
    phone = forms.CharField(
        label=_("Số điện thoại di động của người dân"),
        max_length=30,
        help_text=_("Người dân sẽ dùng số này để đăng nhập. Ví dụ: 0912 345 678."),
        error_messages={"required": _("Hãy nhập số điện thoại của người dân.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", **NO_AUTOFILL}),
    )
    birth_year = _birth_year_field()
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

    def clean_full_name(self) -> str:
        name = normalize_text(self.cleaned_data["full_name"])
        if not name:
            raise ValidationError(_("Hãy nhập họ và tên."))
        return name

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


def _slip_response(request, *, resident: User, code: str):
    """The printable slip; never cached, as it carries the code in plain text."""
    response = render(
        request,
        "training/resident_slip.html",
        {
            "resident": resident,
            "code": code,
            "expires_at": resident.first_login_code.expires_at,
            "login_url": request.build_absolute_uri(reverse("accounts:first_login")),
            "cadre_name": request.user.full_name,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _can_reprint_for(cadre: User, resident: User | None) -> bool:
    """Whether this cadre may print a new slip for this resident (same checks as the slip)."""
    return (
        resident is not None
        and permissions.can_see_learner(cadre, resident)
        and resident.pk != cadre.pk
        and not permissions.is_cadre(resident)
        and services.first_login_code_allowed(user=resident)
    )


@require_http_methods(["GET", "POST"])
@cadre_required
def resident_register(request):
    """Register a resident of one of the cadre's wards, then show their first-login slip."""
    if not permissions.can_register_residents(request.user):
        raise Http404
    wards = (
        permissions.visible_wards(request.user)
        .select_related("province")
        .order_by("province__name", "name")
    )
    form = ResidentRegisterForm(request.POST or None, wards=wards)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident, code = services.user_register_assisted(
                cadre=request.user,
                phone=data["phone"],
                full_name=data["full_name"],
                ward=data["ward"],
                birth_year=data["birth_year"],
                works_in_public_service=data["works_in_public_service"],
            )
        except ValidationError as error:  # registered by someone else a moment ago
            form.add_error("phone", error)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            return _slip_response(request, resident=resident, code=code)
    reprint_for = form.existing_user if _can_reprint_for(request.user, form.existing_user) else None
    return render(
        request,
        "training/resident_register.html",
        {"form": form, "has_wards": wards.exists(), "reprint_for": reprint_for},
    )


@require_POST
@cadre_required
def resident_slip(request, user_id: int):
    """A new code and slip for a resident in scope who has not set a password yet."""
    resident = User.objects.select_related("ward").filter(pk=user_id).first()
    if (
        resident is None
        or not permissions.can_register_residents(request.user)
        or not permissions.can_see_learner(request.user, resident)
        or resident.pk == request.user.pk
        or permissions.is_cadre(resident)
        or resident.is_staff
    ):
        raise Http404
    try:
        code = services.first_login_code_issue(user=resident, cadre=request.user)
    except services.FirstLoginError as error:
        return render(
            request,
            "training/resident_slip.html",
            {"resident": resident, "refusal": error.message},
            status=409,
        )
    except PermissionDenied as error:
        raise Http404 from error
    return _slip_response(request, resident=resident, code=code)
