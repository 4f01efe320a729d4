from django.contrib.auth.management import create_permissions
from django.db import migrations


def give_editors_ward_reports(apps, schema_editor):
    """Editors and moderators may see ward figures (no personal data) in the admin."""
    # Permissions are normally made after all migrations; make this one now.
    app_config = apps.get_app_config("training")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="training", codename="view_ward_reports"
    )
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(give_editors_ward_reports, migrations.RunPython.noop)]
