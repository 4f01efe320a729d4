"""Account pages: sign up, log in and out, my account, my data, delete my account."""

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import DeleteAccountForm, PhoneLoginForm, ProfileForm, SignUpForm

# Buttons of the ward picker that only reload the form (no JavaScript needed).
WARD_PICKER_ACTIONS = {"pick_province", "search_ward"}


def _is_ward_picker_reload(request) -> bool:
    return request.method == "POST" and request.POST.get("action") in WARD_PICKER_ACTIONS


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignUpForm(request.POST or None)
    reloading = _is_ward_picker_reload(request)
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
        return redirect("accounts:account")
    status = 400 if request.method == "POST" and not reloading else 200
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "show_errors": not reloading},
        status=status,
    )


class LoginView(auth_views.LoginView):
    form_class = PhoneLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
        messages.success(request, _("Tài khoản và toàn bộ dữ liệu của bạn đã được xoá."))
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
            for ward in selectors.ward_search(query=query)
        ]
        return JsonResponse({"wards": results})
    try:
        province_id = int(request.GET.get("province", ""))
    except ValueError:
        return JsonResponse({"error": _("Thiếu tỉnh/thành phố.")}, status=400)
    wards = selectors.ward_list_for_province(province_id=province_id)
    return JsonResponse({"wards": [{"id": w.pk, "name": w.name} for w in wards]})
