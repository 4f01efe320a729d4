from django.core.management.base import BaseCommand

from learning.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the seven demo courses and demo people (idempotent). Needs load_units first."

    def handle(self, *args, **options):
        for line in seed_demo():
            self.stdout.write(line)
