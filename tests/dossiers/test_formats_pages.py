"""French numbers and words on the pages (issue 19, points 7 and 8)."""

import pytest
from django.urls import reverse

from dossiers.saisie import enregistrer_saisie
from tests import dossiers_factories as d

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def test_instruction_page_shows_indicator_values_in_french(client):
    """« 100.00 » for an existence indicator declared « oui », « 95.00 » for a rate."""
    dossier = d.depose(code="HOPEN")
    client.force_login(d.valideur_de(dossier))
    html = client.get(reverse("dossiers:instruction", args=[dossier.numero])).content.decode()
    section = html.split('id="validation-prerequis"')[1].split("</section>")[0]
    assert f"P1.1 : 95,0{NBSP}%" in section
    assert "P1.2 : Oui" in section
    assert "100.00" not in section and "95.00" not in section


def test_instruction_page_shows_amounts_in_french(client):
    dossier = d.prerequis_acceptes(d.depose(code="HOPEN"))
    client.force_login(d.valideur_de(dossier))
    html = client.get(reverse("dossiers:instruction", args=[dossier.numero])).content.decode()
    section = html.split('id="validation-domaines"')[1].split("</section>")[0]
    assert f"{NBSP}€" in section
    assert " €" not in section.replace(f"{NBSP}€", "")


def test_deposer_page_says_complete_it_for_one_missing_item(client):
    dossier, gestionnaire = d.complet()
    enregistrer_saisie(dossier=dossier, data={"motivation": ""}, acting_user=gestionnaire)
    client.force_login(gestionnaire)
    html = client.get(reverse("dossiers:deposer", args=[dossier.numero])).content.decode()
    assert "1 information obligatoire manquante" in html
    assert "Complétez-la puis déposez à nouveau." in html


def test_programme_page_hides_source_annotations_and_has_accents(client):
    dossier = d.en_saisie()
    client.force_login(d.valideur_de(dossier))
    html = client.get(reverse("referentiel:programme", args=["HOPEN"])).content.decode()
    assert "numéro absent du texte source" not in html
    assert "[003" not in html and "§5.3" not in html
    assert "Texte de référence : Instruction DGOS 2019 de lancement du programme HOP'EN" in (
        html.replace("&#x27;", "'")
    )
    assert "Échange et partage" in html
    assert f"95,0{NBSP}%" in html or f"90,0{NBSP}%" in html
