"""Issue 19: every form page, submitted with an invalid value, shows again every value that was
typed and the French message at its field; nothing is saved."""

import pytest
from django.urls import reverse

from dossiers.models import Contact, Dossier
from tests import dossiers_factories as d
from tests.formulaires import document, message_au_champ, sans_erreur, valeur

pytestmark = pytest.mark.django_db


def _page(dossier, slug):
    return reverse("dossiers:page", args=[dossier.numero, slug])


def _contacts(dossier):
    return {c.type: (c.nom, c.fonction, c.email, c.telephone) for c in dossier.contacts.all()}


def test_contacts_page_keeps_what_was_typed_and_says_which_email_is_wrong(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    avant = _contacts(dossier)
    saisie = {
        "contacts.contact.nom": "Jeanne Martin",
        "contacts.contact.fonction": "Cheffe de projet",
        "contacts.contact.email": "jeanne.martin@",
        "contacts.contact.telephone": "04 00 00 00 01",
        "contacts.responsable_projet.nom": "Paul Durand",
        "contacts.responsable_projet.fonction": "DSI adjoint",
        "contacts.responsable_projet.email": "paul.durand@ch.test",
        "contacts.responsable_projet.telephone": "04 00 00 00 02",
        "commentaire_contacts": "Équipe complète.\nÀ jour.",
    }
    response = client.post(_page(dossier, "contacts"), {**saisie, "aller": "contacts"})
    assert response.status_code == 400
    doc = document(response)
    for nom, tape in saisie.items():
        assert valeur(doc, nom) == tape, nom
    assert message_au_champ(doc, "contacts.contact.email") == "Adresse électronique invalide."
    assert sans_erreur(doc, "contacts.responsable_projet.email")
    assert _contacts(Dossier.objects.get(pk=dossier.pk)) == avant
    assert not Contact.objects.filter(nom="Jeanne Martin").exists()
