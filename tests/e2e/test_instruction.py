"""The instruction journey in a real browser (SPEC §4): request, initialisation, multi-page
saisie, refused dépôt with the missing-field table, fix, dépôt, report with comment, amend,
re-dépôt, prérequis and domaine validation, acceptance; then a refusal read by the ES. Dépôt,
acceptance and refusal are each confirmed in a modal."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers.models import Dossier
from hn.referentiel.models import Etablissement, Programme
from tests.dossiers_factories import PDF_MINIMAL, preselectionne
from tests.e2e.conftest import charger_la_demo, se_connecter

pytestmark = pytest.mark.e2e
MOT_DE_PASSE = None


@pytest.fixture
def demo(referentiel):
    charger_la_demo(nombre_etablissements=40)


def deconnecter(page, live_server):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")


def ouvrir_page(page, titre_commence_par):
    with page.expect_navigation():
        page.locator(".fr-sidemenu__link", has_text=re.compile(titre_commence_par)).first.click()


def cocher(page, input_id):
    """DSFR draws checkboxes and radios with their label: click it, as a person does."""
    page.locator(f"label[for='{input_id}']").click()
    assert page.locator(f"[id='{input_id}']").is_checked()


def confirmer(page, bouton):
    """The irreversible acts are confirmed in a DSFR modal (issue 19)."""
    with page.expect_navigation():
        page.locator("#modale-confirmation").get_by_role("button", name=bouton).click()


def remplir_indicateurs(page, valeur_taux="95", existence="oui"):
    for ligne in page.locator("tr[data-indicateur]").all():
        if ligne.get_attribute("data-type") == "existence":
            ligne.locator("select").select_option(existence)
        else:
            ligne.locator("input[type=number]").fill(valeur_taux)


def test_full_instruction_journey(live_server, page, demo):
    hopen = Programme.objects.get(code="HOPEN")
    mdp = settings.DEMO_PASSWORD
    # HOP'EN selects through its AMI: ES A's pré-candidature is pre-selected first (SPEC §7).
    retenue = preselectionne(Etablissement.objects.get(finess="690000013"))
    retenus = [d.domaine.code for d in retenue.domaines.all()]
    # 1. The ES asks for a dossier.
    se_connecter(page, live_server, "es_gestionnaire", mdp)
    page.goto(f"{live_server.url}/dossiers/")
    page.get_by_label("Programme").first.select_option("HOPEN")
    page.get_by_role("button", name="Demander un dossier").click()
    expect(page.get_by_text("Demande transmise à l'ARS")).to_be_visible()
    deconnecter(page, live_server)

    # 2. The ARS initialises it from the pending request.
    se_connecter(page, live_server, "ars_valideur", mdp)
    page.goto(f"{live_server.url}/dossiers/")
    page.locator("#demandes").get_by_role("link", name="Initialiser").click()
    page.get_by_role("button", name="Initialiser le dossier").click()
    expect(page.get_by_text(re.compile(r"Dossier 84-\d{8}-\d{3} initialisé"))).to_be_visible()
    dossier = Dossier.objects.get(etablissement__finess="690000013", programme=hopen)
    deconnecter(page, live_server)

    # 3. The ES fills the pages, saving on each page change.
    se_connecter(page, live_server, "es_gestionnaire", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/")
    for box in page.locator("input[name=engagements]").all():
        cocher(page, box.get_attribute("id"))
    with page.expect_navigation():
        page.get_by_role("button", name="Page suivante").click()
    assert "Page 2" in page.get_by_role("heading", level=2).inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Page suivante").click()
    for type_ in ("contact", "responsable_projet"):
        page.fill(f"[id='contacts.{type_}.nom']", f"Nom {type_}")
        page.fill(f"[id='contacts.{type_}.email']", f"{type_}@ch.test")
    page.fill("[id='contacts.contact.telephone']", "0472000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Page suivante").click()
    for type_ in ("dsi", "directeur"):
        page.fill(f"[id='contacts.{type_}.nom']", f"Nom {type_}")
    page.fill("[id='contacts.dsi.email']", "dsi@ch.test")
    for _ in hopen.prerequis.all():
        with page.expect_navigation():
            page.get_by_role("button", name="Page suivante").click()
        remplir_indicateurs(page)
    # A proof on the last prérequis page: save the values first, then attach the file.
    page.get_by_role("button", name="Enregistrer cette page").click()
    page.set_input_files(
        "input[name=fichier]",
        files=[{"name": "preuve.exe.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90"}],
    )
    page.get_by_role("button", name="Joindre le fichier").click()
    erreur = page.locator(".fr-upload-group--error .fr-error-text")  # at the file field
    expect(erreur.get_by_text("Seuls les fichiers PDF ou Word sont acceptés")).to_be_visible()
    page.set_input_files(
        "input[name=fichier]",
        files=[{"name": "preuve.pdf", "mimeType": "application/pdf", "buffer": PDF_MINIMAL}],
    )
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_text("Pièce « preuve.pdf » ajoutée.")).to_be_visible()
    expect(page.get_by_role("link", name="preuve.pdf")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Page suivante").click()
    assert "Projet et domaines" in page.get_by_role("heading", level=2).inner_text()
    # The pre-selected domaines come already requested, with their target date.
    for code in retenus:
        assert page.locator(f"[id='domaines.{code}.demande']").is_checked(), code
    for code in ("D2", "D3", "D5"):
        if code not in retenus:
            cocher(page, f"domaines.{code}.demande")
        page.select_option(f"[id='domaines.{code}.avancement']", "etude")
        page.fill(f"[id='domaines.{code}.date_cible']", "2022-06-30")
    page.fill("#description_projet", "Déploiement du DPI.")
    # motivation deliberately left empty
    page.get_by_role("button", name="Enregistrer cette page").click()
    expect(page.get_by_text("Page enregistrée.")).to_be_visible()
    # Started domaines inserted their indicator pages before the cost page.
    for code in ("D2", "D3", "D5"):
        ouvrir_page(page, f"Indicateurs {code}")
        remplir_indicateurs(page, valeur_taux="10", existence="non")
        page.get_by_role("button", name="Enregistrer cette page").click()
    ouvrir_page(page, "Coût du projet")
    for code in ("D2", "D3", "D5"):
        page.fill(f"[id='domaines.{code}.cout']", "120000")
    page.get_by_role("button", name="Enregistrer cette page").click()

    # 4. Dépôt refused: the missing motivation is listed, with a link to its page.
    page.get_by_role("link", name="Déposer").click()
    manquants = page.locator("#manquants")
    expect(manquants.get_by_text("Motivation de l'établissement")).to_be_visible()
    assert manquants.locator("tbody tr").count() == 1
    manquants.get_by_role("link").first.click()
    page.fill("#motivation", "Projet porté par la CME.")
    page.get_by_role("button", name="Enregistrer cette page").click()
    page.get_by_role("link", name="Déposer").click()
    page.get_by_role("button", name="Déposer le dossier").click()
    confirmer(page, "Confirmer le dépôt")
    expect(page.get_by_text("Dossier déposé.")).to_be_visible()
    deconnecter(page, live_server)

    # 5. The ARS reports it with a comment.
    se_connecter(page, live_server, "ars_valideur", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/instruction/")
    page.fill("#commentaire", "Préciser le calendrier du domaine D5.")
    page.get_by_role("button", name="Reporter").click()
    expect(page.get_by_text("Dossier reporté").first).to_be_visible()
    deconnecter(page, live_server)

    # 6. The ES reads the comment, amends and re-deposits.
    se_connecter(page, live_server, "es_gestionnaire", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/")
    expect(page.get_by_text("Préciser le calendrier du domaine D5.")).to_be_visible()
    ouvrir_page(page, "Projet et domaines")
    page.fill("[id='domaines.D5.date_cible']", "2022-12-31")
    page.get_by_role("button", name="Enregistrer cette page").click()
    page.get_by_role("link", name="Déposer").click()
    page.get_by_role("button", name="Déposer le dossier").click()
    confirmer(page, "Confirmer le dépôt")
    expect(page.get_by_text("Dossier déposé.")).to_be_visible()
    deconnecter(page, live_server)

    # 7. The ARS accepts every prérequis, selects 2 of the 3 domaines and accepts.
    se_connecter(page, live_server, "ars_valideur", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/instruction/")
    for p in hopen.prerequis.all():
        cocher(page, f"prerequis-{p.code}-accepte")
    page.get_by_role("button", name="Enregistrer la validation des prérequis").click()
    cocher(page, "domaine-D2-selectionne")
    cocher(page, "domaine-D3-selectionne")
    cocher(page, "domaine-D5-non_selectionne")
    page.fill("[id='domaines.D5.commentaire']", "Hors priorité régionale.")
    page.get_by_role("button", name="Enregistrer la sélection des domaines").click()
    page.get_by_role("button", name="Accepter").click()
    confirmer(page, "Confirmer l'acceptation")
    expect(page.get_by_text("Dossier accepté : ses forfaits sont engagés sur l")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.etat == "accepte"
    assert dossier.depots.count() == 2
    assert sorted(
        dd.domaine.code for dd in dossier.domaines.all() if dd.decision == "selectionne"
    ) == ["D2", "D3"]
    page.screenshot(path=str(settings.BASE_DIR / "var" / "e2e-instruction.png"), full_page=True)
    deconnecter(page, live_server)

    # 8. A second dossier (ES B) is refused with a motif; the ES reads why.
    from tests import dossiers_factories as d

    second = d.depose(
        Dossier.objects.get(numero=dossier.numero).etablissement.__class__.objects.get(
            finess="690000021"
        )
    )
    se_connecter(page, live_server, "ars_valideur", mdp)
    page.goto(f"{live_server.url}/dossiers/{second.numero}/instruction/")
    page.fill("#commentaire", "Enveloppe régionale de l'année engagée.")
    page.select_option("#motif", "enveloppe")
    page.get_by_role("button", name="Refuser").click()
    confirmer(page, "Confirmer le refus")
    deconnecter(page, live_server)
    se_connecter(page, live_server, "es2_gestionnaire", mdp)
    page.goto(f"{live_server.url}/dossiers/{second.numero}/")
    expect(page.get_by_text("Dossier refusé : Maîtrise de l'enveloppe")).to_be_visible()
    expect(page.get_by_text("Enveloppe régionale de l'année engagée.")).to_be_visible()
