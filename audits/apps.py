from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"

    def ready(self):
        # The contradictory phase's deadlines register with the sweep (hn.taches.echeances);
        # the French of its journal rows (hn.journal.libelles); its home page block.
        from audits import accueil, echeances, journal  # noqa: F401

        journal.enregistrer()
