from django.apps import AppConfig


class EnveloppesConfig(AppConfig):
    name = "enveloppes"

    def ready(self):
        from enveloppes import contributions

        contributions.enregistrer()  # the envelope on the dossier's instruction page
        # The ledger engages the forfaits and decides the amorçage when a dossier is accepted
        # (handlers of dossiers.evenements, registered on import).
        from enveloppes import evenements  # noqa: F401
