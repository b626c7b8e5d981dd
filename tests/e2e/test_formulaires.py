"""Issue 19: in a real browser, the ES types its contacts with one wrong e-mail address and
saves; the page comes back with everything typed and the message at that address."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dossiers.models import Contact
from tests import dossiers_factories as d
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e


SAISIE = {
    "contacts.contact.nom": "Jeanne Martin",
    "contacts.contact.fonction": "Cheffe de projet",
    "contacts.contact.email": "jeanne.martin@",
    "contacts.contact.telephone": "04 00 00 00 01",
    "contacts.responsable_projet.nom": "Paul Durand",
    "contacts.responsable_projet.email": "paul.durand@ch.test",
    "commentaire_contacts": "Équipe au complet.",
}


def test_contacts_page_keeps_every_value_and_says_which_email_is_wrong(
    live_server, page, referentiel
):
    dossier, gestionnaire = d.complet()
    se_connecter(page, live_server, gestionnaire.username, f.PASSWORD)
    page.goto(live_server.url + reverse("dossiers:page", args=[dossier.numero, "contacts"]))
    for nom, valeur in SAISIE.items():
        page.locator(f"[name='{nom}']").fill(valeur)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer cette page").click()

    for nom, valeur in SAISIE.items():
        expect(page.locator(f"[name='{nom}']")).to_have_value(valeur)
    email = page.locator("[name='contacts.contact.email']")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Adresse électronique invalide.")
    groupe = page.locator(".fr-input-group--error", has=email)
    expect(groupe.locator(".fr-error-text")).to_have_text("Adresse électronique invalide.")
    expect(page.locator(".fr-input-group--error")).to_have_count(1)
    assert not Contact.objects.filter(nom="Jeanne Martin").exists()

    # What is shown was not saved: leaving the page asks first.
    dialogues = []
    page.once("dialog", lambda dialogue: (dialogues.append(dialogue.type), dialogue.dismiss()))
    page.get_by_role("link", name="Historique").click()
    page.wait_for_timeout(500)
    assert dialogues == ["beforeunload"]
    expect(page.locator("[name='contacts.contact.nom']")).to_have_value("Jeanne Martin")
