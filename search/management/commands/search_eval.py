from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from search.evaluation import EngineUnavailable, evaluate, read_queries


class Command(BaseCommand):
    help = "Misura la qualità della ricerca su un insieme di query giudicate (JSON Lines)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="es. search/eval/queries.jsonl")
        parser.add_argument("--engine", choices=["database", "elasticsearch"], default="database")

    def handle(self, *args, file, engine, **options):
        if engine == "elasticsearch" and not settings.ELASTICSEARCH_URL:
            raise CommandError("ELASTICSEARCH_URL non è impostato.")
        try:
            with open(file, encoding="utf-8") as lines:
                queries = read_queries(lines)
        except OSError as error:
            raise CommandError(f"impossibile leggere {file}: {error.strerror}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        # A measurement must not quietly fall back to the other engine.
        with override_settings(SEARCH_ENGINE=engine, ELASTICSEARCH_TIMEOUT=10):
            try:
                figures = evaluate(queries)
            except EngineUnavailable as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"motore: {engine}")
        self.stdout.write(f"{'tipo':<14}{'n':>4}{'recall@1':>10}{'recall@5':>10}{'MRR':>8}")
        for kind in ["tutte", *sorted(k for k in figures if k != "tutte")]:
            row = figures[kind]
            self.stdout.write(
                f"{kind:<14}{row['n']:>4}{row['recall@1']:>10.2f}{row['recall@5']:>10.2f}"
                f"{row['mrr']:>8.2f}"
            )
