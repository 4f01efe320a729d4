from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Giao việc học và báo cáo")

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
