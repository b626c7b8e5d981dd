"""The journal at 1280 px in a real browser: long values wrap inside the DSFR table, whose
last column stays entirely visible (it was clipped); the filters narrow the rows."""

import pytest
from playwright.sync_api import expect

from hn.journal.services import tracer
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e

LONG = "Déploiement du dossier patient informatisé dans tous les services " * 6


@pytest.fixture
def journal(referentiel):
    etab = f.EtablissementFactory()
    auteur = f.es_gestionnaire(etab, username="jean.gestionnaire")
    auteur.first_name, auteur.last_name = "Jean", "Gestionnaire"
    auteur.save(update_fields=["first_name", "last_name"])
    for i in range(3):
        tracer(
            "dossier_saisi",
            acteur=auteur,
            etablissement=etab,
            avant={"description_projet": "", "empreinte": "0" * 64},
            apres={"description_projet": LONG, "empreinte": "f" * 64, "cout": "68571.00"},
            commentaire=f"Dernière colonne {i} : " + LONG,
        )
    tracer("dossier_depose", acteur=auteur, etablissement=etab, commentaire="autre-action")
    return auteur


def test_the_last_column_is_not_clipped_at_1280_px(live_server, page, journal):
    page.set_viewport_size({"width": 1280, "height": 900})
    se_connecter(page, live_server, "jean.gestionnaire", f.PASSWORD)
    page.goto(f"{live_server.url}/journal/?action=dossier_saisi")
    conteneur = page.locator("#journal-table .fr-table__container")
    dimensions = conteneur.evaluate(
        "c => ({scroll: c.scrollWidth, client: c.clientWidth,"
        " right: c.getBoundingClientRect().right})"
    )
    assert dimensions["scroll"] <= dimensions["client"] + 1, dimensions
    assert dimensions["right"] <= 1280
    derniere = page.locator("#journal-table .fr-table__content > table > thead th").last
    assert derniere.inner_text() == "Commentaire"
    boite = derniere.bounding_box()
    assert boite["x"] + boite["width"] <= dimensions["right"] + 1
    assert page.locator("#journal-table .fr-table__content > table > tbody > tr").count() == 3
    expect(
        page.get_by_text("Jean Gestionnaire a modifié la saisie du dossier").first
    ).to_be_visible()
    expect(page.get_by_text("68 571 €").first).to_be_visible()
    page.screenshot(path="/tmp/journal-1280.png", full_page=True)
