"""What the merge of the GHT parts had to join: the printed domaine page of a GHT dossier
shows each member's values (it printed "Aucun indicateur"), and the dépôt asks for the GHT
items only where the programme's data lists their rules (HN lists none)."""

import re

import pytest
from django.urls import reverse

from dossiers.contenu import manquants
from dossiers.saisie import enregistrer_saisie
from tests.ght.aides import initialiser_ght, monde_ght, saisie_ght
from tests.ght.argent import dossier_ght

pytestmark = pytest.mark.django_db


def test_the_print_preview_shows_each_members_domaine_values(client):
    dossier, gestionnaire, membres = dossier_ght(2, domaines=("D2",))
    client.force_login(gestionnaire)
    response = client.get(reverse("dossiers:apercu", args=[dossier.numero]))
    assert response.status_code == 200
    html = response.content.decode()
    codes = list(
        dossier.programme.indicateurs.filter(domaine__code="D2").values_list("code", flat=True)
    )
    # Each indicator's label printed once, then one row per member with one cell per
    # indicator (twelve members used to print twelve tables repeating every label).
    for code in codes:
        assert html.count(f"<strong>{code}</strong>") == 1, code
    matrice = re.search(r'<table class="hn-imp-table hn-imp-membres">.*?</table>', html, re.S)
    assert matrice, html
    entetes = re.findall(r'<th scope="col">([^<]+)</th>', matrice.group())
    assert entetes == ["Établissement candidat", *codes]
    for etab in membres:
        nom = re.escape(f"{etab.raison_sociale} ({etab.finess})")
        ligne = re.search(rf'<th scope="row">{nom}</th>(.*?)</tr>', matrice.group(), re.S)
        assert ligne and ligne.group(1).count("<td") == len(codes), etab.finess
    assert "Aucun indicateur." not in html


def test_a_programme_without_ght_rules_asks_for_no_ght_item():
    monde = monde_ght(2)
    dossier = initialiser_ght(monde, monde.membres)
    enregistrer_saisie(dossier=dossier, data=saisie_ght(dossier), acting_user=monde.gestionnaire)
    assert not any(r.get("regle", "").startswith("ght_") for r in dossier.programme.eligibilite)
    assert [m for m in manquants(dossier) if m["page_slug"] == "ght"] == []


def test_the_journal_and_the_history_name_the_members_of_a_ght_initialisation(client):
    monde = monde_ght(2)
    dossier = initialiser_ght(monde, monde.membres)
    client.force_login(monde.valideur)
    for url in (reverse("journal:liste"), reverse("dossiers:historique", args=[dossier.numero])):
        response = client.get(url)
        assert response.status_code == 200, url  # was a 500: a reverse relation has no label
        assert "Membres candidats" in response.content.decode(), url
