from django.apps import AppConfig


class EnveloppesConfig(AppConfig):
    name = "enveloppes"

    def ready(self):
        # What the ledger adds to the layers below, registered on import: the envelope on the
        # dossier's instruction page (contributions), the forfaits engaged and the amorçage
        # decided when a dossier is accepted (evenements: handlers of dossiers.evenements), the
        # home page's block (accueil), the envelopes created with each programme the
        # référentiel loads (chargement).
        from enveloppes import (
            accueil,  # noqa: F401
            chargement,  # noqa: F401
            contributions,
            evenements,  # noqa: F401
            journal,
        )

        contributions.enregistrer()
        journal.enregistrer()  # the French of its journal rows (hn.journal.libelles)
