from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "search"
    verbose_name = "Ricerca"

    def ready(self):
        from . import signals

        signals.connect()
