"""The editors' certificate settings form (the models' panels use it, so it imports no models)."""

from wagtail.admin.forms import WagtailAdminModelForm


class CertificateSettingsForm(WagtailAdminModelForm):
    """The editors' certificate settings: saving them records a template version, so the
    certificates issued from now on show what was saved and earlier ones keep theirs."""

    def save(self, commit=True):
        settings_row = super().save(commit=commit)
        if commit:
            # Imported here: the services import the models, whose panels use this form.
            from .services import template_version_record

            template_version_record(settings_row=settings_row)
        return settings_row
