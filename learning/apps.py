from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Học vụ số")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the deploy checks)
            sites,  # noqa: F401  (connects the site cache's receivers)
        )
