from django.conf import settings
from django.core.management.base import BaseCommand

from kb.demo.load import load_entries, load_glossary, load_guides, load_taxonomy, load_users


class Command(BaseCommand):
    help = "Carica tassonomia, account e voci dimostrative della Provincia di Montalba."

    def add_arguments(self, parser):
        parser.add_argument(
            "--taxonomy-only",
            action="store_true",
            help=(
                "solo temi, enti, regole, ruoli e account dimostrativi, "
                "senza glossario, voci e guide"
            ),
        )

    def handle(self, *args, taxonomy_only, **options):
        load_taxonomy()
        accounts = load_users()
        if not taxonomy_only:
            load_glossary()
            report = load_entries()
            load_guides()
            self.stdout.write(
                f"Voci dimostrative: {report.created} create, {report.updated} aggiornate, "
                f"{report.unchanged} invariate."
            )
        self.stdout.write(f"\nAccount dimostrativi (password: {settings.DEMO_PASSWORD})")
        for email, role in accounts:
            self.stdout.write(f"  {role:<30} {email}")
        self.stdout.write(
            "Nell'area riservata lo staff entra anche con un codice a 6 cifre: aggiungi il "
            f"segreto {settings.DEMO_TOTP_SECRET} alla tua app di autenticazione "
            "(FreeOTP, Google Authenticator, ...)."
        )
