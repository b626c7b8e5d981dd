"""Fault: the Celery worker killed (SIGKILL) in the middle of the deadline sweep (issue 17,
item 9).

Real worker processes (``tests/fautes/travailleur.py``) consume the sweep from a Redis of the
test's own, on 01/01/2023 (the end of HOP'EN): due dossiers to refuse implicitly, accepted
dossiers whose open domaines the end of the programme closes (a ledger line each). The first
worker is killed in the middle of a refusal's transaction, the second in the middle of an end of
programme's; a third runs the next sweep (what beat sends every 15 minutes). Every dossier ends
handled exactly once (one trace, one ledger line, its notifications once) and none is missed.
The workers share the test database, so PostgreSQL only (a SQLite test database is private to
the test process).
"""

import signal
import subprocess
from collections import Counter

import pytest
from django.db import OperationalError, transaction

from dossiers.enums import Etat, SuiviDomaine
from dossiers.models import DomaineDossier, Dossier
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from hn.taches.models import ExecutionTache, Statut
from hn.taches.tasks import run_deadlines
from tests.dossiers_factories import depose
from tests.fautes.outils import (
    RACINE,
    arreter,
    attendre,
    django_env,
    python,
    url_base,
)
from tests.indicateurs import aides as a

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.xdist_group("fautes"),
]

MAINTENANT = "2023-01-01T10:00:00+01:00"  # HOP'EN's end: targets were due before this day
DUS, REFUSES_AVANT = 6, 3  # due dossiers; refused by the first worker before it is killed
EN_SUIVI, CLOS_AVANT = 3, 1  # accepted dossiers; closed by the second worker before its kill
TRAVAILLEUR = RACINE / "tests" / "fautes" / "travailleur.py"


@pytest.fixture
def travailleurs(redis_broker, tmp_path):
    lances = []

    def lancer(bloque=""):
        env = django_env(
            database_url=url_base(),
            var_dir=tmp_path / "var",
            redis_url=redis_broker.url,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            HN_FAUTES_MAINTENANT=MAINTENANT,
            HN_FAUTES_BLOQUE=bloque,
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


def verrouille(pk) -> bool:
    """Whether another transaction holds the dossier's row lock."""
    try:
        with transaction.atomic():
            Dossier.objects.select_for_update(nowait=True).filter(pk=pk).exists()
        return False
    except OperationalError:
        return True


def tuer_quand(process, condition, en_cours):
    """Kill the worker once ``condition`` holds and it hangs inside ``en_cours``'s transaction;
    the dossier's lock is then released (its transaction rolled back by PostgreSQL)."""
    assert attendre(lambda: condition() and verrouille(en_cours), delai=60), "balayage bloqué"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert attendre(lambda: not verrouille(en_cours), delai=10)


def test_worker_tue_en_plein_balayage_chaque_dossier_traite_une_fois(referentiel, travailleurs):
    premier = travailleurs(bloque=f"refus:{REFUSES_AVANT}")  # starts while the data is built
    with a.le(2022, 8, 1):
        dus = [depose().pk for _ in range(DUS)]  # four months later, refused implicitly
    with a.le(2022, 12, 15):
        pas_du = depose()
    en_suivi = [a.accepte_le((2021, 3, 1), selectionnes=("D3",)).pk for _ in range(EN_SUIVI)]
    refuses = Dossier.objects.filter(pk__in=dus, etat=Etat.REFUSE_IMPLICITE)
    clos = DomaineDossier.objects.filter(dossier__in=en_suivi, suivi=SuiviDomaine.CLOS)

    run_deadlines.delay()
    tuer_quand(premier, lambda: refuses.count() == REFUSES_AVANT, dus[REFUSES_AVANT])
    assert refuses.count() == REFUSES_AVANT  # the refusal in progress was rolled back

    second = travailleurs(bloque=f"fin:{CLOS_AVANT}")
    run_deadlines.delay()  # beat's next tick
    tuer_quand(second, lambda: clos.count() == CLOS_AVANT, en_suivi[CLOS_AVANT])
    assert (refuses.count(), clos.count()) == (DUS, CLOS_AVANT)

    travailleurs()
    run_deadlines.delay()
    termine = ExecutionTache.objects.filter(nom="echeances", fin__isnull=False)
    assert attendre(termine.exists, delai=60)

    reprise = termine.get()
    assert reprise.statut == Statut.REUSSIE, reprise.erreurs
    # Nothing redone: the last run did only what the killed ones had not committed.
    assert reprise.compteurs["refus_implicite"]["traites"] == 0
    assert reprise.compteurs["fin_programme"]["traites"] == EN_SUIVI - CLOS_AVANT
    interrompus = ExecutionTache.objects.filter(nom="echeances", statut=Statut.EN_COURS)
    assert interrompus.count() == 2  # the killed runs
    # None missed.
    assert refuses.count() == DUS and clos.count() == EN_SUIVI
    assert Dossier.objects.get(pk=pas_du.pk).etat == Etat.DEPOSE
    # Exactly once: one trace per dossier, one ledger line per closed domaine.
    traces = Counter(
        Evenement.objects.filter(
            action__in=("dossier_refuse_implicitement", "domaine_clos_fin_programme")
        ).values_list("objet_id", flat=True)
    )
    assert traces == Counter({str(pk): 1 for pk in dus + en_suivi})
    liberations = Counter(
        MouvementEnveloppe.objects.filter(
            dossier__in=en_suivi, nature=Nature.LIBERATION
        ).values_list("dossier_id", flat=True)
    )
    assert liberations == Counter(dict.fromkeys(en_suivi, 1))
    # Each event notified (keyed by its trace, so never twice), none lost with the kills.
    cles = {f"evenement:{pk}" for pk in Evenement.objects.filter(
        action__in=("dossier_refuse_implicitement", "domaine_clos_fin_programme")
    ).values_list("pk", flat=True)}  # fmt: skip
    assert set(Notification.objects.filter(cle__in=cles).values_list("cle", flat=True)) == cles
