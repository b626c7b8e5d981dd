"""A GHT dossier in a real browser (issue 15): the demo's ``ght_support`` asks for a GHT
dossier for itself and ``ght_membre``'s établissement, the CMSI initialises it, the support
meets the GHT conditions on the page "GHT" and deposits it, the CMSI accepts it, and the
envelope shows one engagement at the support for the sum of both members' forfaits, the
members named; ``ght_membre`` reads the dossier and its own line of the breakdown. Then the
follow-up to a funded domaine: a report where ``ght_membre``'s établissement misses its D2
targets shows the CMSI that member as the blocking one (no funding possible), the next report
meets them for both members, and the CMSI notifies D2's usage funding: the GHT's summed forfait
less its amorçage, on the support's ledger."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers.enums import SuiviDomaine
from dossiers.models import Dossier
from dossiers.saisie import enregistrer_saisie
from dossiers.services import forfaits_par_etablissement
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from enveloppes.templatetags.enveloppes_tags import euros
from hn.comptes.models import User
from hn.referentiel.models import Programme
from tests.dossiers_factories import PDF_MINIMAL, saisie_complete
from tests.e2e.conftest import charger_la_demo, se_connecter
from tests.e2e.test_instruction import cocher, confirmer, deconnecter, ouvrir_page
from tests.e2e.test_suivi import saisir_valeur

pytestmark = pytest.mark.e2e

SUPPORT, MEMBRE = "690000047", "690000054"  # ES D (ght_support), ES E (ght_membre)


@pytest.fixture
def demo(referentiel):
    charger_la_demo(nombre_etablissements=40)


def _saisie_ordinaire(dossier):
    """The pages every dossier has, typed through the saisie (the browser journeys of a single
    dossier cover them): D2 requested alone, the domaine values one per member."""
    programme = dossier.programme
    data = saisie_complete(programme, domaines=("D2",))
    prerequis = set(programme.indicateurs.filter(prerequis__isnull=False).values_list("code"))
    data["indicateurs"] = [i for i in data["indicateurs"] if (i["code"],) in prerequis] + [
        {"code": i.code, "finess": finess, "valeur": False if i.type == "existence" else "10"}
        for i in programme.indicateurs.filter(domaine__code="D2")
        for finess in (SUPPORT, MEMBRE)
    ]
    data["domaines"] += [
        {"code": code, "demande": False}
        for code in programme.domaines.exclude(code="D2").values_list("code", flat=True)
    ]
    enregistrer_saisie(
        dossier=dossier, data=data, acting_user=User.objects.get(username="ght_support")
    )


def _rapport(page, programme, *, membre_a_la_cible: bool):
    """Files a follow-up report on the suivi page: every prérequis and the support's D2 values
    at their target, ``ght_membre``'s D2 values at target or at 0."""
    indicateurs = {i.code: i for i in programme.indicateurs.all()}
    formulaire = page.locator("#nouveau-rapport")
    for champ in formulaire.locator(
        "select[id^='valeurs.'], input[type=number][id^='valeurs.']"
    ).all():
        code = champ.get_attribute("id").removeprefix("valeurs.")
        base, _, finess = code.rpartition(".")
        if len(finess) == 9 and finess.isdigit():  # a member's value: "valeurs.D2.1.<finess>"
            code = base
        saisir_valeur(champ, indicateurs[code], finess != MEMBRE or membre_a_la_cible, sous="0")
    formulaire.locator("[id='avancements.D2']").select_option("deploiement")
    formulaire.get_by_label("Budget engagé depuis le début (€)").fill("80000")
    formulaire.get_by_label("Ressources humaines engagées (ETP)").fill("1.5")
    formulaire.get_by_role("button", name="Déposer le rapport de suivi").click()
    expect(page.get_by_text(re.compile(r"Rapport de suivi n° \d+ déposé\."))).to_be_visible()


