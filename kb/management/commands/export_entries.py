import os

from django.core.management.base import BaseCommand, CommandError

from kb.entries_io import export_entries


class Command(BaseCommand):
    help = "Esporta le voci pubblicate nel formato JSON Lines di import_entries."

    def add_arguments(self, parser):
        parser.add_argument("file", help="file .jsonl da scrivere")

    def handle(self, *args, file, **options):
        # Written aside and renamed, so a failure never leaves a half-written file.
        partial = f"{file}.partial"
        try:
            with open(partial, "w", encoding="utf-8") as out:
                count = export_entries(out)
            os.replace(partial, file)
        except OSError as error:
            raise CommandError(f"impossibile scrivere {file}: {error.strerror}") from None
        self.stdout.write(f"{count} voci esportate in {file}.")
