from django.apps import AppConfig


class EnveloppesConfig(AppConfig):
    name = "enveloppes"
