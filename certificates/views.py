"""Certificate pages: the public check (what the QR code opens), my certificates, downloads."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import ratelimit
from accounts.permissions import can_see_learner

from . import selectors
from .downloads import private_file_response
from .forms import VerifyByNumberForm
from .models import Certificate


def _rate_limited(request) -> bool:
    """Count this look-up; True when the address has made too many in the current minute."""
    return ratelimit.limit_hit_and_check(
        limit=ratelimit.CERTIFICATE_LOOKUPS_PER_ADDRESS, key=ratelimit.client_address(request)
    )


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def verify(request, token: str = ""):
    """Genuine / revoked / replaced / unknown, for anyone, without logging in.

    The QR token is the secret, so its page shows the name, course, date, number and
    organisation. By number, the visitor must also type the holder's name or the check
    code, and the page shows only what they typed.
    """
    if _rate_limited(request):
        response = render(request, "certificates/verify.html", {"rate_limited": True}, status=429)
        return _noindex(response)
    form = VerifyByNumberForm(request.GET if not token and "so" in request.GET else None)
    result = None
    if token:
        result = selectors.certificate_verify(token=token)
    elif form.is_valid():
        result = selectors.certificate_verify_by_number(
            number=form.cleaned_data["so"],
            full_name=form.cleaned_data["ho_ten"],
            check_code=form.cleaned_data["ma"],
        )
    status = 404 if result and result.outcome == "unknown" else 200
    response = render(
        request,
        "certificates/verify.html",
        {"result": result, "form": form, "by_token": bool(token)},
        status=status,
    )
    return _noindex(response)


@require_GET
@login_required
def my_certificates(request):
    certificates = list(selectors.certificates_of(user=request.user))
    return render(
        request,
        "certificates/my_certificates.html",
        {
            "certificates": certificates,
            "any_pending": any(c.status == Certificate.Status.PENDING for c in certificates),
        },
    )


@require_GET
@login_required
def download(request, number: str):
    """The PDF, for its owner, cadres of the owner's ward, certificate officers and admins."""
    certificate = (
        Certificate.objects.select_related("user")
        .filter(number=number, status__in=[Certificate.Status.READY, Certificate.Status.REPLACED])
        .first()
    )
    if (
        certificate is None
        or not certificate.pdf
        or not (
            can_see_learner(request.user, certificate.user)
            # Certificate officers: they list and inspect every certificate in the admin.
            or request.user.has_perm("certificates.view_certificate")
        )
    ):
        raise Http404
    return private_file_response(
        request,
        certificate.pdf,
        filename=f"giay-chung-nhan-{certificate.number}.pdf",
        content_type="application/pdf",
    )
