"""Issue 14 in a real browser: the CMSI's programmation page (its chart, its amorçage form),
the transmission confirmed in the DSFR modal, then the national table and the campaigns
page — each walked with axe-core, its links tried, no console error (tests/e2e/parcours.py)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidatures.models import Version
from hn.formats import euros
from tests import factories as f
from tests.candidatures.aides import ami_2019, preselectionnee, valideur
from tests.e2e.conftest import SIGNALER_CSP, se_connecter
from tests.e2e.parcours import Parcours

pytestmark = pytest.mark.e2e


def _marche(browser, live_server, user, depart):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(SIGNALER_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    parcours = Parcours(page, live_server.url, user.username)
    se_connecter(page, live_server, user.username, f.PASSWORD)
    return context, page, parcours


def test_cmsi_transmits_and_the_national_level_sees_it(live_server, browser, referentiel):
    pc = preselectionnee()
    campagne = ami_2019()
    cmsi = valideur()
    lien = reverse("candidatures:programmation", args=[campagne.pk, "84"])
    context, page, parcours = _marche(browser, live_server, cmsi, [lien])
    page.goto(f"{live_server.url}{lien}")
    champ = page.locator(f"#amorcage-{pc.etablissement.finess}-D2")
    champ.fill("12345")
    with page.expect_navigation():
        page.locator(f"#ligne-{pc.etablissement.finess}-D2").get_by_role(
            "button", name="Enregistrer"
        ).click()
    expect(page.locator(f"#modifie-{pc.etablissement.finess}-D2")).to_be_visible()

    page.get_by_role("button", name="Transmettre au niveau national").click()
    modale = page.locator("#modale-confirmation")
    modale.get_by_role("button", name="Confirmer la transmission").wait_for()
    expect(modale.get_by_text(f"dont amorçage {euros(12345)}")).to_be_visible()
    with page.expect_navigation():
        modale.get_by_role("button", name="Confirmer la transmission").click()
    assert Version.objects.get().total_amorcage == 12345
    expect(page.locator("#tableau-versions")).to_be_visible()
    parcours.parcourir([lien, reverse("candidatures:campagnes")], limite=8)
    context.close()
    assert {lien, reverse("candidatures:campagnes")} <= parcours.visitees
    assert not parcours.constats, parcours.constats

    dgos = f.pilote_national()
    nationale = reverse("candidatures:programmation_nationale", args=[campagne.pk])
    context, page, parcours = _marche(browser, live_server, dgos, [nationale])
    page.goto(f"{live_server.url}{nationale}")
    expect(page.locator("#region-84")).to_be_visible()
    parcours.parcourir([nationale, reverse("candidatures:campagnes"), lien], limite=8)
    context.close()
    assert {nationale, lien} <= parcours.visitees and parcours.axe is not None
    assert not parcours.constats, parcours.constats
