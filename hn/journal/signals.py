"""Logins, logouts and failed logins are traced."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from hn.journal.services import tracer


@receiver(user_logged_in)
def _connexion(sender, request, user, **kwargs):
    tracer("connexion", acteur=user, objet=user)


@receiver(user_logged_out)
def _deconnexion(sender, request, user, **kwargs):
    if user is not None:
        tracer("deconnexion", acteur=user, objet=user)


@receiver(user_login_failed)
def _echec(sender, credentials, request=None, **kwargs):
    tracer(
        "connexion_echouee", commentaire=f"identifiant : {credentials.get('username', '')}"[:200]
    )
