"""Money and follow-up in a real browser (issue 5): the ARS accepts with amorçage; the ES
files a report with the targets met on one of two domaines; the ARS notifies that domaine's
funding only; the envelope page shows the new figures."""

import re

import pytest
from playwright.sync_api import expect

from dossiers.enums import SuiviDomaine
from enveloppes.models import enveloppe_de
from enveloppes.templatetags.enveloppes_tags import euros
from tests import dossiers_factories as d
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e


def deconnecter(page, live_server):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")


def montant_affiche(page, attr) -> str:
    return page.locator(f"#situation-{attr} td").inner_text().strip()


def saisir_valeur(champ, indicateur, a_la_cible: bool, *, sous: str = "20"):
    """Types one value of a follow-up report: the indicator's target, or ``sous`` (Non for an
    existence indicator)."""
    if indicateur.type == "existence":
        champ.select_option("100" if a_la_cible else "0")
    else:
        champ.fill(str(indicateur.cible) if a_la_cible else sous)


def test_accept_with_amorcage_report_and_fund_one_domaine(live_server, page, referentiel):
    etab = f.EtablissementFactory()
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
    dossier = d.selection(etab, selectionnes=("D1", "D2"), domaines=("D1", "D2"))
    valideur = d.valideur_de(dossier)
    gestionnaire = f.es_gestionnaire(etab)
    enveloppe = enveloppe_de(dossier)

    # 1. The ARS accepts with an amorçage on each domaine.
    se_connecter(page, live_server, valideur.username, f.PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/instruction/")
    page.get_by_label(re.compile(r"^Amorçage D1")).fill("30000")
    page.get_by_label(re.compile(r"^Amorçage D2")).fill("40000")
    page.get_by_role("button", name="Accepter").click()
    with page.expect_navigation():
        page.locator("#modale-confirmation").get_by_role(
            "button", name="Confirmer l'acceptation"
        ).click()
    expect(page.get_by_text("Dossier accepté : ses forfaits sont engagés")).to_be_visible()
    avant = enveloppe.situation()
    assert avant.engage_amorcage == 70_000
    deconnecter(page, live_server)

    # 2. The ES files its report: every prérequis and D2 at target, D1 below.
    se_connecter(page, live_server, gestionnaire.username, f.PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/suivi/")
    for indicateur in dossier.programme.indicateurs.select_related("domaine"):
        if indicateur.domaine is not None and indicateur.domaine.code not in ("D1", "D2"):
            continue
        a_la_cible = indicateur.prerequis_id is not None or indicateur.domaine.code == "D2"
        saisir_valeur(page.locator(f"[id='valeurs.{indicateur.code}']"), indicateur, a_la_cible)
    page.locator("[id='avancements.D1']").select_option("deploiement")
    page.locator("[id='avancements.D2']").select_option("deploiement")
    page.get_by_label("Budget engagé depuis le début (€)").fill("150000")
    page.get_by_label("Ressources humaines engagées (ETP)").fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Déposer le rapport de suivi").click()
    expect(page.get_by_text("Rapport de suivi n° 1 déposé.")).to_be_visible()
    deconnecter(page, live_server)

    # 3. The ARS sees why D1 is blocked and notifies D2 only.
    se_connecter(page, live_server, valideur.username, f.PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/suivi/")
    assert page.locator("#blocages-D1").get_by_text(re.compile(r"D1\.1 : 20,0\s% déclaré")).count()
    assert page.get_by_role("button", name="Notifier le financement D1").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Notifier le financement D2").click()
    expect(page.get_by_text("Financement du domaine D2 notifié.")).to_be_visible()
    assert dossier.domaines.get(domaine__code="D2").suivi == SuiviDomaine.FINANCE
    assert dossier.domaines.get(domaine__code="D1").suivi == SuiviDomaine.SELECTIONNE

    # 4. The envelope page shows the new figures, as the ledger computes them.
    apres = enveloppe.situation()
    assert apres.engage_usage > 0 and apres.engage == avant.engage
    page.goto(f"{live_server.url}/enveloppes/{enveloppe.programme.code}/{enveloppe.region.code}/")
    for attr in ("engage", "engage_amorcage", "disponible"):
        assert montant_affiche(page, attr) == euros(getattr(apres, attr)), attr
    assert page.locator("svg").count() >= 2  # the charts
