from django.core.management.base import BaseCommand

from accounts.models import Province, Ward
from accounts.services import units_load


class Command(BaseCommand):
    help = "Load or update the 34 provinces and 3,321 communes/wards of the 2025 system."

    def handle(self, *args, **options):
        counts = units_load()
        self.stdout.write(
            "Provinces: {provinces_created} created, {provinces_updated} updated; "
            "wards: {wards_created} created, {wards_updated} updated.".format(**counts)
        )
        self.stdout.write(
            f"Now {Province.objects.count()} provinces and {Ward.objects.count()} wards."
        )
