"""The DGOS's pilotage journey in a real browser (issue 16): the national dashboard (axe
passes), a bar of the dossiers chart down to the filtered list showing that many rows, then a
redeployment between two régions seen on both envelope pages and on the dashboard, and an export
of the dossiers run in the background, followed on its progress bar (polled by
static/hn/export.js, under the production CSP) and downloaded."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from dossiers.enums import Etat
from hn.dates import aujourd_hui
from hn.taches import exports
from hn.taches.models import Export
from tests import factories as f
from tests.e2e.conftest import se_connecter
from tests.e2e.parcours import AXE, GRAVES
from tests.pilotage.test_chiffres import creer_dossier
from tests.pilotage.test_pages import spec

pytestmark = pytest.mark.e2e
NB = "\u00a0"


def test_the_dgos_reads_the_dashboard_follows_a_bar_redeploys_and_exports(
    live_server, page, referentiel, settings
):
    settings.EXPORTS_SEUIL = 2  # the 6 dossiers of the list are exported in the background
    jour = aujourd_hui()
    for s in [
        spec("84", Etat.DEPOSE, echeance=3),
        spec("84", Etat.DEPOSE, echeance=20),
        spec("84", Etat.DEPOSE, echeance=40),
        spec("84", Etat.ACCEPTE, domaines=[("D2", True, "cibles")]),
        spec("11", Etat.DEPOSE, echeance=2),
        spec("11", Etat.REFUSE_IMPLICITE),
    ]:
        creer_dossier(s, jour)
    pilote = f.pilote_national()
    se_connecter(page, live_server, pilote.username, f.PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. The menu's "Pilotage", the HOP'EN tab: the summary first, then the charts.
    page.locator("#navigation-principale").get_by_role("link", name="Pilotage").click()
    page.get_by_role("navigation", name="Programmes").get_by_role("link", name="HOPEN").click()
    page.wait_for_url(f"{live_server.url}/pilotage/HOPEN/")
    assert page.locator(".hn-tuile-valeur").first.inner_text() == "6"
    graphique = page.get_by_role("group", name="Dossiers par région, par état")
    expect(graphique).to_be_visible()
    assert graphique.get_attribute("aria-labelledby")
    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in GRAVES]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    page.screenshot(path=str(settings.BASE_DIR / "var" / "e2e-pilotage.png"), full_page=True)

    # 2. The "Déposé" bar of Auvergne-Rhône-Alpes: the list of exactly its 3 dossiers.
    barre = page.locator("#graphique-instruction a[href*='region=84'][href*='etat=depose'] rect")
    assert barre.get_attribute("data-valeur") == "3"
    barre.click()
    page.wait_for_url("**/dossiers/?programme=HOPEN&region=84&etat=depose")
    assert page.locator("#nombre-dossiers").inner_text() == "3 dossiers"
    liste = page.locator("table", has=page.locator("caption", has_text="Dossiers de votre"))
    assert liste.locator("tbody tr").count() == 3

    # 3. The redeployment page of the 84 envelope: 1 000 € to Île-de-France, confirmed.
    page.goto(f"{live_server.url}/enveloppes/HOPEN/84/redeployer/")
    page.get_by_label("Enveloppe qui reçoit le montant").select_option("11")
    page.get_by_label("Montant redéployé (€)").fill("1000")
    page.get_by_label("Motif").fill("Rééquilibrage national de fin d'année.")
    page.get_by_role("button", name="Redéployer").click()
    modale = page.locator("#modale-confirmation")
    modale.get_by_role("button", name="Confirmer le redéploiement").click()
    page.wait_for_url(f"{live_server.url}/enveloppes/HOPEN/84/")
    assert page.locator("#situation-redeploye td").inner_text() == f"-1{NB}000,00{NB}€"
    page.goto(f"{live_server.url}/enveloppes/HOPEN/11/")
    assert page.locator("#situation-redeploye td").inner_text() == f"1{NB}000,00{NB}€"

    # 4. The dashboard follows the ledger at once (its cache is keyed on the last line).
    page.goto(f"{live_server.url}/pilotage/HOPEN/")
    page.get_by_role(
        "button", name="Tableau : Enveloppes : engagé, versé et disponible (€)"
    ).click()
    ligne = page.locator("#table-finances tbody tr", has_text="Auvergne-Rhône-Alpes")
    redeploye = ligne.locator("td").nth(1)
    redeploye.wait_for(state="visible")  # the accordion opened
    assert redeploye.inner_text() == f"-1{NB}000"

    # 5. The regional dashboard of Auvergne-Rhône-Alpes from its row: axe passes there too.
    page.locator("#table-finances").get_by_role("link", name="Auvergne-Rhône-Alpes").click()
    page.wait_for_url(f"{live_server.url}/pilotage/HOPEN/84/")
    assert page.get_by_role("img", name="Région Auvergne-Rhône-Alpes et moyenne nationale").count()
    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in GRAVES]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations]

    # 6. The dossiers list's export, above the threshold: a background task with its progress
    # bar (the embedded scheduler's turn runs it), then the download.
    page.goto(f"{live_server.url}/dossiers/?programme=HOPEN")
    page.get_by_role("button", name="Exporter la liste (CSV)").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("#export-etat")).to_contain_text("En attente")
    expect(page.get_by_role("link", name="Actualiser")).to_be_hidden()  # the script polls
    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in GRAVES]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    assert exports.traiter_en_attente() == 1
    expect(page.locator("#export-progression")).to_have_attribute("value", "100")
    expect(page.locator("#export-etat")).to_contain_text("Prêt : 6 lignes")
    bouton = page.get_by_role("link", name=re.compile("Télécharger"))
    with page.expect_download() as telechargement:
        bouton.click()
    fichier = telechargement.value
    assert fichier.suggested_filename.startswith("dossiers-")
    with open(fichier.path(), encoding="utf-8-sig") as contenu:
        lignes = list(csv.reader(io.StringIO(contenu.read()), delimiter=";"))
    assert lignes[0][0] == "Numéro" and len(lignes) == 7
    assert Export.objects.get().demandeur == pilote
