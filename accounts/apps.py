from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self):
        from django.urls import register_converter

        from .ids import IdConverter

        # Before any URLconf (Wagtail's admin URLs included) is imported.
        register_converter(IdConverter, "id")

        from django.db.backends.signals import connection_created

        from .collation import register_sqlite_collation

        connection_created.connect(register_sqlite_collation, dispatch_uid="sqlite-vietnamese")


class WagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our phone-number User."""

    user_viewset = "accounts.viewsets.UserViewSet"
