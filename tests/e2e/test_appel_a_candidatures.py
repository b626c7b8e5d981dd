"""Issue 14's whole path in Chromium: an établissement files and transmits its pré-candidature
in an open call, the CMSI pre-selects it, then builds and transmits the région's programmation,
the DGOS sees it on the national table, and the établissement asks for its dossier — the
request the gate lets through only now. Each page walked without console error or serious
axe-core violation (tests/e2e/parcours.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidatures import campagnes
from candidatures.models import Precandidature, Version
from dossiers.models import DemandeInitialisation
from hn.dates import aujourd_hui
from tests import factories as f
from tests.candidatures.aides import etablissement, valideur
from tests.e2e.conftest import SIGNALER_CSP, se_connecter
from tests.e2e.parcours import Parcours

pytestmark = pytest.mark.e2e
LIBELLE = "Appel HOP’EN — réouverture de test"


def _ouvrir_campagne():
    jour = aujourd_hui()
    dates = {
        "ouverture": jour - dt.timedelta(days=30),
        "cloture": jour + dt.timedelta(days=60),
        "programmation_avant": jour + dt.timedelta(days=90),
        "reponse_avant": jour + dt.timedelta(days=120),
        "tardives_jusqu_au": jour + dt.timedelta(days=365),
    }
    donnees = {
        "programme": "HOPEN",
        "libelle": LIBELLE,
        **{k: v.isoformat() for k, v in dates.items()},
    }
    return campagnes.ouvrir(donnees=donnees, acting_user=f.pilote_national(username="dgos_test"))


def _marche(browser, live_server, user):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(SIGNALER_CSP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    se_connecter(page, live_server, user.username, f.PASSWORD)
    return context, page, Parcours(page, live_server.url, user.username)


def _deposer(page, parcours, campagne):
    parcours.visiter("/candidatures/")
    with page.expect_navigation():
        page.locator("tr", has_text=LIBELLE).get_by_role(
            "button", name="Créer une pré-candidature"
        ).click()
    pc = Precandidature.objects.get(campagne=campagne)
    assert page.url.endswith(f"/candidatures/{pc.pk}/") or f"/candidatures/{pc.pk}/" in page.url
    page.get_by_role("tab", name="2. Manifestation d’intérêt").click()
    page.locator("#position").select_option("definitive")
    page.locator("label[for=prerequis-oui]").click()
    page.locator("#semestre_prerequis_hopen").select_option(campagne.premier_semestre)
    page.locator("#champ-D2").select_option(campagne.premier_semestre)
    page.get_by_role("tab", name="3. Contacts").click()
    page.locator('[name="referent.nom"]').fill("Claire Référente")
    page.locator('[name="referent.email"]').fill("claire@ch.test")
    page.locator('[name="representant_legal.nom"]').fill("Paul Directeur")
    with page.expect_navigation():
        page.locator("#enregistrer").click()
    page.get_by_role("button", name="Transmettre à l’ARS").click()
    with page.expect_navigation():
        page.locator("#modale-confirmation").get_by_role(
            "button", name="Confirmer la transmission"
        ).click()
    expect(page.locator("#etat-precandidature")).to_contain_text("Transmise")
    return pc


def test_ami_preselection_programmation_then_dossier(live_server, browser, referentiel):
    campagne = _ouvrir_campagne()
    etab = etablissement("84")
    gestionnaire, cmsi, dgos = f.es_gestionnaire(etab), valideur(), f.pilote_national()

    context, page, parcours = _marche(browser, live_server, gestionnaire)
    pc = _deposer(page, parcours, campagne)
    context.close()
    assert not parcours.constats, parcours.constats

    context, page, parcours = _marche(browser, live_server, cmsi)
    parcours.visiter(f"/candidatures/{pc.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Pré-sélectionner").click()
    expect(page.locator("#etat-precandidature")).to_contain_text("Pré-sélectionnée")
    lien = reverse("candidatures:programmation", args=[campagne.pk, "84"])
    parcours.visiter(lien)
    expect(page.locator(f"#ligne-{etab.finess}-D2")).to_be_visible()
    page.get_by_role("button", name="Transmettre au niveau national").click()
    with page.expect_navigation():
        page.locator("#modale-confirmation").get_by_role(
            "button", name="Confirmer la transmission"
        ).click()
    version = Version.objects.get(programmation__campagne=campagne)
    assert version.lignes[0]["finess"] == etab.finess and not version.en_retard
    context.close()
    assert not parcours.constats, parcours.constats

    context, page, parcours = _marche(browser, live_server, dgos)
    parcours.visiter(reverse("candidatures:programmation_nationale", args=[campagne.pk]))
    expect(page.locator("#region-84")).to_be_visible()
    context.close()
    assert not parcours.constats, parcours.constats

    context, page, parcours = _marche(browser, live_server, gestionnaire)
    parcours.visiter(f"/candidatures/{pc.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Demander le dossier HOPEN").click()
    context.close()
    assert DemandeInitialisation.objects.filter(
        etablissement=etab, programme__code="HOPEN"
    ).exists()
    assert not parcours.constats, parcours.constats
