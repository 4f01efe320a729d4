"""Certificate pages: the public check (what the QR code opens), my certificates, downloads."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import can_see_learner

from . import selectors
from .models import Certificate

VERIFY_LIMIT = 30  # look-ups per client address per minute


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _rate_limited(request) -> bool:
    """Count this look-up; True when the address has made too many in the current minute."""
    key = f"certificate-verify:{_client_ip(request)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    return count > VERIFY_LIMIT


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def verify(request, token: str = ""):
    """Genuine / revoked / replaced / unknown, for anyone, without logging in.

    Shows only the name, course, date, number and organisation.
    """
    number = request.GET.get("so", "") if not token else ""
    if _rate_limited(request):
        response = render(request, "certificates/verify.html", {"rate_limited": True}, status=429)
        return _noindex(response)
    result = selectors.certificate_verify(token=token, number=number) if (token or number) else None
    status = 404 if result and result.outcome == "unknown" else 200
    response = render(
        request,
        "certificates/verify.html",
        {"result": result, "number": number, "searched": bool(token or number)},
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
    response = FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"giay-chung-nhan-{certificate.number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
