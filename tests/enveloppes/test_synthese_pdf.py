"""The annual synthesis PDF is content-addressed (issue 6): rendered once per content by the task
``enveloppes.synthese_pdf``, kept in the storage, served from it until the synthesis changes.
A production that has not finished answers a waiting page; a failed one says so and is not
retried by the page's reloads. (The production through a real worker and broker, and through a
broker that is down: tests/taches/test_celery_worker.py.)"""

import datetime as dt
import io
import os

import pytest
import time_machine
from django.core.cache import cache
from pypdf import PdfReader

from enveloppes import documents
from hn.notifications.models import Notification
from tests import factories as f
from tests.enveloppes import donnees as x

pytestmark = pytest.mark.django_db

URL = "/enveloppes/HOPEN/84/synthese/2021/pdf/"


@pytest.fixture
def scenario():
    cache.clear()
    return x.scenario_hopen_84()


@pytest.fixture
def rendus(monkeypatch):
    """Counts the WeasyPrint renderings (the real ones: the PDF is still produced)."""
    appels = []
    reel = documents.rendre

    def compter(doc):
        appels.append(doc.empreinte)
        return reel(doc)

    monkeypatch.setattr(documents, "rendre", compter)
    return appels


def stockes(settings) -> list[str]:
    dossier = os.path.join(settings.STORAGES["default"]["OPTIONS"]["location"], documents.DOSSIER)
    return sorted(os.listdir(dossier)) if os.path.isdir(dossier) else []


def texte(response) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def commenter(client, valideur, numero, texte):
    client.force_login(valideur)
    response = client.post(
        "/enveloppes/HOPEN/84/synthese/2021/commentaire/", {"dossier": numero, "texte": texte}
    )
    assert response.status_code == 302


def test_rendered_once_then_served_from_the_storage(client, scenario, rendus, settings):
    client.force_login(f.ars_lecteur("84"))
    premier = client.get(URL)
    assert premier.status_code == 200 and premier["Content-Type"] == "application/pdf"
    assert len(rendus) == 1
    [nom] = stockes(settings)
    assert nom.startswith("synthese-HOPEN-84-2021-") and nom.endswith(".pdf")
    # Another reader, later: the same content, so the same bytes and no new rendering (the
    # edition time is not part of the content's key).
    with time_machine.travel(dt.timedelta(hours=3)):
        # Logged in at that time (an agent's session idle for 3 hours has expired).
        client.force_login(f.lecteur_national())
        second = client.get(URL)
    assert second.status_code == 200 and second.content == premier.content
    assert len(rendus) == 1
    assert "Synthèse annuelle 2021" in texte(second)
    assert "Édité le " in texte(second)
    assert "[[" not in texte(second)  # the edition time replaced its mark


def test_a_change_in_the_synthesis_renders_a_new_pdf_and_drops_the_old(
    client, scenario, rendus, settings
):
    client.force_login(f.ars_lecteur("84"))
    assert "Revue tenue." not in texte(client.get(URL))
    [ancien] = stockes(settings)
    commenter(client, scenario["valideur"], scenario["dossier_a"].numero, "Revue tenue.")

    client.force_login(f.ars_lecteur("84"))
    nouveau = client.get(URL)
    assert "Revue tenue." in texte(nouveau)
    assert len(rendus) == 2
    assert stockes(settings) != [ancien] and len(stockes(settings)) == 1
    # Other years and régions keep their own documents.
    assert client.get("/enveloppes/HOPEN/84/synthese/2020/pdf/").status_code == 200
    assert len(stockes(settings)) == 2


def test_a_production_under_way_answers_a_waiting_page(client, scenario, rendus, monkeypatch):
    from enveloppes import tasks

    files = []
    monkeypatch.setattr(
        tasks.produire_synthese_pdf, "delay", lambda *args: files.append(args)
    )  # the message sits in the broker's queue: no worker has taken it yet
    lecteur = f.ars_lecteur("84")
    client.force_login(lecteur)
    attente = client.get(URL)
    assert attente.status_code == 202
    html = attente.content.decode()
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "PDF en préparation" in html
    assert 'href="/enveloppes/HOPEN/84/synthese/2021/xlsx/"' in html
    assert attente["Cache-Control"] == "private, no-store"
    # The page reloads: the same production is not queued twice.
    assert client.get(URL).status_code == 202
    assert len(files) == 1 and rendus == []

    # The worker takes the message (the task's body, as a worker calls it): the PDF is
    # stored, the requester is notified.
    tasks.produire_synthese_pdf(*files[0])
    assert len(rendus) == 1
    notification = Notification.objects.get(destinataire=lecteur)
    assert notification.lien == URL and notification.titre.startswith("PDF prêt")
    assert notification.courriel_statut == "sans"  # in-app only
    pret = client.get(URL)
    assert pret.status_code == 200 and pret["Content-Type"] == "application/pdf"
    assert len(rendus) == 1


def test_a_failed_production_is_reported_and_retried_only_on_request(
    client, scenario, monkeypatch, settings
):
    echecs = []
    reel = documents.rendre

    def en_panne(doc):
        echecs.append(doc.empreinte)
        raise RuntimeError("WeasyPrint en panne")

    monkeypatch.setattr(documents, "rendre", en_panne)
    client.force_login(f.ars_lecteur("84"))
    reponse = client.get(URL)  # the task ran (eagerly) and failed
    assert reponse.status_code == 503 and reponse["Retry-After"] == "600"
    assert stockes(settings) == []  # nothing half-written
    html = reponse.content.decode()
    assert "La production du PDF a échoué" in html
    assert "http-equiv" not in html  # no automatic reload while it fails
    assert client.get(URL).status_code == 503
    assert len(echecs) == 1  # not retried by a reload

    monkeypatch.setattr(documents, "rendre", reel)  # fixed
    assert 'href="/enveloppes/HOPEN/84/synthese/2021/pdf/?reessayer=1"' in html
    reprise = client.get(URL + "?reessayer=1")
    assert reprise.status_code == 200 and reprise["Content-Type"] == "application/pdf"
    assert len(stockes(settings)) == 1
