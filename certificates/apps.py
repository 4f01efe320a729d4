from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Chứng nhận")

    def ready(self):
        from . import admin_retry  # noqa: F401 - registers its Wagtail admin hooks
