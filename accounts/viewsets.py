"""Wagtail's user admin, adapted to our User: phone number, one full-name field, roles."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .forms import full_name_field
from .ids import IdsChoiceField
from .models import User
from .phone import normalize_phone

PROFILE_FIELDS = {
    "full_name",
    "email",
    "ward",
    "birth_year",
    "role",
    "managed_province",
    "managed_wards",
}

# Lists of ids a hostile POST could fill with numbers no database holds.
ID_LIST_FIELDS = {"groups": IdsChoiceField, "managed_wards": IdsChoiceField}


class PhoneUserFormMixin(forms.ModelForm):
    # Wagtail's forms ask for first and last names; Vietnamese names are one field.
    first_name = None
    last_name = None
    email = forms.EmailField(required=False, label=_("Thư điện tử"))
    # The same cleaning as every other form that asks a name (accounts.forms.FullNameField).
    full_name = full_name_field()

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        # Keep the role and its scope consistent (the database also checks the province).
        if cleaned.get("role") != "province_cadre":
            cleaned["managed_province"] = None
        elif not cleaned.get("managed_province"):
            self.add_error("managed_province", _("Cán bộ cấp tỉnh cần có tỉnh/thành phụ trách."))
        return cleaned


class PhoneUserCreationForm(PhoneUserFormMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = {"phone", "is_superuser", "groups"} | PROFILE_FIELDS
        field_classes = ID_LIST_FIELDS


class PhoneUserEditForm(PhoneUserFormMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        model = User
        fields = {"phone", "is_active", "is_superuser", "groups"} | PROFILE_FIELDS
        field_classes = ID_LIST_FIELDS


class UserViewSet(WagtailUserViewSet):
    template_prefix = "accounts/admin/users/"

    def get_form_class(self, for_update=False):
        return PhoneUserEditForm if for_update else PhoneUserCreationForm
