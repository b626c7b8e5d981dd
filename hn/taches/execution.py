"""Run a periodic task's body and record the run (ExecutionTache) for the operations page."""

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

from hn.taches.models import ExecutionTache, Statut

logger = logging.getLogger(__name__)

CONSERVATION = dt.timedelta(days=30)


def executer(nom: str, corps: Callable[[], tuple[dict, list[str]]], mode: str):
    """``corps`` returns (counters, errors). Returns (run, counters). A crash of the body is
    recorded as a failed run and re-raised (Celery retries the task)."""
    run = ExecutionTache.objects.create(nom=nom, mode=mode, debut=timezone.now())
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
