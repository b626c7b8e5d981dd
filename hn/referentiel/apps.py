from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "hn.referentiel"
    label = "referentiel"
    verbose_name = "Référentiel des programmes"
