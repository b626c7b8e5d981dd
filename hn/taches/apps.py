from django.apps import AppConfig


class TachesConfig(AppConfig):
    name = "hn.taches"
    label = "taches"
    verbose_name = "Tâches périodiques"
