from django.apps import AppConfig


class EnveloppesConfig(AppConfig):
    name = "enveloppes"

    def ready(self):
        from enveloppes import contributions

        contributions.enregistrer()  # the envelope on the dossier's instruction page
