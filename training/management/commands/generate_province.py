"""`manage.py generate_province`: a synthetic province for benchmarks (bench/province/)."""

from django.core.management.base import BaseCommand

from bench.province import PROVINCE_CADRE_PHONE, WARD_CADRE_PHONE, generate


class Command(BaseCommand):
    help = (
        "Generate a realistic synthetic province for benchmarks and manual testing: "
        "residents with Vietnamese names spread unevenly over the province's real wards, "
        "enrolments, step progress, certificates and one province-wide assignment per "
        "live course (seed_demo is run first if there is none). About 10 wards (6%) lag "
        "on purpose. Residents get phone numbers +8470xxxxxxx and one shared unusable "
        f"password (they cannot log in); a ward cadre ({WARD_CADRE_PHONE}, for the ward with most "
        f"residents) and a province cadre ({PROVINCE_CADRE_PHONE}) can. Synthetic certificates are "
        "'ready' without a PDF file (pdf empty, pdf_sha256 the hash of empty content): "
        "downloading one gives 404, the verification page works. "
        "Uses COPY on PostgreSQL; on SQLite keep --residents small. Do not run against a "
        "production database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents",
            type=int,
            default=300_000,
            help="Number of residents (default 300000); everything else scales with it.",
        )
        parser.add_argument(
            "--province",
            type=int,
            default=79,
            help="Official code of the province (default 79, Thành phố Hồ Chí Minh).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="Random seed (default 2026): same seed, same data.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the synthetic users of an earlier run (and everything they own, and "
            "the assignments the synthetic province cadre created) first, in the same "
            "transaction.",
        )
        parser.add_argument(
            "--password",
            help="Password of the two synthetic cadres (default: a random one, printed).",
        )

    def handle(self, *args, **options):
        generate(
            residents=options["residents"],
            province_code=options["province"],
            seed=options["seed"],
            replace=options["replace"],
            password=options["password"],
            stdout=self.stdout,
        )
