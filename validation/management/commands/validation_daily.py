from django.conf import settings
from django.core.management.base import BaseCommand

from validation.freshness import run_daily


class Command(BaseCommand):
    help = (
        "Segna le voci da rivalidare, invia i promemoria agli enti e cancella i messaggi "
        "più vecchi del periodo di conservazione (da eseguire ogni giorno)."
    )

    def handle(self, *args, **options):
        report = run_daily()
        self.stdout.write(
            f"{len(report.flagged)} voci segnate da rivalidare, "
            f"{report.reminded_authorities} enti avvisati, "
            f"{report.purged_messages} messaggi cancellati perché più vecchi di "
            f"{settings.MESSAGE_RETENTION_DAYS} giorni."
        )
