"""Issue 19 point 5 in a real browser: the CMSI clicks « Accepter », reads in the DSFR modal
what the acceptance engages, cancels (nothing changes, the typed amorçage is still there),
then confirms (the dossier is accepted). Under the production CSP: the modal's script is a
static file, and any console error fails the test (tests/e2e/conftest.py)."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers.consequences import euros
from dossiers.contextes import forfaits_du_dossier
from dossiers.enums import Etat
from dossiers.models import Dossier
from enveloppes.models import MouvementEnveloppe
from tests import dossiers_factories as d
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e


def test_acceptance_is_confirmed_in_a_modal_that_can_be_cancelled(live_server, page, referentiel):
    dossier = d.selection(selectionnes=("D2",))
    forfait = Decimal(forfaits_du_dossier(dossier)[0]["D2"]["standard"])
    valideur = d.valideur_de(dossier)
    se_connecter(page, live_server, valideur.username, f.PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.numero}/instruction/")
    page.get_by_label(re.compile(r"^Amorçage D2")).fill("25000")

    page.get_by_role("button", name="Accepter").click()
    modale = page.locator("#modale-confirmation")
    modale.get_by_role("heading", name=f"Accepter le dossier {dossier.numero} ?").wait_for()
    expect(modale).to_be_visible()
    assert page.url.endswith("/instruction/")  # no page change: the modal
    expect(
        modale.get_by_text(f"{euros(forfait)} engagés sur l'enveloppe régionale")
    ).to_be_visible()
    expect(modale.get_by_text("Amorçage décidé : 25\u00a0000\u00a0€")).to_be_visible()
    expect(modale.get_by_text("L'acceptation ne peut pas être annulée")).to_be_visible()
    page.screenshot(path=str(settings.BASE_DIR / "var" / "e2e-confirmation.png"))

    modale.get_by_role("button", name="Annuler").click()
    modale.wait_for(state="hidden")
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.DEPOSE
    assert not MouvementEnveloppe.objects.filter(dossier=dossier).exists()
    assert page.get_by_label(re.compile(r"^Amorçage D2")).input_value() == "25000"

    page.get_by_role("button", name="Accepter").click()
    with page.expect_navigation():
        modale.get_by_role("button", name="Confirmer l'acceptation").click()
    expect(page.get_by_text("Dossier accepté : ses forfaits sont engagés")).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.ACCEPTE
    assert MouvementEnveloppe.objects.filter(dossier=dossier).count() == 2
