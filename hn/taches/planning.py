"""The periodic tasks: one table read by Celery beat, by the embedded scheduler of
``make run`` and by the operations page (next run)."""

import datetime as dt
from dataclasses import dataclass

from celery.schedules import crontab
from django.utils import timezone

from hn.dates import PARIS


@dataclass(frozen=True)
class TachePeriodique:
    nom: str  # ExecutionTache.nom
    tache: str  # Celery task name
    libelle: str
    frequence: str  # for people
    planification: crontab


PERIODIQUES = (
    TachePeriodique(
        "echeances",
        "hn.echeances",
        "Échéances : refus implicites, initialisations en retard, rappels",
        "toutes les 15 minutes",
        crontab(minute="*/15"),
    ),
    TachePeriodique(
        "courriels",
        "hn.courriels",
        "Envoi des courriels en attente et reprise des échecs",
        "toutes les 5 minutes",
        crontab(minute="*/5"),
    ),
)

PAR_NOM = {t.nom: t for t in PERIODIQUES}


def beat_schedule() -> dict:
    return {t.nom: {"task": t.tache, "schedule": t.planification} for t in PERIODIQUES}


def prochaine_execution(tache: TachePeriodique, derniere: dt.datetime | None) -> dt.datetime:
    """The first minute (Europe/Paris) the crontab fires after the last run, or after now
    when it never ran."""
    c = tache.planification
    # Step in UTC and read the Paris wall clock of each minute: the hour repeated when the
    # clocks go back (last Sunday of October) is walked through twice, in order.
    depart = (derniere or timezone.now()).astimezone(dt.UTC)
    minute = depart.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    for _ in range(366 * 24 * 60):
        local = minute.astimezone(PARIS)
        if (
            local.minute in c.minute
            and local.hour in c.hour
            and local.day in c.day_of_month
            and local.month in c.month_of_year
            and (local.weekday() + 1) % 7 in c.day_of_week
        ):
            return local
        minute += dt.timedelta(minutes=1)
    raise ValueError(f"La planification de {tache.nom} ne se déclenche jamais.")
