from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Tài khoản")


class WagtailUsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our phone-number User."""

    user_viewset = "accounts.viewsets.UserViewSet"
