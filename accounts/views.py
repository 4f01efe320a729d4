"""Account pages: sign up, log in and out, my account, my data, delete my account."""

import json
import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from . import ratelimit, selectors, services
from .forms import DeleteAccountForm, PhoneLoginForm, ProfileForm, SignUpForm
from .ids import parse_id
from .phone import normalize_phone

# Buttons of the ward picker that only reload the form (no JavaScript needed).
WARD_PICKER_ACTIONS = {"pick_province", "search_ward"}


def _is_ward_picker_reload(request) -> bool:
    return request.method == "POST" and request.POST.get("action") in WARD_PICKER_ACTIONS


def _safe_next_url(request) -> str:
    """The `next` page asked for, if it is on this site; "" otherwise (no open redirect)."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(selectors.user_home_url(user=request.user))
    reloading = _is_ward_picker_reload(request)
    if request.method == "POST" and not reloading and _sign_up_throttled(request):
        # Keep what the person typed (not the passwords), so nothing is lost.
        typed = {name: request.POST.get(name, "") for name in ("full_name", "phone", "birth_year")}
        return render(
            request,
            "accounts/signup.html",
            {"form": SignUpForm(initial=typed), "rate_limited": True},
            status=429,
        )
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and not reloading and form.is_valid():
        data = form.cleaned_data
        user = services.user_register(
            phone=data["phone"],
            full_name=data["full_name"],
            password=data["password1"],
            ward=data["ward"],
            birth_year=data["birth_year"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Đăng ký thành công. Chào mừng bạn!"))
        return redirect(_safe_next_url(request) or selectors.user_home_url(user=user))
    status = 400 if request.method == "POST" and not reloading else 200
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "show_errors": not reloading, "next": _safe_next_url(request)},
        status=status,
    )


def _sign_up_throttled(request) -> bool:
    """Count a sent sign-up form; True once the address has sent too many.

    Every sent form counts, not only refused ones: otherwise a script could test
    which numbers are "already registered" at full speed.
    """
    return ratelimit.limit_hit_and_check(
        limit=ratelimit.SIGN_UP_ATTEMPTS_PER_ADDRESS, key=ratelimit.client_address(request)
    )


class LoginView(auth_views.LoginView):
    """Log in by phone number. django-axes locks a phone after 5 wrong passwords; the
    address is refused only after many more failures (many people share one)."""

    form_class = PhoneLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    address_limit = ratelimit.LOGIN_FAILURES_PER_ADDRESS

    def post(self, request, *args, **kwargs):
        if ratelimit.limit_exceeded(
            limit=self.address_limit, key=ratelimit.client_address(request)
        ):
            return render(request, "accounts/locked_out.html", {"by_address": True}, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        ratelimit.limit_hit(limit=self.address_limit, key=ratelimit.client_address(self.request))
        return super().form_invalid(form)

    def get_default_redirect_url(self):
        """Without a `next`, cadres land on their dashboard and learners on "my learning"."""
        return selectors.user_home_url(user=self.request.user)


@require_http_methods(["GET", "POST"])
@login_required
def account(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": user.full_name, "birth_year": user.birth_year, "ward": user.ward},
    )
    reloading = _is_ward_picker_reload(request)
    if request.method == "POST" and not reloading and form.is_valid():
        services.user_update_profile(
            user=user,
            full_name=form.cleaned_data["full_name"],
            ward=form.cleaned_data["ward"],
            birth_year=form.cleaned_data["birth_year"],
        )
        messages.success(request, _("Đã lưu thông tin của bạn."))
        return redirect("accounts:account")
    notices = list(user.notices.all()[:10])
    services.notice_mark_read(user=user)
    return render(
        request,
        "accounts/account.html",
        {"form": form, "show_errors": not reloading, "notices": notices},
        status=400 if request.method == "POST" and not reloading else 200,
    )


@require_GET
@login_required
def my_data(request):
    """Download everything we hold about the user, as JSON."""
    payload = json.dumps(
        selectors.user_data_export(user=request.user), ensure_ascii=False, indent=2
    )
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    filename = f"hocvuso-du-lieu-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)
        messages.success(request, _("Tài khoản và toàn bộ dữ liệu của bạn đã được xóa."))
        return redirect("/")
    return render(
        request,
        "accounts/delete_account.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return super().form_valid(form)


@require_GET
def ward_lookup(request):
    """JSON for the ward picker's JavaScript: wards of a province, or a name search."""
    if query := request.GET.get("q", "").strip():
        results = [
            {
                "id": ward.pk,
                "name": ward.name,
                "province": ward.province.name,
                "former": selectors.ward_former_name_matching(ward=ward, query=query),
            }
            for ward in selectors.ward_search(
                query=query, province_id=parse_id(request.GET.get("province"))
            )
        ]
        return JsonResponse({"wards": results})
    province_id = parse_id(request.GET.get("province"))
    if province_id is None:
        return JsonResponse({"error": _("Thiếu tỉnh/thành phố.")}, status=400)
    wards = selectors.ward_list_for_province(province_id=province_id)
    return JsonResponse({"wards": [{"id": w.pk, "name": w.name} for w in wards]})


