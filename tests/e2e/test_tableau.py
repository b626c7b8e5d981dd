"""The 'tableau de bord' in a real browser: the CMSI opens it from the menu, goes from a
deadline to the dossier, reports it, and the dashboard (cached) shows the change at once; the
national level sees the per-région breakdown and goes to a région's list."""

import re

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


def _compte(page, etat):
    return int(page.locator(f"#tableau-de-bord a[href='/dossiers/?etat={etat}']").inner_text())


def test_the_dashboard_follows_a_decision_at_once(live_server, page, demo):
    se_connecter(page, live_server, "ars_valideur", settings.DEMO_PASSWORD)
    page.locator("#navigation-principale").get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url("**/dossiers/tableau-de-bord/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord"
    deposes, reportes = _compte(page, Etat.DEPOSE), _compte(page, Etat.REPORTE)
    attendus = Dossier.objects.filter(region__code="84")
    assert deposes == attendus.filter(etat=Etat.DEPOSE).count() >= 1
    # The nearest deadline leads to the instruction page, where the CMSI reports the dossier.
    page.locator("#tableau-de-bord li a").first.click()
    page.wait_for_url("**/instruction/")
    page.fill("#commentaire", "Compléter le calendrier.")
    page.get_by_role("button", name="Reporter").click()
    expect(page.get_by_text("Dossier reporté").first).to_be_visible()
    page.locator("#navigation-principale").get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url("**/dossiers/tableau-de-bord/")
    assert _compte(page, Etat.DEPOSE) == deposes - 1
    assert _compte(page, Etat.REPORTE) == reportes + 1
    # A count leads to the list filtered on its état.
    page.locator(f"#tableau-de-bord a[href='/dossiers/?etat={Etat.REPORTE}']").click()
    page.wait_for_url(re.compile(r"\?etat=reporte$"))
    expect(page.get_by_text(f"{reportes + 1} dossier").first).to_be_visible()


def test_the_national_level_sees_each_region(live_server, page, demo):
    se_connecter(page, live_server, "dgos", settings.DEMO_PASSWORD)
    page.locator("#navigation-principale").get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url("**/dossiers/tableau-de-bord/")
    lignes = page.locator("#tableau-regions tbody tr")
    assert lignes.count() >= 2
    total = sum(int(t) for t in lignes.locator("td:last-child").all_inner_texts())
    assert total == Dossier.objects.count()
    lignes.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"\?region=\d+$"))
