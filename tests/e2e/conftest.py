"""Playwright on Debian's Chromium (no browser download): PLAYWRIGHT_CHROMIUM_EXECUTABLE."""

import os
import shutil

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, transaction
from playwright.sync_api import sync_playwright

from dossiers.models import PieceJointe
from hn.demo import charger_demo

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
    # The form's answer (the home page, or the form again with its error) is loaded before the
    # journey goes on: a bare wait_for_load_state() could return on the login page itself.
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


# The demo of the journeys (``charger_demo``, 40 établissements) costs seconds per test, and
# the transactional tests of a live server empty every table after each test: on PostgreSQL it
# is loaded once per worker, its rows copied (COPY TO) in memory, and put back (COPY FROM) for
# the next journeys, identical to a fresh load (same rows, same primary keys).
_COPIES: dict[int, list[tuple[str, bytes]]] = {}
# The files the demo stored (the GHT dossiers' SDSI), put back in each journey's media folder.
_FICHIERS: dict[int, dict[str, bytes]] = {}


def _fichiers_des_medias() -> dict[str, bytes]:
    """The demo's attachments only (read through the storage of the test, never a folder walk:
    the storage's location is the test's own temporary folder)."""
    fichiers = {}
    for nom in PieceJointe.objects.exclude(fichier="").values_list("fichier", flat=True):
        with default_storage.open(nom) as f:
            fichiers[nom] = f.read()
    return fichiers


def _remettre_les_fichiers(fichiers: dict[str, bytes]) -> None:
    for nom, contenu in fichiers.items():
        if not default_storage.exists(nom):
            enregistre = default_storage.save(nom, ContentFile(contenu))
            assert enregistre == nom, (nom, enregistre)


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def charger_la_demo(nombre_etablissements: int = 40) -> None:
    """``hn.demo.charger_demo`` for a transactional test: the first call per worker loads it,
    the next ones restore its copy (other databases: loaded each time)."""
    if connection.vendor != "postgresql":
        charger_demo(nombre_etablissements=nombre_etablissements)
        return
    copie = _COPIES.get(nombre_etablissements)
    if copie is None:
        charger_demo(nombre_etablissements=nombre_etablissements)
        copie = []
        with connection.cursor() as cursor:
            for table in _tables():
                with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as c:
                    lignes = b"".join(bytes(bloc) for bloc in c)
                if lignes:
                    copie.append((table, lignes))
        _COPIES[nombre_etablissements] = copie
        _FICHIERS[nombre_etablissements] = _fichiers_des_medias()
        return
    # Every table emptied first (the référentiel and the content types are in the copy too);
    # the foreign keys are deferred (PostgreSQL's Django constraints) until the commit.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(map(connection.ops.quote_name, _tables())))
        for table, lignes in copie:
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN") as c:
                c.write(lignes)
        modeles = apps.get_models(include_auto_created=True)
        for sql in connection.ops.sequence_reset_sql(no_style(), modeles):
            cursor.execute(sql)
    ContentType.objects.clear_cache()
    _remettre_les_fichiers(_FICHIERS.get(nombre_etablissements, {}))
    # The same keys as in the journeys before (same primary keys, same perimeter versions:
    # dossiers.tableau) must not read what those journeys cached: the worker's cache emptied.
    cache.clear()
