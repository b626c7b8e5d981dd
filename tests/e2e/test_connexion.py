"""Every demo account of API.md logs in through the real login page and lands on its home."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import charger_la_demo, se_connecter

pytestmark = pytest.mark.e2e

# username -> (section of the home page, role label shown)
COMPTES = {
    "es_gestionnaire": ("#espace-etablissement", "Gestionnaire de fichiers"),
    "es_lecteur": ("#espace-etablissement", "Lecteur (établissement)"),
    "es2_gestionnaire": ("#espace-etablissement", "Gestionnaire de fichiers"),
    "es3_gestionnaire": ("#espace-etablissement", "Gestionnaire de fichiers"),
    "ght_support": ("#espace-etablissement", "Gestionnaire de fichiers"),
    "ght_membre": ("#espace-etablissement", "Gestionnaire de fichiers"),
    "ars_valideur": ("#espace-ars", "Valideur (CMSI)"),
    "ars_lecteur": ("#espace-ars", "Lecteur (ARS)"),
    "ars_auditeur": ("#espace-ars", "Auditeur"),
    "ars11_valideur": ("#espace-ars", "Valideur (CMSI)"),
    "dgos": ("#espace-national", "Pilote national"),
    "admin": ("#espace-national", None),
}


@pytest.fixture
def demo(referentiel):
    charger_la_demo(nombre_etablissements=40)


def test_every_demo_account_lands_on_its_home(live_server, page, demo):
    for username, (section, role) in COMPTES.items():
        se_connecter(page, live_server, username, settings.DEMO_PASSWORD)
        assert page.url == f"{live_server.url}/", username
        assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
        expect(page.locator(section), f"{username}: {section}").to_be_visible()
        if role:
            expect(page.get_by_text(role, exact=True).first, username).to_be_visible()
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(f"{live_server.url}/connexion/")


def test_wrong_password_shows_french_error_and_stays_on_login(live_server, page, demo):
    se_connecter(page, live_server, "es_gestionnaire", "mauvais")
    assert page.url.startswith(f"{live_server.url}/connexion/")
    assert page.get_by_role("alert").inner_text().startswith("Saisissez un nom d")


def test_es_user_reaches_its_etablissement_forfaits_with_the_keyboard(live_server, page, demo):
    se_connecter(page, live_server, "es_gestionnaire", settings.DEMO_PASSWORD)
    link = page.get_by_role("link", name="Centre hospitalier de démonstration A")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/etablissements/690000013/")
    assert page.get_by_role("heading", name="Hôpital numérique : estimation des forfaits")
    expect(page.get_by_text("Activité combinée").first).to_be_visible()
    page.screenshot(path=str(settings.BASE_DIR / "var" / "e2e-etablissement.png"), full_page=True)
