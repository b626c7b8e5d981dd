from django.apps import AppConfig


class TachesConfig(AppConfig):
    name = "hn.taches"
    label = "taches"
    verbose_name = "Tâches périodiques"

    def ready(self):
        from hn.taches import menage  # noqa: F401  (registers its kinds of the sweep)
