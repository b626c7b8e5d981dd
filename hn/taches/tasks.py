"""Celery tasks. The same bodies run under a worker (Redis), eagerly in ``make run``'s
embedded scheduler, and from ``manage.py run_deadlines``."""

from celery import shared_task
from django.db import DatabaseError

from hn.taches.execution import corps_courriels, corps_echeances, executer


def _mode(task) -> str:
    return "embarqué" if task.request.is_eager else "celery"


@shared_task(
    bind=True,
    name="hn.echeances",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def run_deadlines(self):
    _run, compteurs = executer("echeances", corps_echeances, _mode(self))
    return compteurs


@shared_task(
    bind=True,
    name="hn.courriels",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def envoyer_courriels(self):
    _run, compteurs = executer("courriels", corps_courriels, _mode(self))
    return compteurs
