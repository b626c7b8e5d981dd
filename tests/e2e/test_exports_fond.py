"""A background export in Chromium (issue 16): the national pilot asks for the dossier list's
CSV above the threshold, follows the progress bar (polled by static/hn/export.js) to its end
and downloads the file — under the production CSP, with no serious axe-core violation."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from hn.taches import exports
from hn.taches.models import Export
from tests import factories as f
from tests.dossiers_factories import en_saisie
from tests.e2e.conftest import se_connecter
from tests.e2e.parcours import AXE, GRAVES

pytestmark = pytest.mark.e2e

MOT_DE_PASSE = "Un-mot-de-passe-solide-2026"


def test_the_pilot_exports_the_dossiers_in_the_background(live_server, page, referentiel, settings):
    settings.EXPORTS_SEUIL = 2  # three dossiers: above it
    valideur = f.ars_valideur("84")
    for _ in range(3):
        en_saisie(f.EtablissementFactory(), valideur=valideur)
    pilote = f.pilote_national()
    pilote.set_password(MOT_DE_PASSE)
    pilote.save()
    se_connecter(page, live_server, pilote.username, MOT_DE_PASSE)

    page.goto(f"{live_server.url}/dossiers/")
    page.get_by_role("button", name="Exporter la liste (CSV)").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("#export-etat")).to_contain_text("En attente")
    expect(page.get_by_role("link", name="Actualiser")).to_be_hidden()  # the script polls
    violations = [v["id"] for v in AXE.run(page).response["violations"] if v["impact"] in GRAVES]
    assert violations == []

    assert exports.traiter_en_attente() == 1  # the embedded scheduler's turn
    expect(page.locator("#export-progression")).to_have_attribute("value", "100")
    expect(page.locator("#export-etat")).to_contain_text("Prêt : 3 lignes")
    bouton = page.get_by_role("link", name=re.compile("Télécharger"))
    expect(bouton).to_be_visible()
    with page.expect_download() as telechargement:
        bouton.click()
    fichier = telechargement.value
    assert fichier.suggested_filename.startswith("dossiers-")
    with open(fichier.path(), encoding="utf-8-sig") as contenu:
        lignes = list(csv.reader(io.StringIO(contenu.read()), delimiter=";"))
    assert lignes[0][0] == "Numéro" and len(lignes) == 4
    assert Export.objects.get().demandeur == pilote
