from django.core.management.base import BaseCommand, CommandError

from kb.entries_io import EntryFileError, import_entries, read_entries


class Command(BaseCommand):
    help = "Importa voci da un file JSON Lines (tutto o niente); ripetere l'import aggiorna."

    def add_arguments(self, parser):
        parser.add_argument("file", help="file .jsonl, una voce per riga")

    def handle(self, *args, file, **options):
        try:
            # Bytes: read_entries decodes each line, so a bad one is named by its number.
            with open(file, "rb") as lines:
                records = read_entries(lines)
        except OSError as error:
            raise CommandError(f"impossibile leggere {file}: {error.strerror}") from None
        except EntryFileError as error:
            raise CommandError(f"{error}. Nessuna voce importata.") from None
        report = import_entries(records)
        self.stdout.write(
            f"{report.created} voci create, {report.updated} aggiornate, "
            f"{report.unchanged} invariate."
        )
