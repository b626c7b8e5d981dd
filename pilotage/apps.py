from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "pilotage"
    verbose_name = "Pilotage national et régional"

    def ready(self):
        # The dashboards' block on the home page.
        from pilotage import accueil  # noqa: F401
