"""The envelope journey in a real browser (SPEC §3, §5): the ARS valideur opens its envelope
from the list, reads the figures and the charts, opens the annual synthesis, writes the CMSI's
comment on a dossier and downloads the spreadsheet, which carries the comment and the figures."""

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import se_connecter
from tests.enveloppes import donnees as x

pytestmark = pytest.mark.e2e
NB = "\u00a0"


def test_the_cmsi_reads_its_envelope_and_comments_the_annual_synthesis(
    live_server, page, referentiel
):
    s = x.scenario_hopen_84()
    numero = s["dossier_a"].numero
    attendu = x.recalcul(x.enveloppe())
    se_connecter(page, live_server, s["valideur"].username, f.PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. From the list to the envelope's page.
    page.get_by_role("link", name="Enveloppes", exact=True).click()
    page.get_by_role("link", name="Auvergne-Rhône-Alpes (84)").click()
    page.wait_for_url(f"{live_server.url}/enveloppes/HOPEN/84/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Enveloppe HOPEN — Auvergne-Rhône-Alpes (84)"
    )

    # 2. The figures, to the cent, and the charts with their accessible names.
    assert page.locator("#situation-engage td").inner_text() == x.euros_fr(attendu.engage)
    assert page.locator("#situation-disponible td").inner_text() == f"49{NB}258{NB}290,00{NB}€"
    assert page.locator("#situation-consomme_usage td").inner_text() == f"12{NB}345,67{NB}€"
    graphique = page.get_by_role(
        "img", name="Montants de l'enveloppe : engagé, consommé et disponible"
    )
    expect(graphique).to_be_visible()
    assert graphique.bounding_box()["width"] > 500
    barres = page.locator("#graphique-montants rect[data-serie]")
    assert barres.count() == 6  # envelope, engaged ×2, consumed ×2, available
    disponible = page.locator("#graphique-montants rect[data-serie=disponible]").bounding_box()
    total = page.locator("#graphique-montants rect[data-serie=total]").bounding_box()
    assert 0.9 < disponible["width"] / total["width"] < 1
    for nom in (
        "Engagé : répartition entre amorçage et usage",
        "Consommé : répartition entre amorçage et usage",
        "Engagé par statut juridique",
    ):
        expect(page.get_by_role("img", name=nom)).to_be_visible()
    assert page.locator("#anneau-engage figcaption").inner_text().count("€") == 2
    page.screenshot(path=str(settings.BASE_DIR / "var" / "e2e-enveloppe.png"), full_page=True)

    # 3. The 2021 synthesis; the CMSI writes a comment on ES A's dossier.
    page.get_by_role("link", name="Synthèse 2021").click()
    page.wait_for_url(f"{live_server.url}/enveloppes/HOPEN/84/synthese/2021/")
    assert page.locator("#synthese-engage_amorcage td").first.inner_text() == f"80{NB}000,50{NB}€"
    page.get_by_label(f"Commentaire du CMSI sur le dossier {numero}").fill(
        "Revue de projet du 15/11 : D2 financé, D3 en retard sur la prescription."
    )
    with page.expect_navigation():
        page.get_by_role("button", name=f"Enregistrer le commentaire du dossier {numero}").click()
    expect(page.get_by_text(f"Commentaire du dossier {numero} enregistré.")).to_be_visible()
    assert page.get_by_label(f"Commentaire du CMSI sur le dossier {numero}").input_value() == (
        "Revue de projet du 15/11 : D2 financé, D3 en retard sur la prescription."
    )
    expect(page.get_by_text("1 dossier commenté sur 2.")).to_be_visible()

    # 4. The spreadsheet carries the comment and the figures.
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger le tableur (XLSX)").click()
    fichier = telechargement.value
    assert fichier.suggested_filename == "synthese-HOPEN-84-2021.xlsx"
    with open(fichier.path(), "rb") as contenu:
        classeur = load_workbook(io.BytesIO(contenu.read()))
    commentaires = list(classeur["Commentaires CMSI"].iter_rows(min_row=2, values_only=True))
    assert commentaires[0][0] == numero
    assert commentaires[0][3].startswith("Revue de projet du 15/11")
    lignes = {r[0]: r[1] for r in classeur["Synthèse"].iter_rows(values_only=True) if r}
    assert lignes["Engagé — amorçage"] == pytest.approx(80_000.50)
