"""Issue 19, "tests that keep it so": every page of the access matrix, and every page linked
from them, walked in Chromium by the three demo journeys (ES gestionnaire, CMSI, DGOS) and
anonymously, at 1280 px. A page fails on a console error, on template syntax left in its HTML,
on an internal link answering 400 or more, on an axe-core violation of impact serious or
critical. At 375 px, the DSFR header menu leads to "Se déconnecter"."""

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from candidatures.models import Campagne, Precandidature
from dossiers.enums import Etat
from dossiers.models import Dossier
from hn.comptes.models import User
from hn.referentiel.models import Etablissement
from tests.dossiers_factories import accepte, en_saisie
from tests.e2e.conftest import SIGNALER_CSP, charger_la_demo, se_connecter
from tests.e2e.parcours import Parcours
from tests.test_access_matrix import RULES, expected

pytestmark = pytest.mark.e2e

ES_A = "690000013"
# Demo account -> its column of the access matrix.
JOURNEES = {
    None: "anonyme",
    "es_gestionnaire": "es_gestionnaire",
    "ars_valideur": "ars_valideur",
    "dgos": "pilote",
}
BUREAU = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}


@pytest.fixture
def demo(referentiel):
    """The demo, where ES A starts with no dossier: one being typed (HOP'EN) and one accepted
    (HN) give its gestionnaire every dossier page, editable and read-only."""
    charger_la_demo(nombre_etablissements=40)
    etab = Etablissement.objects.get(finess=ES_A)
    en_saisie(etab, code="HOPEN", valideur=User.objects.get(username="ars_valideur"))
    accepte(etab, code="HN")


def _valeurs(colonne: str) -> dict:
    """The matrix's placeholders, on the demo's own tenant (ES A, ARS 84). The dossier is the
    one each role has a form on: ES A's dossier being typed, a deposited one for the others."""
    dossiers = Dossier.objects.filter(etablissement__finess=ES_A).order_by("numero")
    if colonne == "es_gestionnaire":
        dossier = dossiers.get(etat=Etat.EN_SAISIE)
    else:
        dossier = Dossier.objects.filter(region__code="84", etat=Etat.DEPOSE).first()
    return {
        "finess": ES_A,
        "programme": "HN",
        "numero": dossier.numero,
        "numero_depose": dossiers.exclude(etat=Etat.EN_SAISIE).first().numero,
        "rang": 1,
        "page": "engagements",
        "uidb64": "MA",
        "jeton": "lien-invalide",
        "region": "82",  # HN envelope of the former région Rhône-Alpes (ARS 84)
        # The calls (issue 14): ES A's pré-candidature of the 2019 AMI, région 84's programmation.
        "precandidature": Precandidature.objects.get(
            etablissement__finess=ES_A, campagne__code="ami-2019"
        ).pk,
        "campagne": Campagne.objects.get(code="ami-2019").pk,
        "region_programmation": "84",
        "region_candidature": "84",
    }


def _pages_de_la_matrice(colonne: str, valeurs: dict) -> list[str]:
    """The matrix's GET routes this role is answered 200 on (API and files aside)."""
    urls = []
    for name, rule in RULES.items():
        if rule.method != "get" or name.startswith("api:"):
            continue
        if expected(rule, colonne, "own") != 200 or not set(rule.kwargs.values()) <= set(valeurs):
            continue
        try:
            kwargs = {k: valeurs[v] for k, v in rule.kwargs.items()}
            urls.append(reverse(name, kwargs=kwargs) + rule.query)
        except NoReverseMatch:  # pragma: no cover - a placeholder of the wrong shape
            continue
    return urls


def _contexte(browser, taille):
    context = browser.new_context(locale="fr-FR", viewport=taille)
    context.add_init_script(SIGNALER_CSP)
    return context


def _rapport(parcours: list[Parcours]) -> str:
    lignes = []
    for p in parcours:
        for c in p.constats:
            lignes.append(f"[{p.role}] {c.page} — {c.quoi} : {c.detail}")
    return "\n".join(lignes)


@pytest.mark.parametrize("username", list(JOURNEES), ids=lambda u: u or "anonyme")
def test_every_page_of_a_journey(live_server, browser, demo, username):
    """One journey per test (they run in parallel): each kind of page walked once, each
    internal link it shows tried, axe-core run on each page walked."""
    context = _contexte(browser, BUREAU)
    page = context.new_page()
    page.set_default_timeout(15_000)
    parcours = Parcours(page, live_server.url, username or "anonyme")
    if username:
        se_connecter(page, live_server, username, settings.DEMO_PASSWORD)
    parcours.parcourir(
        ["/", *_pages_de_la_matrice(JOURNEES[username], _valeurs(JOURNEES[username]))]
    )
    context.close()
    print(
        f"\n{parcours.role} : {len(parcours.visitees)} pages parcourues, "
        f"{len(parcours.liens)} liens vérifiés, axe : {dict(parcours.axe)}"
    )
    assert len(parcours.visitees) >= (5 if username is None else 30), sorted(parcours.visitees)
    assert not parcours.constats, "\n" + _rapport([parcours])


def test_at_375_px_the_header_menu_logs_out(live_server, browser, demo):
    """Below 992 px the header's tools are behind the "Menu" button (DSFR copies them into
    the menu's fr-header__menu-links): main pages load without error, the menu logs out."""
    context = _contexte(browser, MOBILE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    parcours = Parcours(page, live_server.url, "es_gestionnaire")
    se_connecter(page, live_server, "es_gestionnaire", settings.DEMO_PASSWORD)
    deconnexion = page.get_by_role("button", name="Se déconnecter")
    expect(deconnexion.first).to_be_hidden()  # below 992 px, behind the menu
    # Pages of wide tables: each scrolls in its own box, reachable with the keyboard.
    for chemin in ("/", reverse("dossiers:liste"), f"/etablissements/{ES_A}/", "/programmes/HN/"):
        parcours.visiter(chemin)
    page.get_by_role("button", name="Menu", exact=True).click()
    menu = page.locator("#menu-mobile")
    menu.get_by_role("link", name="Notifications").wait_for()
    menu.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/connexion/")
    context.close()
    assert not parcours.constats, "\n" + _rapport([parcours])


DEFECTUEUSE = """<!DOCTYPE html><html lang="fr"><head><title>Essai</title></head><body>
<main><h1>Essai</h1><p>Bonjour {{ user.first_name }}</p>
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" id="sans-alt">
<a href="/n-existe-pas/">Lien mort</a><script>console.error("essai")</script>
</main></body></html>"""


def test_the_walk_reports_each_kind_of_defect(live_server, browser, transactional_db):
    """The crawler itself: on a page with one defect of each kind, one finding of each kind,
    naming the rule and the node for axe."""
    context = _contexte(browser, BUREAU)
    context.route(
        f"{live_server.url}/essai/",
        lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=DEFECTUEUSE),
    )
    parcours = Parcours(context.new_page(), live_server.url, "essai")
    parcours.visiter("/essai/")
    context.close()
    constats = {c.quoi: c.detail for c in parcours.constats}
    assert set(constats) == {"gabarit", "axe image-alt (critical)", "lien cassé", "console"}
    assert "#sans-alt" in constats["axe image-alt (critical)"]
    assert constats["lien cassé"] == "/n-existe-pas/ → 404"
    assert "essai" in constats["console"]
    assert parcours.liens == {"/n-existe-pas/": 404}
