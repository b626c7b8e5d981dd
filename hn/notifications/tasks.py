"""Celery task of the e-mail outbox (``hn.notifications.courriels``): queued after a commit
that created notifications, and run periodically to retry failures. Each run is recorded for
the operations page (``hn.taches.execution``)."""

from celery import shared_task
from django.db import DatabaseError

from hn.formats import compter
from hn.notifications import courriels
from hn.taches.execution import executer, mode


def corps_courriels() -> tuple[dict, list[str]]:
    envoi = courriels.envoyer()
    erreurs = [
        f"{compter(envoi.echecs, 'courriel(s) non envoyé(s)')}, nouvel essai au prochain passage"
    ]
    return {"courriels": envoi.as_dict()}, erreurs if envoi.echecs else []


@shared_task(
    bind=True,
    name="hn.courriels",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def envoyer_courriels(self):
    _run, compteurs = executer("courriels", corps_courriels, mode(self))
    return compteurs
