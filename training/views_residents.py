"""Assisted sign-up: a cadre registers a resident in person and gives them a first-login slip.

The one-time code is shown once, on the slip rendered straight from the POST; only its
hash is stored. Scope is decided by `accounts.permissions`; anything outside it is a 404.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions, services
from accounts import selectors as account_selectors
from accounts.collation import vietnamese
from accounts.models import User

from .forms import ResidentRegisterForm
from .views import cadre_required


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


def _residents_in_scope(cadre: User):
    """Slips are for residents of the cadre's wards only: never a cadre, editor or admin."""
    return account_selectors.residents_of(wards=permissions.visible_wards(cadre))


def _can_reprint_for(cadre: User, resident: User | None) -> bool:
    """Whether this cadre may print a new slip for this resident (same checks as the slip)."""
    return (
        resident is not None
        and resident.pk != cadre.pk
        and _residents_in_scope(cadre).filter(pk=resident.pk).exists()
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
        .order_by(vietnamese("province__name"), vietnamese("name"))
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
    resident = _residents_in_scope(request.user).select_related("ward").filter(pk=user_id).first()
    if (
        resident is None
        or not permissions.can_register_residents(request.user)
        or resident.pk == request.user.pk
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


@require_http_methods(["GET", "POST"])
@cadre_required
def resident_new_code(request, user_id: int):
    """A resident of the cadre's wards forgot their password: after a confirmation,
    a new one-time code on the same slip. Works without JavaScript: the row's button
    opens the confirmation, whose button issues the code."""
    # Only a resident of the cadre's wards: a new code resets the password, so for an
    # editor (or any staff) living in the ward it would hand the cadre their account.
    resident = get_object_or_404(
        _residents_in_scope(request.user).select_related("ward"), pk=user_id
    )
    if not permissions.can_register_residents(request.user) or resident.pk == request.user.pk:
        raise Http404
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            code = services.password_reset_code_issue(user=resident, cadre=request.user)
        except PermissionDenied as error:
            raise Http404 from error
        return _slip_response(request, resident=resident, code=code)
    back = reverse("training:ward", args=[resident.ward_id]) if resident.ward_id else ""
    return render(request, "training/resident_new_code.html", {"resident": resident, "back": back})
