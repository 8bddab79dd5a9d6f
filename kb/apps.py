from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Base di conoscenza"

    def ready(self):
        from . import signals

        signals.connect()
