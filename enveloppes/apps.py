from django.apps import AppConfig


class EnveloppesConfig(AppConfig):
    name = "enveloppes"

    def ready(self):
        # The home page's block (enveloppes.accueil); the envelopes created with each programme
        # the référentiel loads (enveloppes.chargement).
        from enveloppes import (
            accueil,  # noqa: F401
            chargement,  # noqa: F401
        )
