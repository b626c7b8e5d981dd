"""Integration: a background export through a real Redis broker and a real Celery worker
(tests/broker.py), from the list's button to the download."""

import csv
import io

import pytest

from hn.notifications.models import Notification
from hn.taches.models import Export, StatutExport
from tests import broker
from tests import factories as f
from tests.dossiers_factories import en_saisie
from tests.fautes.outils import attendre

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_produces_the_dossiers_export(referentiel, redis_broker, client, settings):
    settings.EXPORTS_SEUIL = 1
    valideur = f.ars_valideur("84")
    for _ in range(3):
        en_saisie(f.EtablissementFactory(), valideur=valideur)
    lecteur = f.ars_lecteur("84")
    client.force_login(lecteur)
    reponse = client.post("/exports/demander/", {"producteur": "dossiers", "format": "csv"})
    export = Export.objects.get()
    assert reponse["Location"] == f"/exports/{export.pk}/"
    assert export.statut == StatutExport.EN_ATTENTE  # queued in Redis, no worker yet

    with broker.worker():
        assert attendre(
            lambda: Export.objects.filter(pk=export.pk, statut=StatutExport.PRET).exists()
        )
    etat = client.get(f"/exports/{export.pk}/etat/").json()
    assert (etat["pourcentage"], etat["faites"], etat["total"]) == (100, 3, 3)
    assert Notification.objects.get(destinataire=lecteur).lien == f"/exports/{export.pk}/"
    fichier = client.get(etat["fichier"])
    contenu = b"".join(fichier.streaming_content)  # read: the test client closes the file
    lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0][0] == "Numéro" and len(lignes) == 4
