"""Exports in a real browser (SPEC §4 "Exports"): from a deposited dossier of the demo, the
ARS opens the print preview, which shows the dossier, and downloads the PDF."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers.enums import Etat
from dossiers.models import Dossier
from tests.e2e.conftest import charger_la_demo, se_connecter

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(referentiel):
    charger_la_demo(nombre_etablissements=40)


def test_print_preview_and_pdf_download(live_server, page, demo):
    dossier = (
        Dossier.objects.filter(etat=Etat.DEPOSE, etablissement__region__code="84")
        .order_by("numero")
        .first()
    )
    se_connecter(page, live_server, "ars_valideur", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/")
    page.get_by_role("link", name="Aperçu avant impression").click()
    page.wait_for_url(f"{live_server.url}/dossiers/{dossier.numero}/apercu/")
    apercu = page.locator("#apercu")
    assert apercu.get_by_role("heading", level=1).inner_text() == f"Dossier {dossier.numero}"
    expect(apercu.get_by_text("Instruction par l'ARS")).to_be_visible()
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    page.screenshot(path=str(settings.BASE_DIR / "var" / "e2e-apercu.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("header.fr-header")).to_be_hidden()
    expect(apercu.get_by_text(dossier.numero).first).to_be_visible()
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/")
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="PDF", exact=True).click()
    fichier = telechargement.value
    assert fichier.suggested_filename == f"{dossier.numero}.pdf"
    with open(fichier.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The accusé of the last dépôt, from the same button group.
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Accusé de dépôt").click()
    with open(telechargement.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
