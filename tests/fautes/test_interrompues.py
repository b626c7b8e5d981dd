"""A run whose process died (the worker killed mid-sweep, ``test_worker_tue``) stays "en cours"
until the next run of the same task, an hour later at least, records it as interrupted."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hn.taches.execution import MSG_INTERROMPUE, executer
from hn.taches.models import ExecutionTache, Statut

pytestmark = pytest.mark.django_db


def en_cours(nom, depuis):
    return ExecutionTache.objects.create(nom=nom, mode="celery", debut=timezone.now() - depuis)


def test_la_course_suivante_clot_les_executions_interrompues():
    maintenant = timezone.now()
    with time_machine.travel(maintenant, tick=False):
        tuee = en_cours("echeances", timedelta(hours=1, minutes=1))
        recente = en_cours("echeances", timedelta(minutes=59))  # perhaps still running
        autre_tache = en_cours("courriels", timedelta(hours=3))
        run, _ = executer("echeances", lambda: ({}, []), "embarqué")

    tuee.refresh_from_db()
    assert (tuee.statut, tuee.erreurs, tuee.fin) == (Statut.ECHEC, [MSG_INTERROMPUE], None)
    assert ExecutionTache.objects.get(pk=recente.pk).statut == Statut.EN_COURS
    assert ExecutionTache.objects.get(pk=autre_tache.pk).statut == Statut.EN_COURS
    assert run.statut == Statut.REUSSIE
