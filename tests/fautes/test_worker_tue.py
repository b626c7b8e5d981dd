"""Fault: the Celery worker killed (SIGKILL) in the middle of the deadline sweep (issue 17,
item 9).

A real worker process (``tests/fautes/travailleur.py``) consumes the sweep from a Redis of the
test's own and refuses many due dossiers; it is killed half-way, in the middle of a dossier's
transaction. A new worker runs the next sweep (what beat sends every 15 minutes): every due
dossier ends refused exactly once (one trace, its notifications once) and none is missed. The
worker shares the test database, so PostgreSQL only (a SQLite test database is private to the
test process).
"""

import signal
import subprocess
from collections import Counter
from datetime import timedelta

import kombu.pools
import pytest
import time_machine
from django.db import OperationalError, transaction
from django.utils import timezone

from dossiers.enums import Etat
from dossiers.models import Dossier
from hn.celery import app
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from hn.taches.models import ExecutionTache, Statut
from hn.taches.tasks import run_deadlines
from tests.dossiers_factories import depose
from tests.fautes.outils import (
    RACINE,
    RedisServer,
    arreter,
    attendre,
    django_env,
    python,
    url_base,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.xdist_group("fautes"),
]

NOMBRE = 8
FAITS = 3  # refused (committed) by the first worker before it is killed during the next one
TRAVAILLEUR = RACINE / "tests" / "fautes" / "travailleur.py"


@pytest.fixture
def redis():
    serveur = RedisServer()
    serveur.start()
    avant = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = serveur.url
    app.conf.task_always_eager = False
    kombu.pools.reset()
    app._after_fork()
    yield serveur
    serveur.stop()
    app.conf.broker_url, app.conf.task_always_eager = avant
    kombu.pools.reset()
    app._after_fork()


def verrouille(pk) -> bool:
    """Whether another transaction holds the dossier's row lock."""
    try:
        with transaction.atomic():
            Dossier.objects.select_for_update(nowait=True).filter(pk=pk).exists()
        return False
    except OperationalError:
        return True


@pytest.fixture
def travailleurs(redis, tmp_path):
    lances = []

    def lancer(bloque_apres=0):
        env = django_env(
            database_url=url_base(),
            var_dir=tmp_path / "var",
            redis_url=redis.url,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            HN_FAUTES_BLOQUE_APRES=bloque_apres,
        )
        journal = open(tmp_path / f"travailleur-{len(lances)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [python(), str(TRAVAILLEUR)], env=env, stdout=journal, stderr=subprocess.STDOUT
        )
        lances.append((process, journal))
        return process

    yield lancer
    for process, journal in lances:
        arreter(process, signal.SIGKILL)
        journal.close()


def test_worker_tue_en_plein_balayage_chaque_dossier_traite_une_fois(referentiel, travailleurs):
    premier = travailleurs(bloque_apres=FAITS)  # starts while the data is built
    with time_machine.travel(timezone.now() - timedelta(days=150), tick=False):
        dus = [depose().pk for _ in range(NOMBRE)]  # their four months ran out today
    pas_du = depose()
    refuses = Dossier.objects.filter(pk__in=dus, etat=Etat.REFUSE_IMPLICITE)

    run_deadlines.delay()
    assert attendre(lambda: refuses.count() == FAITS and verrouille(dus[FAITS]), delai=60)
    premier.send_signal(signal.SIGKILL)  # mid-sweep, the next dossier's transaction open
    premier.wait(timeout=10)
    assert refuses.count() == FAITS  # the one in progress was rolled back
    assert attendre(lambda: not verrouille(dus[FAITS]), delai=10)  # and its lock released
    interrompu = ExecutionTache.objects.get(nom="echeances")
    assert interrompu.fin is None and interrompu.statut == Statut.EN_COURS

    travailleurs()
    run_deadlines.delay()  # beat's next tick
    assert attendre(
        lambda: ExecutionTache.objects.filter(nom="echeances", fin__isnull=False).exists(),
        delai=60,
    )

    reprise = ExecutionTache.objects.get(nom="echeances", fin__isnull=False)
    assert reprise.statut == Statut.REUSSIE, reprise.erreurs
    assert reprise.compteurs["refus_implicite"]["traites"] == NOMBRE - FAITS  # none redone
    assert refuses.count() == NOMBRE  # none missed
    assert Dossier.objects.get(pk=pas_du.pk).etat == Etat.DEPOSE
    traces = Counter(
        Evenement.objects.filter(action="dossier_refuse_implicitement").values_list(
            "objet_id", flat=True
        )
    )
    assert traces == Counter({str(pk): 1 for pk in dus})  # exactly one trace per dossier
    # Each refusal notified (keyed by its trace, so never twice), none lost with the kill.
    cles = {f"evenement:{pk}" for pk in Evenement.objects.filter(
        action="dossier_refuse_implicitement").values_list("pk", flat=True)}  # fmt: skip
    notifies = set(Notification.objects.filter(cle__in=cles).values_list("cle", flat=True))
    assert notifies == cles
