"""Wagtail's account settings, with our one full-name field instead of first and last names."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import account as wagtail_account

from .forms import full_name_field
from .models import User


class FullNameEmailForm(forms.ModelForm):
    """The editor's own name (cleaned like every other name form) and optional e-mail."""

    full_name = full_name_field()

    class Meta:
        model = User
        fields = ["full_name", "email"]


class FullNameEmailSettingsPanel(wagtail_account.NameEmailSettingsPanel):
    # Same name (form prefix) and place as Wagtail's panel, which asks for a first and a
    # last name our User does not have, so the whole settings form could never be saved.
    form_class = FullNameEmailForm
    title = _("Họ tên và thư điện tử")


class AccountView(wagtail_account.AccountView):
    def get_panels(self):
        return [
            FullNameEmailSettingsPanel(panel.request, panel.user, panel.profile)
            if type(panel) is wagtail_account.NameEmailSettingsPanel
            else panel
            for panel in super().get_panels()
        ]
