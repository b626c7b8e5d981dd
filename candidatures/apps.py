from django.apps import AppConfig


class CandidaturesConfig(AppConfig):
    name = "candidatures"
    verbose_name = "Appels à candidatures et programmation"

    def ready(self):
        # The calendar's campaigns are created when the référentiel loads a programme; the
        # request of a dossier asks for a pre-selection (dossiers.preselection); the French of
        # the journal rows (hn.journal.libelles); the home page's block.
        from candidatures import (  # noqa: F401
            accueil,
            calendrier,
            exports_fond,  # the list's background export (hn.taches.exports)
            journal,
            preselection,
        )

        journal.enregistrer()
        preselection.enregistrer()
