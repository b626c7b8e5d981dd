"""Two sweeps at the same instant on PostgreSQL: each due dossier is processed exactly once."""

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection

from dossiers.enums import Etat
from dossiers.models import Dossier
from hn.dates import PARIS
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from hn.taches.echeances import balayer
from tests import factories as f
from tests.dossiers_factories import depose

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_sweeps_process_each_dossier_once(referentiel):
    etab = f.EtablissementFactory()
    f.es_gestionnaire(etab)
    with time_machine.travel(datetime(2026, 1, 12, 10, tzinfo=PARIS), tick=False):
        dues = [depose() for _ in range(12)]
    demandes_traces = Evenement.objects.count()

    barrier = threading.Barrier(2)
    results, failures = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(balayer())
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    with time_machine.travel(datetime(2026, 5, 13, 6, tzinfo=PARIS), tick=True):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    assert not failures
    assert len(results) == 2
    refused = [r["refus_implicite"] for r in results]
    assert sum(b.traites for b in refused) == len(dues)
    assert all(b.erreurs == [] for r in results for b in r.values())
    assert set(
        Dossier.objects.filter(pk__in=[d.pk for d in dues]).values_list("etat", flat=True)
    ) == {Etat.REFUSE_IMPLICITE}
    traces = Evenement.objects.filter(action="dossier_refuse_implicitement")
    assert traces.count() == len(dues)
    assert Evenement.objects.count() == demandes_traces + len(dues)
    # One notification per event and recipient, whichever sweep created it.
    per_event = Notification.objects.filter(cle__startswith="evenement:")
    assert per_event.count() == per_event.values("cle", "destinataire").distinct().count()
    assert (
        sum(b.notifications for b in refused)
        == per_event.filter(cle__in=[f"evenement:{t.pk}" for t in traces]).count()
    )
