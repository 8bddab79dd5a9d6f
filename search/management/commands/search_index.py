from django.core.management.base import BaseCommand, CommandError

from search import elastic, indexing


class Command(BaseCommand):
    help = "Gestisce l'indice Elasticsearch delle voci pubblicate."

    def add_arguments(self, parser):
        actions = parser.add_mutually_exclusive_group(required=True)
        actions.add_argument(
            "--create", action="store_true", help="crea l'indice se non esiste ancora"
        )
        actions.add_argument(
            "--rebuild",
            action="store_true",
            help="costruisce un nuovo indice e lo mette al posto del vecchio senza interruzioni",
        )
        actions.add_argument(
            "--sync",
            action="store_true",
            help="confronta database e indice e corregge le differenze",
        )
        actions.add_argument(
            "--status", action="store_true", help="documenti, aggiornamenti in attesa, profilo"
        )

    def handle(self, *args, create, rebuild, sync, status, **options):
        if not indexing.uses_elasticsearch():
            raise CommandError(
                "Elasticsearch non è configurato (ELASTICSEARCH_URL vuoto): la ricerca usa il "
                "database e non ha un indice da gestire."
            )
        try:
            if create:
                created = indexing.ensure_index()
                self.stdout.write("Indice creato." if created else "L'indice esiste già.")
            elif rebuild:
                name, count = indexing.rebuild()
                self.stdout.write(f"Nuovo indice {name}: {count} voci.")
            elif sync:
                indexing.ensure_index()
                written, deleted = indexing.sync()
                applied = indexing.drain_all()
                self.stdout.write(
                    f"Sincronizzato: {written} voci scritte, {deleted} tolte, "
                    f"{applied} aggiornamenti in attesa applicati."
                )
            else:
                figures = indexing.status()
                labels = {
                    "engine": "motore",
                    "alias": "alias",
                    "index": "indice",
                    "profile": "profilo di analisi",
                    "documents": "documenti",
                    "pending": "aggiornamenti in attesa",
                    "failing": "di cui falliti almeno una volta",
                }
                for key, label in labels.items():
                    if key in figures:
                        self.stdout.write(f"{label}: {figures[key]}")
                if "index" not in figures:
                    self.stdout.write("nessun indice: usare --create o --rebuild")
        except elastic.UNAVAILABLE as error:
            raise CommandError(f"Elasticsearch non risponde: {error}") from None
