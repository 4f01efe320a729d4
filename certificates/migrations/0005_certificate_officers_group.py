from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Cán bộ quản lý chứng nhận"
# Wagtail admin access, listing certificates (they hold names), revoking and reissuing them.
OFFICER_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("certificates", "view_certificate"),
    ("certificates", "revoke_certificate"),
]
# Certificates are never added, edited or deleted by hand: these no longer exist.
RETIRED = ["add_certificate", "change_certificate", "delete_certificate"]


def create_certificate_officers(apps, schema_editor):
    """The "certificate officers" group: the only people besides superusers who see holders."""
    # Permissions are normally made after all migrations; make these now.
    app_config = apps.get_app_config("certificates")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="certificates", codename__in=RETIRED
    ).delete()
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    for app_label, codename in OFFICER_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_certificate_officers(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_certificate_view_and_revoke_permissions"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_certificate_officers, remove_certificate_officers),
    ]