def test_ght_dossier_from_request_to_funded_domaine(live_server, page, demo):
    mdp = settings.DEMO_PASSWORD
    hopen = Programme.objects.get(code="HOPEN")
    # 1. The support asks for a GHT dossier for itself and one other member.
    se_connecter(page, live_server, "ght_support", mdp)
    page.goto(f"{live_server.url}/dossiers/")
    page.get_by_label("Programme").first.select_option("HOPEN")
    cocher(page, f"demande-membre-{SUPPORT}")
    cocher(page, f"demande-membre-{MEMBRE}")
    page.get_by_role("button", name="Demander un dossier").click()
    expect(page.get_by_text("Demande transmise à l'ARS")).to_be_visible()
    deconnecter(page, live_server)

    # 2. The CMSI initialises it from the pending request, which names the GHT's candidates.
    se_connecter(page, live_server, "ars_valideur", mdp)
    page.goto(f"{live_server.url}/dossiers/")
    ligne = page.locator("#demandes tr", has_text=SUPPORT)
    expect(ligne.get_by_text(re.compile(f"{SUPPORT}, {MEMBRE}"))).to_be_visible()
    ligne.get_by_role("link", name="Initialiser").click()
    page.get_by_role("button", name="Initialiser le dossier").click()
    expect(page.get_by_text(re.compile(r"Dossier 84-\d{8}-\d{3} initialisé"))).to_be_visible()
    dossier = Dossier.objects.get(etablissement__finess=SUPPORT, programme=hopen)
    assert sorted(m.etablissement.finess for m in dossier.membres.all()) == [SUPPORT, MEMBRE]
    deconnecter(page, live_server)

    # 3. The support meets the GHT conditions on the page "GHT", then deposits.
    _saisie_ordinaire(dossier)
    se_connecter(page, live_server, "ght_support", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/")
    ouvrir_page(page, "GHT")
    cocher(page, "validation_directeur_support")
    page.fill("[id='contacts.dsi_ght.nom']", "Camille Moreau")
    cocher(page, "dsi_ght_valide")
    for radio in page.locator("input[type=radio][id$='.oui']").all():
        cocher(page, radio.get_attribute("id"))
    page.get_by_role("button", name="Enregistrer cette page").click()
    expect(page.get_by_text("Page enregistrée.")).to_be_visible()
    page.set_input_files(
        "input[name=fichier]",
        files=[{"name": "sdsi.pdf", "mimeType": "application/pdf", "buffer": PDF_MINIMAL}],
    )
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_text("Pièce « sdsi.pdf » ajoutée.")).to_be_visible()
    page.get_by_role("link", name="Déposer").click()
    page.get_by_role("button", name="Déposer le dossier").click()
    confirmer(page, "Confirmer le dépôt")
    expect(page.get_by_text("Dossier déposé.")).to_be_visible()
    deconnecter(page, live_server)

    # 4. The CMSI accepts every prérequis, selects D2 and accepts.
    se_connecter(page, live_server, "ars_valideur", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/instruction/")
    for p in hopen.prerequis.all():
        cocher(page, f"prerequis-{p.code}-accepte")
    page.get_by_role("button", name="Enregistrer la validation des prérequis").click()
    cocher(page, "domaine-D2-selectionne")
    page.get_by_role("button", name="Enregistrer la sélection des domaines").click()
    page.get_by_role("button", name="Accepter").click()
    confirmer(page, "Confirmer l'acceptation")
    expect(page.get_by_text("Dossier accepté : ses forfaits sont engagés sur l")).to_be_visible()

    # 5. The envelope: one engagement, at the support, for the members' summed forfaits.
    par_membre = {
        ligne["etablissement"].finess: ligne["forfaits"]["D2"][0]
        for ligne in forfaits_par_etablissement(dossier)
    }
    assert sorted(par_membre) == [SUPPORT, MEMBRE]
    page.goto(f"{live_server.url}/enveloppes/HOPEN/84/")
    retenus = page.locator("#tableau-retenus")
    lignes = retenus.locator("tr", has=page.get_by_role("link", name=dossier.numero))
    expect(lignes).to_have_count(1)
    expect(lignes.get_by_text(f"GHT, membres : {SUPPORT}, {MEMBRE}")).to_be_visible()
    expect(lignes.get_by_text(euros(sum(par_membre.values())), exact=True).first).to_be_visible()
    groupe = retenus.locator("tbody", has=page.get_by_role("link", name=dossier.numero))
    expect(groupe.get_by_role("rowheader")).to_contain_text(f"FINESS {SUPPORT}")
    deconnecter(page, live_server)

    # 6. The other member reads the dossier: its own line of the breakdown and the GHT total.
    se_connecter(page, live_server, "ght_membre", mdp)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/")
    ouvrir_page(page, "Coût du projet")
    tableau = page.get_by_role("table", name=re.compile("^Forfait par établissement candidat"))
    expect(tableau.get_by_text(MEMBRE)).to_have_count(1)
    expect(tableau.get_by_text(SUPPORT)).to_have_count(0)  # the support's line is not its own
    total = f"{sum(par_membre.values()):,}".replace(",", r"\s")
    expect(tableau.get_by_role("row", name=re.compile("^Total du GHT"))).to_contain_text(
        re.compile(total)
    )
    deconnecter(page, live_server)

    # 7. A first report where ght_membre's établissement misses its D2 targets: the CMSI sees
    # that member as the blocking one, and D2 cannot be funded. 8. The next report meets them
    # for both members: the CMSI notifies D2's funding, the usage being the GHT's summed
    # forfait less the amorçage decided on D2.
    for membre_a_la_cible in (False, True):
        se_connecter(page, live_server, "ght_support", mdp)
        page.goto(f"{live_server.url}/dossiers/{dossier.numero}/suivi/")
        _rapport(page, hopen, membre_a_la_cible=membre_a_la_cible)
        deconnecter(page, live_server)
        se_connecter(page, live_server, "ars_valideur", mdp)
        page.goto(f"{live_server.url}/dossiers/{dossier.numero}/suivi/")
        notifier = page.get_by_role("button", name="Notifier le financement D2")
        if not membre_a_la_cible:
            blocages = page.locator("#blocages-D2")
            expect(blocages).to_contain_text(f"({MEMBRE})")
            expect(blocages).not_to_contain_text(f"({SUPPORT})")
            expect(notifier).to_have_count(0)
            deconnecter(page, live_server)
    expect(page.locator("#blocages-D2")).to_have_count(0)
    notifier.click()
    expect(page.get_by_text("Financement du domaine D2 notifié.")).to_be_visible()
    assert dossier.domaines.get(domaine__code="D2").suivi == SuiviDomaine.FINANCE
    lignes = MouvementEnveloppe.objects.filter(dossier=dossier, domaine__domaine__code="D2")
    amorcage = sum(m.montant for m in lignes.filter(nature=Nature.AMORCAGE_DECIDE))
    usage = list(lignes.filter(nature=Nature.USAGE_NOTIFIE))
    assert len(usage) == 1 and usage[0].montant == sum(par_membre.values()) - amorcage
    assert usage[0].enveloppe.region.code == "84" and usage[0].membres == f"{SUPPORT}, {MEMBRE}"
