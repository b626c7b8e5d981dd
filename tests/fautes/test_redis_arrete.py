"""Fault: Redis (cache and broker) stopped while people work (issue 17, item 9).

The cache and the broker are a Redis of the test's own (never the shared one), stopped in the
middle of the test: pages and API keep serving (``hn.cache.RedisCacheTolerante``), the actions
that notify succeed and their e-mails wait in the outbox; once Redis is back, the periodic
e-mail task (what beat sends every 5 minutes), consumed by a real Celery worker, sends each of
them exactly once.
"""

import time
from collections import Counter

import pytest
from django.core import mail

from dossiers.enums import Etat
from dossiers.models import Dossier
from hn.comptes.jetons import creer_jeton
from hn.notifications.models import Notification, StatutCourriel
from hn.notifications.tasks import envoyer_courriels
from hn.taches.models import ExecutionTache
from tests import broker
from tests import factories as f
from tests.dossiers_factories import depose, valideur_de
from tests.fautes.outils import attendre

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("fautes")]


def courriels_par_destinataire() -> Counter:
    return Counter((m.to[0], m.subject) for m in mail.outbox)


def test_redis_arrete_le_site_sert_et_les_courriels_attendent_puis_partent_une_fois(
    referentiel, redis_broker, client
):
    dossier, autre = depose(), depose()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    autre_gestionnaire = f.es_gestionnaire(autre.etablissement)
    valideur = valideur_de(dossier)
    jeton = creer_jeton(valideur)
    # Warm the cache while Redis is up, so that the outage hits keys that exist.
    client.force_login(gestionnaire)
    assert client.get("/").status_code == 200
    mail.outbox.clear()

    redis_broker.stop()
    assert not redis_broker.repond()

    # Pages (they read and write the cache: presence, menus) and the API keep serving, fast.
    debut = time.monotonic()
    for url in ("/", f"/dossiers/{dossier.numero}/pages/engagements/", "/notifications/"):
        assert client.get(url).status_code == 200, url
    api = {"HTTP_AUTHORIZATION": f"Token {jeton}"}
    assert client.get("/api/v1/dossiers/", **api).status_code == 200
    assert client.get(f"/api/v1/dossiers/{dossier.numero}/", **api).status_code == 200

    # Two actions that notify and queue their e-mails after commit: one through the pages,
    # one through the API. Both succeed; the e-mails wait in the outbox.
    client.force_login(valideur)
    reponse = client.post(
        f"/dossiers/{dossier.numero}/instruction/",
        {"etape": "reporter", "commentaire": "Merci de compléter."},
    )
    assert reponse.status_code == 302
    client.logout()
    reponse = client.post(
        f"/api/v1/dossiers/{autre.numero}/transitions/reporter/",
        {"commentaire": "Pièce manquante."},
        content_type="application/json",
        **api,
    )
    assert reponse.status_code == 200, reponse.content
    assert time.monotonic() - debut < 20  # no request hangs on the dead Redis
    assert Dossier.objects.filter(pk__in=[dossier.pk, autre.pk], etat=Etat.REPORTE).count() == 2
    en_attente = Notification.objects.filter(courriel_statut=StatutCourriel.A_ENVOYER)
    attendus = {(n.destinataire.email, n.titre) for n in en_attente.select_related("destinataire")}
    assert {gestionnaire.email, autre_gestionnaire.email} <= {e for e, _ in attendus}
    assert mail.outbox == []  # nothing sent, nothing lost

    # Redis is back: beat's next "courriels" message is consumed by a worker.
    redis_broker.start()
    broker.reset_broker_connections()
    with broker.worker():
        envoyer_courriels.delay()
        assert attendre(lambda: ExecutionTache.objects.filter(fin__isnull=False).exists())
        # A second periodic run finds nothing left to send.
        envoyer_courriels.delay()
        assert attendre(lambda: ExecutionTache.objects.filter(fin__isnull=False).count() == 2)

    assert not en_attente.exists()
    envoyes = courriels_par_destinataire()
    assert set(envoyes) == {(e, f"[Financement HN / HOP'EN] {t}") for e, t in attendus}
    assert set(envoyes.values()) == {1}  # each e-mail exactly once
    runs = ExecutionTache.objects.filter(nom="courriels").order_by("debut")
    assert [r.mode for r in runs] == ["celery", "celery"]
    assert [r.compteurs["courriels"]["envoyes"] for r in runs] == [len(attendus), 0]
