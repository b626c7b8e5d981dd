"""Celery tasks of the deadline sweep. The same body runs under a worker (Redis), eagerly in
``make run``'s embedded scheduler, and from ``manage.py run_deadlines``. (The e-mail outbox's
task is ``hn.notifications.tasks``.)"""

from celery import shared_task
from django.db import DatabaseError

from hn.taches import exports
from hn.taches.echeances import corps_echeances
from hn.taches.execution import executer, mode


@shared_task(
    bind=True,
    name="hn.echeances",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def run_deadlines(self):
    _run, compteurs = executer("echeances", corps_echeances, mode(self))
    return compteurs


@shared_task(name="hn.export", acks_late=True)
def produire_export(export_id: str):
    """A background export (``hn.taches.exports.produire``: its failures are recorded on the
    export, not raised)."""
    export = exports.produire(export_id)
    return export.statut if export is not None else None
