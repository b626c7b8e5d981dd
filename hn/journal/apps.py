from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "hn.journal"
    label = "journal"
    verbose_name = "Journal des actions"

    def ready(self):
        from hn.journal import signals  # noqa: F401
