from django.apps import AppConfig


class IndicateursConfig(AppConfig):
    name = "indicateurs"

    def ready(self):
        # The follow-up's deadlines register with the sweep (hn.taches.echeances); its handlers
        # of the dossier's acceptance and total closure with dossiers.evenements.
        from indicateurs import (
            echeances,  # noqa: F401
            evenements,  # noqa: F401
            journal,
        )

        journal.enregistrer()  # the French of its journal rows (hn.journal.libelles)
