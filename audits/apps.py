from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"

    def ready(self):
        # The contradictory phase's deadlines register with the sweep (hn.taches.echeances).
        from audits import echeances  # noqa: F401
