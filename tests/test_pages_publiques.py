"""The DSFR's mandatory pages (issue 19): accessibility statement, legal notice, personal data
and cookies; linked from every page's footer, open to everyone, in the platform's words."""

import re

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

PAGES = {
    "accessibilite": "Déclaration d'accessibilité",
    "mentions_legales": "Mentions légales",
    "donnees_personnelles": "Données personnelles et cookies",
}


def _pied(html: str) -> str:
    return html[html.index('id="pied-de-page"') :]


@pytest.mark.parametrize("connecte", [False, True])
def test_every_page_links_the_three_pages_from_its_footer(client, connecte):
    if connecte:
        client.force_login(f.es_gestionnaire())
    html = client.get(reverse("home" if connecte else "login")).content.decode()
    pied = _pied(html)
    for nom in PAGES:
        assert f'href="{reverse(nom)}"' in pied
    # The DSFR asks the footer to state the compliance level itself.
    assert "Accessibilité : non conforme" in pied


@pytest.mark.parametrize(("nom", "titre"), PAGES.items())
def test_each_page_is_open_to_anonymous_visitors(client, nom, titre):
    response = client.get(reverse(nom))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{titre}</h1>" in html
    assert not re.search(r"\{[{%#]", html)


def test_the_statement_gives_the_compliance_level_and_the_remedies(client):
    html = client.get(reverse("accessibilite")).content.decode()
    assert '<strong id="etat-conformite">non conforme</strong>' in html
    assert "RGAA" in html and "Défenseur des droits" in html


def test_the_legal_notice_names_the_host_this_instance_declares(client, settings):
    html = client.get(reverse("mentions_legales")).content.decode()
    assert "n'a pas déclaré d'hébergeur" in html
    settings.HEBERGEUR = "Hébergeur Exemple SAS, 1 rue de l'Exemple, 75000 Paris"
    html = client.get(reverse("mentions_legales")).content.decode()
    assert "Hébergeur Exemple SAS, 1 rue de l&#x27;Exemple, 75000 Paris" in html


def test_an_agent_owing_the_second_factor_can_still_read_them(client, settings):
    settings.MFA_OBLIGATOIRE = True
    client.force_login(f.ars_valideur())
    assert client.get(reverse("home")).status_code == 302  # sent to the enrolment page
    for nom in PAGES:
        assert client.get(reverse(nom)).status_code == 200, nom
