from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"

    def ready(self):
        # Registers the instruction's deadlines with the sweep (hn.taches.echeances).
        from dossiers import echeances  # noqa: F401
