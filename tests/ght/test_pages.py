"""The ES's request form of the dossiers list (SPEC §10): the GHT's établissements as
checkboxes for its support only, what was ticked kept when refused with the message at the
members, and the ARS's pending requests naming the GHT and its candidates."""

import pytest
from django.urls import reverse

from dossiers import actions
from dossiers.models import DemandeInitialisation
from tests import factories as f
from tests.formulaires import document, message_au_champ, valeur
from tests.ght.aides import CODE, demander_ght, monde_ght

pytestmark = pytest.mark.django_db


def test_the_support_ticks_members_and_a_refusal_keeps_them_with_the_message(client):
    monde = monde_ght(3)
    m1, m2, m3 = monde.membres
    actions.initialiser_dossier(  # m2 already a candidate in its own dossier
        programme=monde.programme, etablissement=m2, nom="", acting_user=monde.valideur
    )
    client.force_login(monde.gestionnaire)
    doc = document(client.get(reverse("dossiers:liste")))
    cases = doc.xpath('//input[@name="membres"]/@value')
    assert sorted(cases) == sorted([monde.support.finess, m1.finess, m2.finess, m3.finess])

    choix = {"finess": monde.support.finess, "programme": CODE, "membres": [m1.finess, m2.finess]}
    doc = document(client.post(reverse("dossiers:demander"), choix, follow=True))
    assert valeur(doc, "membres", valeur_case=m1.finess) is True
    assert valeur(doc, "membres", valeur_case=m2.finess) is True
    assert valeur(doc, "membres", valeur_case=m3.finess) is False
    message = message_au_champ(doc, "membres", valeur_case=m1.finess)
    assert "un seul dossier par programme" in message and m2.finess in message
    assert not DemandeInitialisation.objects.exists()

    choix["membres"] = [m1.finess, m3.finess]
    client.post(reverse("dossiers:demander"), choix)
    demande = DemandeInitialisation.objects.get()
    assert sorted(e.finess for e in demande.membres.all()) == [m1.finess, m3.finess]


def test_no_member_boxes_for_an_etablissement_that_is_no_support(client):
    monde = monde_ght(1)
    client.force_login(f.es_gestionnaire(monde.membres[0]))
    doc = document(client.get(reverse("dossiers:liste")))
    assert doc.xpath('//input[@name="membres"]') == []


def test_the_ars_pending_requests_name_the_ght_and_its_candidates(client):
    monde = monde_ght(2)
    demander_ght(monde, monde.membres)
    client.force_login(monde.valideur)
    page = client.get(reverse("dossiers:liste")).content.decode()
    assert f"{monde.ght.nom} : {monde.membres[0].finess}, {monde.membres[1].finess}" in page
    demande = DemandeInitialisation.objects.get()
    page = client.get(reverse("dossiers:initialiser") + f"?demande={demande.pk}").content.decode()
    assert 'id="demande-ght"' in page and monde.membres[1].finess in page
