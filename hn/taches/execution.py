"""Run a periodic task's body and record the run (ExecutionTache) for the operations page."""

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

from hn.taches.models import ExecutionTache, Statut

logger = logging.getLogger(__name__)

CONSERVATION = dt.timedelta(days=30)
# A run still "en cours" after this long lost its process (worker killed, machine stopped): the
# next run of the same task records it as interrupted. Its work is not lost: each item is its
# own transaction, so the next run does what the killed one had not committed. One hour is
# also the broker's visibility timeout, after which Redis hands the killed message out again.
ABANDON = dt.timedelta(hours=1)
MSG_INTERROMPUE = (
    "Interrompue : le processus s'est arrêté avant la fin ; l'exécution suivante a repris "
    "le travail restant."
)


def executer(nom: str, corps: Callable[[], tuple[dict, list[str]]], mode: str):
    """``corps`` returns (counters, errors). Returns (run, counters). A crash of the body is
    recorded as a failed run and re-raised (Celery retries the task)."""
    debut = timezone.now()
    ExecutionTache.objects.filter(
        nom=nom, statut=Statut.EN_COURS, debut__lt=debut - ABANDON
    ).update(statut=Statut.ECHEC, erreurs=[MSG_INTERROMPUE])
    run = ExecutionTache.objects.create(nom=nom, mode=mode, debut=debut)
    try:
        compteurs, erreurs = corps()
    except Exception as exc:
        run.fin = timezone.now()
        run.statut = Statut.ECHEC
        run.erreurs = [f"{type(exc).__name__}: {exc}"]
        run.save(update_fields=["fin", "statut", "erreurs"])
        raise
    run.fin = timezone.now()
    run.statut = Statut.PARTIELLE if erreurs else Statut.REUSSIE
    run.compteurs = compteurs
    run.erreurs = erreurs[:100]
    run.save(update_fields=["fin", "statut", "compteurs", "erreurs"])
    ExecutionTache.objects.filter(nom=nom, debut__lt=run.debut - CONSERVATION).delete()
    if erreurs:
        logger.warning("%s : %d erreur(s)", nom, len(erreurs))
    return run, compteurs


def mode(task) -> str:
    """How a Celery task runs, as recorded on its run."""
    return "embarqué" if task.request.is_eager else "celery"
