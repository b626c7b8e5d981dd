"""Integration: a real Celery worker consuming a real Redis broker (issue 4).

Each test starts its own ``redis-server`` and worker (tests/broker.py), so that Redis can also be
stopped and restarted to test an outage.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from dossiers.enums import Etat
from dossiers.models import Dossier
from hn.notifications.models import Notification, StatutCourriel
from hn.taches.models import ExecutionTache
from hn.taches.tasks import run_deadlines
from tests import broker
from tests import factories as f
from tests.dossiers_factories import depose, valideur_de
from tests.fautes.outils import attendre

pytestmark = pytest.mark.django_db(transaction=True)


def due_dossier():
    """Deposited five months ago: its four months have run out today."""
    with time_machine.travel(timezone.now() - timedelta(days=150), tick=False):
        return depose()


def test_worker_refuses_a_due_dossier_through_the_broker(referentiel, redis_broker):
    dossier = due_dossier()
    not_due = depose()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    mail.outbox.clear()

    with broker.worker():
        run_deadlines.delay()  # what beat sends
        assert attendre(
            lambda: ExecutionTache.objects.filter(nom="echeances", fin__isnull=False).exists()
        )

    run = ExecutionTache.objects.get(nom="echeances")
    assert run.mode == "celery"  # consumed from Redis by the worker, not run eagerly
    assert run.compteurs["refus_implicite"]["traites"] == 1
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.REFUSE_IMPLICITE
    assert Dossier.objects.get(pk=not_due.pk).etat == Etat.DEPOSE
    assert any(gestionnaire.email in m.to for m in mail.outbox)


def test_redis_down_the_site_serves_and_the_sweep_resumes(referentiel, redis_broker, client):
    dossier = due_dossier()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    other = depose()
    other_manager = f.es_gestionnaire(other.etablissement)
    redis_broker.stop()

    # The web app keeps serving: pages that use the cache, and an action whose e-mails are
    # queued through the broker after commit.
    client.force_login(gestionnaire)
    for url in ("/", f"/dossiers/{dossier.numero}/pages/engagements/", "/notifications/"):
        assert client.get(url).status_code == 200, url
    valideur = valideur_de(other)
    client.force_login(valideur)
    started = time.monotonic()
    response = client.post(
        f"/dossiers/{other.numero}/instruction/",
        {"etape": "reporter", "commentaire": "Merci de compléter."},
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 10
    assert Dossier.objects.get(pk=other.pk).etat == Etat.REPORTE
    pending = Notification.objects.filter(
        destinataire=other_manager, courriel_statut=StatutCourriel.A_ENVOYER
    )
    assert pending.exists()  # waiting in the outbox, not lost

    # Redis is back: beat's next message is consumed, the sweep runs, the outbox is sent.
    redis_broker.start()
    broker.reset_broker_connections()
    mail.outbox.clear()
    with broker.worker():
        run_deadlines.delay()
        assert attendre(
            lambda: ExecutionTache.objects.filter(nom="echeances", fin__isnull=False).exists()
        )
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.REFUSE_IMPLICITE
    assert not pending.exists()
    assert any(other_manager.email in m.to for m in mail.outbox)


def test_the_synthesis_pdf_is_produced_by_the_worker(referentiel, redis_broker, client, settings):
    """A request queues the production and answers the waiting page; the worker renders and
    stores the PDF and notifies the requester; the next request downloads it."""
    from tests.enveloppes import donnees

    donnees.scenario_hopen_84()
    url = "/enveloppes/HOPEN/84/synthese/2021/pdf/"
    lecteur = f.ars_lecteur("84")
    client.force_login(lecteur)
    assert client.get(url).status_code == 202  # queued in Redis, no worker yet
    assert client.get(url).status_code == 202  # a reload does not queue it twice

    with broker.worker():
        assert attendre(lambda: Notification.objects.filter(destinataire=lecteur).exists())
    notification = Notification.objects.get(destinataire=lecteur)
    assert notification.lien == url and notification.categorie == "document"
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_broker_down_the_synthesis_pdf_is_produced_in_the_request(
    referentiel, redis_broker, client
):
    from tests.enveloppes import donnees

    donnees.scenario_hopen_84()
    redis_broker.stop()  # no broker, no cache
    client.force_login(f.ars_lecteur("84"))
    started = time.monotonic()
    pdf = client.get("/enveloppes/HOPEN/84/synthese/2021/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert time.monotonic() - started < 20
