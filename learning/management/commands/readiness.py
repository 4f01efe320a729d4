"""Print what /readyz answers: whether the database, cache, broker and storage respond."""

from django.core.management.base import BaseCommand, CommandError

from learning.health import readiness, readiness_text


class Command(BaseCommand):
    help = "Check the database, cache, broker and storage, each within READINESS_TIMEOUT."

    def handle(self, *args, **options):
        result = readiness()
        self.stdout.write(readiness_text(result))
        if not result["ready"]:
            failed = ", ".join(name for name, check in result["checks"].items() if not check["ok"])
            raise CommandError(f"not ready: {failed}")
