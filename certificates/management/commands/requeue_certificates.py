import datetime

from django.core.management.base import BaseCommand

from certificates.services import certificates_requeue


class Command(BaseCommand):
    help = "Queue again certificates left pending (and, with --failed, failed ones) for rendering."

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="also retry failed certificates")
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=0,
            help="only those issued at least this many minutes ago (default: all)",
        )

    def handle(self, *args, failed, older_than_minutes, **options):
        count = certificates_requeue(
            include_failed=failed, older_than=datetime.timedelta(minutes=older_than_minutes)
        )
        self.stdout.write(f"Queued {count} certificate(s) for rendering.")
