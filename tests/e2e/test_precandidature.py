"""A pré-candidature's pages in Chromium [SPEC §7]: the tabs (DSFR), the estimate's live total
when a semester changes in tab 2, the transmission's confirmation in the modal, the ARS's list
and answer forms — with no console error and no serious axe-core violation."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from candidatures import chiffrage
from hn.comptes.enums import Role
from hn.comptes.models import User
from tests import factories as f
from tests.candidatures import aides as a
from tests.e2e.conftest import SIGNALER_CSP, charger_la_demo, se_connecter
from tests.e2e.parcours import Parcours

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(referentiel):
    charger_la_demo(nombre_etablissements=40)
    # ES A is pre-selected in the demo's 2019 AMI: the demo gestionnaire is also given an
    # établissement of its région that has not applied yet, whose draft this test fills.
    gestionnaire = User.objects.get(username="es_gestionnaire")
    nouveau = a.etablissement("84")
    f.avec_role(Role.ES_GESTIONNAIRE, etablissement=nouveau, user=gestionnaire)
    pc = a.brouillon(nouveau, donnees=a.COMPLETE, user=gestionnaire)
    transmise = a.transmise(a.etablissement("84"))
    return pc, transmise


def _parcours(browser, live_server, username):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(SIGNALER_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    se_connecter(page, live_server, username, settings.DEMO_PASSWORD)
    return context, page, Parcours(page, live_server.url, username)


def _montant(euros: int) -> re.Pattern:
    chiffres = f"{euros:,}".replace(",", r"\s")
    return re.compile(chiffres + r"\s€")


def test_the_gestionnaire_tabs_live_total_and_confirmation(live_server, browser, demo):
    pc, _ = demo
    context, page, parcours = _parcours(browser, live_server, "es_gestionnaire")
    parcours.visiter("/candidatures/")
    parcours.visiter(f"/candidatures/{pc.pk}/")
    forfaits = chiffrage.estimation(pc).forfaits
    total = page.locator("#total-estime")
    expect(total).to_have_text(_montant(forfaits["D2"]))
    page.get_by_role("tab", name="2. Manifestation d’intérêt").click()
    page.get_by_label("D3 — ", exact=False).select_option("2021S1")
    expect(total).to_have_text(_montant(forfaits["D2"] + forfaits["D3"]))
    page.get_by_label("D2 — ", exact=False).select_option("")
    expect(total).to_have_text(_montant(forfaits["D3"]))
    page.get_by_role("button", name="Transmettre à l’ARS").click()
    modale = page.locator("#modale-confirmation")
    expect(modale).to_contain_text("au plus tard le 30/09/2019")
    context.close()
    assert not parcours.constats, parcours.constats


def test_the_cmsi_list_and_answer_forms(live_server, browser, demo):
    _, transmise = demo
    context, page, parcours = _parcours(browser, live_server, "ars_valideur")
    parcours.visiter("/candidatures/")
    expect(page.locator(f'tr[data-precandidature="{transmise.pk}"]')).to_be_visible()
    parcours.visiter(f"/candidatures/{transmise.pk}/")
    page.get_by_role("tab", name="3. Contacts").click()  # read-only: the tabs still switch
    expect(page.get_by_label("Courriel").first).to_be_visible()
    expect(page.get_by_label("Courriel").first).to_be_disabled()
    page.get_by_role("button", name="Rejeter").click()
    expect(page.locator("#commentaire-erreur")).to_contain_text("motif du rejet")
    parcours.auditer(f"/candidatures/{transmise.pk}/decider/")
    context.close()
    assert not parcours.constats, parcours.constats
