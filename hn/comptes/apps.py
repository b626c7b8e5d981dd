from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "hn.comptes"
    label = "comptes"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from hn.comptes.middleware import marquer_connexion
        from hn.comptes.verrouillage import tracer_blocage

        user_logged_in.connect(marquer_connexion, dispatch_uid="hn_comptes_inactivite")
        user_locked_out.connect(tracer_blocage, dispatch_uid="hn_comptes_blocage")
