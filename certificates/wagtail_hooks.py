"""The certificates admin: its permission policy first (before anything asks for it), then its viewset."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_views import CertificatePermissionPolicy, CertificateViewSet
from .models import Certificate

register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))

certificate_viewset = CertificateViewSet("certificate_admin")


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return certificate_viewset
