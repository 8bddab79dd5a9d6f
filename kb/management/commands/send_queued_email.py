from django.core.management.base import BaseCommand

from kb.mail import retry_outgoing_email


class Command(BaseCommand):
    help = (
        "Invia le e-mail rimaste in attesa perché il server di posta non rispondeva "
        "(da eseguire ogni pochi minuti, da cron o da un timer systemd)."
    )

    def handle(self, *args, **options):
        sent, waiting = retry_outgoing_email()
        self.stdout.write(f"{sent} e-mail inviate, {waiting} ancora in attesa.")
