from django.core.management.base import BaseCommand

from validation.freshness import run_daily


class Command(BaseCommand):
    help = "Segna le voci da rivalidare e invia i promemoria agli enti (da eseguire ogni giorno)."

    def handle(self, *args, **options):
        report = run_daily()
        self.stdout.write(
            f"{len(report.flagged)} voci segnate da rivalidare, "
            f"{report.reminded_authorities} enti avvisati."
        )
