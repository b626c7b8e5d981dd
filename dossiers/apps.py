from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"

    def ready(self):
        # The instruction's deadlines register with the sweep (hn.taches.echeances); Dossier.region
        # follows the établissement's current région (dossiers.signals).
        from dossiers import (
            accueil,  # noqa: F401  (home and operations pages' blocks, hn.accueil)
            analyse,
            echeances,  # noqa: F401
            exports_fond,  # noqa: F401  (the list's background export, hn.taches.exports)
            journal,
            signals,  # noqa: F401
        )

        # The French of its journal rows (hn.journal.libelles).
        journal.enregistrer()

        # The antivirus's retry of the pieces still waiting, after the instruction's deadlines.
        analyse.inscrire()
