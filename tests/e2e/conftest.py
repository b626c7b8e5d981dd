"""Playwright on Debian's Chromium (no browser download): PLAYWRIGHT_CHROMIUM_EXECUTABLE."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    if not path or not os.path.exists(path):
        pytest.fail("Chromium introuvable : installez le paquet Debian « chromium » (make test).")
    return path


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every Content-Security-Policy violation is also logged as a console error by Chromium; the
# event gives the directive and the blocked resource.
SIGNALER_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP : ${e.violatedDirective} refuse ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def page(browser):
    """A page whose JavaScript errors and console errors (CSP violations included) fail the
    test: the journeys run under the production CSP (hn/settings.py)."""
    context = browser.new_context(locale="fr-FR", base_url=None)
    context.add_init_script(SIGNALER_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    erreurs = []
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and erreurs.append(f"console : {msg.text} ({msg.location})")
        ),
    )
    page.on("pageerror", lambda exc: erreurs.append(f"JavaScript : {exc}"))
    yield page
    context.close()
    if erreurs:
        pytest.fail("Erreurs dans le navigateur :\n" + "\n".join(erreurs))


def se_connecter(page, live_server, username, password):
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
