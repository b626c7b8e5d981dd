"""The audit journey in a real browser (SPEC §8): the CMSI draws the year's sample and
rechecks it, designates an ARS auditor, who fills the control grid from « Mes audits » and
concludes non conforme; the ES answers; the CMSI closes the dossier for false declaration
(confirmed in the modal); the envelope page shows the repayment due."""

import re

import pytest

from audits.models import Audit
from dossiers.enums import Etat
from indicateurs import suivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.audits import aides as au
from tests.e2e.conftest import se_connecter
from tests.e2e.parcours import Parcours
from tests.indicateurs import aides as a

pytestmark = pytest.mark.e2e


@pytest.fixture
def campagne(referentiel):
    """A HOP'EN dossier of région 84 accepted in 2022, 50 000 € of amorçage paid on D2."""
    dossier = au.accepte((2022, 3, 1), amorcage={"D2": 50_000})
    valideur = d.valideur_de(dossier)
    with a.le(2022, 3, 15):
        suivi.verser(dossier=dossier, domaine="D2", volet="amorcage", acting_user=valideur)
    f.ars_auditeur("84", username="ars_auditeur")
    return {
        "dossier": dossier,
        "valideur": valideur.username,
        "gestionnaire": a.gestionnaire_de(dossier).username,
    }


def deconnecter(page, live_server):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")


def cocher(page, input_id):
    page.locator(f"label[for='{input_id}']").click()
    assert page.locator(f"[id='{input_id}']").is_checked()


def test_audit_journey(live_server, page, campagne):
    dossier = campagne["dossier"]
    # 1. The CMSI draws HOP'EN 2022 for the région; the page rechecks the draw.
    se_connecter(page, live_server, campagne["valideur"], f.PASSWORD)
    page.goto(f"{live_server.url}/audits/tirages/")
    page.select_option("#tirage-programme", "HOPEN")
    page.fill("#tirage-annee", "2022")
    with page.expect_navigation():
        page.get_by_role("button", name="Tirer au sort").click()
    assert "identique à l’échantillon enregistré" in page.locator("#verification").inner_text()
    # A second draw is refused at the year's field.
    page.goto(f"{live_server.url}/audits/tirages/")
    page.select_option("#tirage-programme", "HOPEN")
    page.fill("#tirage-annee", "2022")
    with page.expect_navigation():
        page.get_by_role("button", name="Tirer au sort").click()
    assert "a déjà été fait" in page.locator("#annee-erreur").inner_text()
    # 2. The CMSI designates the ARS auditor from the list.
    page.goto(f"{live_server.url}/audits/")
    page.get_by_role("link", name=dossier.numero).click()
    page.select_option("#username", "ars_auditeur")
    with page.expect_navigation():
        page.get_by_role("button", name="Désigner").click()
    assert "ars_auditeur" in page.locator("#auditeurs").inner_text()
    audit_url = page.url
    deconnecter(page, live_server)
    # 3. The auditor finds the audit from the home page, fills the grid, concludes.
    se_connecter(page, live_server, "ars_auditeur", f.PASSWORD)
    page.locator("#espace-audits").get_by_role("link", name="Mes audits").click()
    page.get_by_role("link", name=dossier.numero).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Remplir la grille de contrôle").click()
    codes = [ligne.get_attribute("data-ligne") for ligne in page.locator("tr[data-ligne]").all()]
    cocher(page, f"resultat-{codes[0]}-non_conforme")
    page.fill(f"[id='observations-{codes[0]}']", "Aucune preuve de déploiement.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la grille").click()
    # Concluding with lines left: the missing ones are listed.
    cocher(page, "conclusion-non_conforme")
    page.fill("#observations", "Le DPI n'est pas déployé.")
    with page.expect_navigation():
        page.get_by_role("button", name="Terminer l’audit").click()
    assert codes[1] in page.locator("#manquants").inner_text()
    for code in codes[1:]:
        cocher(page, f"resultat-{code}-conforme")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la grille").click()
    cocher(page, "conclusion-non_conforme")
    page.fill("#observations", "Le DPI n'est pas déployé.")
    with page.expect_navigation():
        page.get_by_role("button", name="Terminer l’audit").click()
    assert page.locator("#etat-audit").text_content() == "Phase contradictoire"
    deconnecter(page, live_server)
    # 4. The ES answers.
    se_connecter(page, live_server, campagne["gestionnaire"], f.PASSWORD)
    page.goto(audit_url)
    page.fill("#reponse", "Le DPI est en cours de déploiement.")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer la réponse").click()
    assert "en cours de déploiement" in page.locator("#reponse-es").inner_text()
    deconnecter(page, live_server)
    # 5. The CMSI closes the dossier for false declaration, confirmed in the modal.
    se_connecter(page, live_server, campagne["valideur"], f.PASSWORD)
    page.goto(audit_url)
    page.fill("#commentaire", "Fausse déclaration avérée.")
    page.get_by_role("button", name="Clore le dossier pour fausse déclaration").click()
    modale = page.locator("#modale-confirmation")
    modale.get_by_text("50 000 € d'amorçage versé à rembourser").wait_for()
    with page.expect_navigation():
        modale.get_by_role("button", name="Confirmer la clôture").click()
    assert re.sub(r"\s", " ", page.locator("#a-rembourser").inner_text()) == "50 000 €"
    audit = Audit.objects.get(dossier=dossier)
    assert audit.decision == "cloturer" and audit.dossier.etat == Etat.CLOS
    # 6. The envelope page shows the repayment due.
    page.goto(f"{live_server.url}/enveloppes/HOPEN/84/")
    texte = re.sub(r"\s", " ", page.locator("main").inner_text())
    assert re.search(r"Remboursements dus, non reçus[^0-9]*50 000", texte), texte[:2000]
    # 7. Every audit page the CMSI reads: no console error, no broken link, axe-clean.
    parcours = Parcours(page, live_server.url, "ars_valideur")
    parcours.parcourir(
        [
            "/audits/",
            "/audits/tirages/",
            f"/audits/tirages/{audit.tirage_id}/",
            f"/audits/{audit.pk}/",
            f"/audits/{audit.pk}/grille/",
        ],
        limite=5,  # these pages only (their links are still checked)
    )
    constats = [f"{c.page} — {c.quoi} : {c.detail}" for c in parcours.constats]
    assert not constats, "\n".join(constats)
    deconnecter(page, live_server)
    # 8. The national level sees the alert on its consolidated page.
    pilote = f.pilote_national()
    se_connecter(page, live_server, pilote.username, f.PASSWORD)
    page.goto(f"{live_server.url}/audits/synthese/HOPEN/{audit.tirage.annee}/")
    alerte = page.locator("#alertes-fausse-declaration")
    assert "clos pour fausse déclaration" in alerte.inner_text()
    assert dossier.numero in alerte.inner_text()
