from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "hn.comptes"
    label = "comptes"
    verbose_name = "Comptes et rôles"