# --- First log-in with the code from a cadre's slip ---------------------------

FIRST_LOGIN_STEP_SECONDS = 30 * 60  # time to choose a password once the code was accepted
FIRST_LOGIN_SESSION_KEYS = ("first_login_user", "first_login_code", "first_login_until")


class FirstLoginForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại"),
        max_length=30,
        error_messages={"required": gettext_lazy("Hãy nhập số điện thoại.")},
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "username", "autofocus": True}
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Mã đăng nhập lần đầu (8 chữ số, in trên phiếu)"),
        max_length=20,
        error_messages={"required": gettext_lazy("Hãy nhập mã in trên phiếu.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class FirstPasswordForm(SetPasswordForm):
    """Django's set-password form, in plain Vietnamese."""

    error_messages = {"password_mismatch": gettext_lazy("Hai mật khẩu không giống nhau.")}

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label = gettext_lazy("Mật khẩu của bạn")
        first.help_text = gettext_lazy(
            "Ít nhất 8 ký tự, không chỉ gồm chữ số. Đừng cho ai biết, kể cả cán bộ."
        )
        first.error_messages["required"] = gettext_lazy("Hãy đặt mật khẩu.")
        second.label = gettext_lazy("Nhập lại mật khẩu")
        second.help_text = ""
        second.error_messages["required"] = gettext_lazy("Hãy nhập lại mật khẩu.")


def _first_login_address_blocked(request) -> bool:
    """True when this address has typed very many wrong codes (each code also locks itself
    after 5 wrong tries; this only stops a script trying many numbers)."""
    return ratelimit.limit_exceeded(
        limit=ratelimit.FIRST_LOGIN_FAILURES_PER_ADDRESS, key=ratelimit.client_address(request)
    )


def _first_login_count_failure(request) -> None:
    ratelimit.limit_hit(
        limit=ratelimit.FIRST_LOGIN_FAILURES_PER_ADDRESS, key=ratelimit.client_address(request)
    )


def _first_login_forget(request) -> None:
    for key in FIRST_LOGIN_SESSION_KEYS:
        request.session.pop(key, None)


@require_http_methods(["GET", "POST"])
def first_login(request):
    """Step 1: the phone number and the one-time code from the cadre's slip."""
    if request.user.is_authenticated:
        return redirect("learning:my_learning")
    if request.method == "POST" and _first_login_address_blocked(request):
        return render(
            request,
            "accounts/first_login.html",
            {"form": FirstLoginForm(), "rate_limited": True},
            status=429,
        )
    form = FirstLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.first_login_code_check(
                phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
            )
        except services.FirstLoginError as error:
            _first_login_count_failure(request)
            form.add_error(None, ValidationError(error.message, code="first_login"))
        else:
            request.session["first_login_user"] = user.pk
            request.session["first_login_code"] = user.first_login_code.pk
            request.session["first_login_until"] = int(time.time()) + FIRST_LOGIN_STEP_SECONDS
            return redirect("accounts:first_login_password")
    return render(
        request,
        "accounts/first_login.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def first_login_password(request):
    """Step 2: the resident chooses their own password, and is logged in."""
    session = request.session
    user = None
    if session.get("first_login_until", 0) > time.time():
        user = services.first_login_user_pending(
            user_id=session.get("first_login_user"), code_id=session.get("first_login_code")
        )
    if user is None:
        _first_login_forget(request)
        messages.error(request, _("Hãy nhập số điện thoại và mã in trên phiếu trước."))
        return redirect("accounts:first_login")
    form = FirstPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.first_login_password_set(
                user=user, password=form.cleaned_data["new_password1"]
            )
        except services.FirstLoginError as error:
            _first_login_forget(request)
            messages.error(request, error.message)
            return redirect("accounts:first_login")
        _first_login_forget(request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Bạn đã đặt mật khẩu. Từ nay hãy đăng nhập bằng số điện thoại và mật khẩu này. "
                "Chúc bạn học vui!"
            ),
        )
        return redirect("learning:my_learning")
    return render(
        request,
        "accounts/first_login_password.html",
        {"form": form, "first_login_user": user},
        status=400 if request.method == "POST" else 200,
    )
