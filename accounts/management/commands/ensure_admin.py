"""Create the first administrator if there is none, and print how to log in.

The password is random, kept in var/admin-login.txt (git-ignored) so that
`make run` can print it again; change it after the first log-in.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User

ADMIN_PHONE = "0900000001"


class Command(BaseCommand):
    help = "Create the first administrator (phone 0900000001) and print its log-in."

    def handle(self, *args, **options):
        login_file = settings.VAR_DIR / "admin-login.txt"
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                phone=ADMIN_PHONE, password=password, full_name="Quản trị viên"
            )
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(f"{ADMIN_PHONE} {password}\n", encoding="utf-8")
            login_file.chmod(0o600)
        if login_file.exists():
            phone, password = login_file.read_text(encoding="utf-8").split()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Admin log-in: phone {phone}, password {password} "
                    f"(at /quan-tri/ and /dang-nhap/)"
                )
            )
        else:
            self.stdout.write("An administrator already exists.")
