"""Notifications in a real browser: an ES deposits, the ARS valideur sees the unread badge in
the header, opens the notification, lands on the instruction page, and the badge is gone; the
national level opens the operations page from the menu."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from dossiers import actions
from dossiers.saisie import enregistrer_saisie
from hn.notifications.models import Notification
from tests import dossiers_factories as d
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e


def deconnecter(page, live_server):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")


@pytest.fixture
def depot(referentiel):
    """A dossier of the CH de Vienne deposited by its gestionnaire (committed: the e-mails went
    out through the eager task)."""
    etablissement = f.EtablissementFactory(raison_sociale="CH de Vienne")
    valideur = f.ars_valideur("84", username="cmsi.ara")
    gestionnaire = f.es_gestionnaire(etablissement, username="dsi.vienne")
    f.pilote_national(username="dgos.pilote")
    dossier = d.en_saisie(etablissement, valideur=valideur)
    enregistrer_saisie(
        dossier=dossier, data=d.saisie_complete(dossier.programme), acting_user=gestionnaire
    )
    return actions.deposer(dossier=dossier, acting_user=gestionnaire)


def test_the_valideur_follows_the_depot_notification(live_server, page, depot):
    titre = f"Dossier {depot.numero} déposé"
    assert [m.subject for m in mail.outbox if m.to == ["cmsi.ara@test.localhost"]] == [
        f"[Financement HN / HOP'EN] {titre}"
    ]

    se_connecter(page, live_server, "cmsi.ara", f.PASSWORD)
    assert page.url == f"{live_server.url}/"
    badge = page.locator("#notifications-non-lues")
    expect(badge).to_be_visible()
    assert re.match(r"^1\b", badge.text_content())

    page.locator("#lien-notifications").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    ligne = page.locator("tbody tr", has_text=titre)
    assert ligne.count() == 1
    expect(ligne.get_by_text("Non lue")).to_be_visible()
    expect(ligne.get_by_text("Décision attendue au plus tard le")).to_be_visible()

    ligne.get_by_role("button", name=re.compile(r"^Ouvrir")).click()
    page.wait_for_url(f"{live_server.url}/dossiers/{depot.numero}/instruction/")
    expect(page.get_by_role("heading", name="II.2 — Validation des prérequis")).to_be_visible()
    assert page.locator("#notifications-non-lues").count() == 0

    page.locator("#lien-notifications").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    ligne = page.locator("tbody tr", has_text=titre)
    expect(ligne.get_by_text(re.compile(r"^Lue le \d\d/\d\d/\d{4}$"))).to_be_visible()
    assert ligne.get_by_text("Non lue").count() == 0
    assert page.locator("#notifications-non-lues").count() == 0
    assert page.get_by_role("button", name="Tout marquer comme lu").count() == 0
    assert Notification.objects.get(destinataire__username="cmsi.ara").lue_le is not None


def test_the_national_level_opens_the_operations_page(live_server, page, depot):
    se_connecter(page, live_server, "dgos.pilote", f.PASSWORD)
    page.locator(".fr-nav__link", has_text="Opérations").click()
    page.wait_for_url(f"{live_server.url}/operations/")
    expect(page.get_by_role("heading", level=1, name="Opérations")).to_be_visible()
    # The deposit's e-mails were sent by the outbox task, run in-process.
    derniere = page.locator("#derniere-courriels")
    assert re.match(r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$", derniere.inner_text())
    assert "planificateur intégré" in derniere.locator("xpath=..").inner_text()
    assert page.locator("#derniere-echeances").inner_text() == "Jamais exécutée."
    assert page.locator("#courriels-en-attente").inner_text() == "0"
    deconnecter(page, live_server)

    se_connecter(page, live_server, "cmsi.ara", f.PASSWORD)
    assert page.locator(".fr-nav__link", has_text="Opérations").count() == 0
