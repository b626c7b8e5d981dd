"""Exports of the dossier (SPEC §4 "Exports"): the whole dossier as a PDF and as a print
preview, the deposited version and the accusé de dépôt; the renderer's URL fetcher; the same
visibility as the screens (the ARS never reads what is being typed)."""

import hashlib
import io
import json
import logging
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from pypdf import PdfReader

from dossiers import actions, pdf
from dossiers.contextes import forfaits_du_dossier
from dossiers.pages import pages
from dossiers.saisie import enregistrer_saisie
from hn import pdf as rendu_pdf
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

MARQUEUR = "MARQUEUR-SAISIE-7f3a9c"


def texte(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def compact(chaine: str) -> str:
    """Extracted text without any white space (line breaks, thin spaces of the amounts)."""
    return re.sub(r"\s+", "", chaine)


def telecharger(client, user, url) -> bytes:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    return response.content


@pytest.fixture
def etab():
    etab = f.EtablissementFactory()
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=40_000)
    return etab


@pytest.fixture
def complet(etab):
    """A full HOP'EN dossier typed by the ES (D2 and D3 started), with a prérequis proof."""
    dossier, gestionnaire = d.complet(etab)
    prerequis = dossier.programme.prerequis.first()
    d.piece_de(
        dossier,
        gestionnaire,
        nom="preuve-identites.pdf",
        categorie="justificatif_prerequis",
        prerequis=prerequis.code,
    )
    return dossier, gestionnaire


def compter_rendus(monkeypatch) -> list:
    """Wraps the one HTML → PDF entry point of dossiers.pdf; returns the list of its calls."""
    appels = []
    original = pdf.html_vers_pdf

    def compte(html):
        appels.append(len(html))
        return original(html)

    monkeypatch.setattr(pdf, "html_vers_pdf", compte)
    return appels


# --- the whole dossier ------------------------------------------------------------------------


def test_full_dossier_pdf_holds_every_page(client, caplog, complet):
    dossier, gestionnaire = complet
    with caplog.at_level(logging.WARNING):
        data = telecharger(client, gestionnaire, reverse("dossiers:pdf", args=[dossier.numero]))
    # Its stylesheets and fonts all came from the static files: nothing refused, nothing failed.
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "dossiers"))]
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    contenu = texte(data)
    plat = compact(contenu)
    prerequis = dossier.programme.prerequis.first()
    indicateur = prerequis.indicateurs.first()
    d2 = dossier.programme.domaines.get(code="D2")
    assert dossier.numero in contenu
    assert dossier.etablissement.raison_sociale in contenu
    assert compact(f"Prérequis {prerequis.code}") in plat
    assert indicateur.code in contenu
    assert compact(f"Indicateurs D2 — {d2.libelle}") in plat  # the started domaine's page
    assert d2.indicateurs.first().code in contenu
    forfaits, _ = forfaits_du_dossier(dossier)
    assert forfaits["D2"]["standard"]
    assert str(int(forfaits["D2"]["standard"])) in plat
    assert "preuve-identites.pdf" in contenu
    assert "Nom dsi" in contenu and "dsi@ch.test" in contenu  # page 4, DSI et directeur
    assert "Déploiement du DPI dans tous les services." in contenu


def test_pdf_and_preview_follow_the_pages_order(client, complet):
    dossier, gestionnaire = complet
    client.force_login(gestionnaire)
    response = client.get(reverse("dossiers:apercu", args=[dossier.numero]))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'id="page-{p.slug}"') for p in pages(dossier)]
    assert positions == sorted(positions)
    assert 'href="/static/hn/impression.css"' in html
    assert reverse("dossiers:pdf", args=[dossier.numero]) in html


def test_api_pdf(client, complet):
    dossier, _ = complet
    lecteur = f.es_lecteur(dossier.etablissement)
    client.force_login(lecteur)
    response = client.get(reverse("api:dossier-pdf", args=[dossier.numero]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{dossier.numero}.pdf"'
    assert dossier.numero in texte(response.content)


def test_ars_pdf_holds_its_decisions_and_comments(client, etab):
    dossier = d.prerequis_acceptes(d.depose(etab))
    valideur = d.valideur_de(dossier)
    actions.commenter(
        dossier=dossier, texte="Merci pour la qualité du dossier.", acting_user=valideur
    )
    actions.commenter_page(
        dossier=dossier, page="etablissement", texte="Activité à confirmer.", acting_user=valideur
    )
    url = reverse("dossiers:pdf", args=[dossier.numero])
    for lecteur in (valideur, f.es_lecteur(etab)):
        contenu = texte(telecharger(client, lecteur, url))
        assert "Instruction par l'ARS" in contenu
        assert "Merci pour la qualité du dossier." in contenu
        assert "Activité à confirmer." in contenu
        assert "Accepté" in contenu  # prérequis decisions
    # The deposited version holds what was deposited only, never the later ARS comments.
    depose = texte(
        telecharger(client, valideur, reverse("dossiers:depot_pdf", args=[dossier.numero, 1]))
    )
    assert "Activité à confirmer." not in depose and "Merci pour la qualité" not in depose


# --- the URL fetcher --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://example.org/static/hn/hn.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "/static/../../../etc/passwd",
        "/static/hn/%2e%2e/%2e%2e/hn/settings.py",
        "/etc/passwd",
        "/static/hn/inexistant.css",
        "/static/hn/hn.css?x=1",
        rendu_pdf.BASE_URL + "media/pieces/x.pdf",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(rendu_pdf.RessourceRefusee):
        rendu_pdf.fetcher_statique()(url)


def test_fetcher_serves_the_projects_static_files(settings):
    attendu = (settings.BASE_DIR / "static" / "hn" / "hn.css").read_bytes()
    for url in ("/static/hn/hn.css", rendu_pdf.BASE_URL + "static/hn/hn.css"):
        reponse = rendu_pdf.fetcher_statique()(url)
        assert reponse.read() == attendu
        assert reponse.content_type == "text/css"
        reponse.close()
    # An app's static file (django-dsfr's font), through the same finders.
    assert rendu_pdf.fetcher_statique()("/static/dsfr/dist/fonts/Marianne-Regular.woff2").read()


# --- the dépôt: accusé and frozen version ----------------------------------------------------


def test_accuse_holds_the_snapshot_sha256_and_the_paris_time(client, complet):
    dossier, gestionnaire = complet
    # 9 h 05 min 07 s UTC in winter = 10:05:07 in Paris.
    with time_machine.travel(datetime(2026, 1, 15, 9, 5, 7, tzinfo=UTC), tick=False):
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    depot = d.depot_de(dossier)
    canonique = json.dumps(depot.contenu, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    assert depot.empreinte == hashlib.sha256(canonique.encode()).hexdigest()
    url = reverse("dossiers:accuse", args=[dossier.numero, depot.rang])
    data = telecharger(client, d.valideur_de(dossier), url)
    assert data.startswith(b"%PDF-")
    contenu = texte(data)
    assert depot.empreinte in compact(contenu)
    assert "15/01/2026 à 10:05:07" in contenu
    assert dossier.numero in contenu
    assert dossier.etablissement.raison_sociale in contenu
    assert "n° 1" in contenu


def test_deposited_pdfs_are_rendered_once_and_stored(client, monkeypatch, complet):
    dossier, gestionnaire = complet
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    depot = d.depot_de(dossier)
    appels = compter_rendus(monkeypatch)
    lecteur = f.es_lecteur(dossier.etablissement)
    for nom, cle in (
        ("dossiers:accuse", f"pdf/depots/{depot.pk}-{depot.empreinte}-accuse.pdf"),
        ("dossiers:depot_pdf", f"pdf/depots/{depot.pk}-{depot.empreinte}.pdf"),
    ):
        url = reverse(nom, args=[dossier.numero, depot.rang])
        avant = len(appels)
        premier = telecharger(client, lecteur, url)
        assert len(appels) == avant + 1
        assert default_storage.exists(cle)
        with default_storage.open(cle, "rb") as stocke:
            assert stocke.read() == premier
        second = telecharger(client, d.valideur_de(dossier), url)
        assert len(appels) == avant + 1, "the stored PDF is read, not rendered again"
        assert second == premier
    # The API serves the same stored files.
    client.force_login(lecteur)
    rows = client.get(reverse("api:dossier-depots", args=[dossier.numero])).json()
    assert [(r["rang"], r["empreinte"]) for r in rows] == [(1, depot.empreinte)]
    for champ in ("accuse", "pdf"):
        response = client.get(rows[0][champ])
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(appels) == 2


def test_deposited_version_is_the_snapshot_not_the_later_typing(client, complet):
    dossier, gestionnaire = complet
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    dossier = actions.reporter(
        dossier=dossier, commentaire="Préciser le projet.", acting_user=d.valideur_de(dossier)
    )
    enregistrer_saisie(
        dossier=dossier, data={"description_projet": MARQUEUR}, acting_user=gestionnaire
    )
    url = reverse("dossiers:depot_pdf", args=[dossier.numero, 1])
    contenu = texte(telecharger(client, gestionnaire, url))
    assert MARQUEUR not in contenu
    assert "Déploiement du DPI dans tous les services." in contenu
    # The ARS's PDF of the dossier: the last dépôt, not the typing either.
    contenu = texte(
        telecharger(client, d.valideur_de(dossier), reverse("dossiers:pdf", args=[dossier.numero]))
    )
    assert MARQUEUR not in contenu and "Préciser le projet." in contenu


# --- visibility -------------------------------------------------------------------------------


def test_ars_before_the_first_depot_gets_the_header_only(client, complet):
    dossier, gestionnaire = complet
    enregistrer_saisie(
        dossier=dossier,
        data={"description_projet": MARQUEUR, "commentaire_etablissement": MARQUEUR},
        acting_user=gestionnaire,
    )
    # The ES reads what it types.
    es = texte(telecharger(client, gestionnaire, reverse("dossiers:pdf", args=[dossier.numero])))
    assert MARQUEUR in es
    for ars in (f.ars_valideur("84"), f.ars_lecteur("84"), f.lecteur_national()):
        contenu = texte(telecharger(client, ars, reverse("dossiers:pdf", args=[dossier.numero])))
        assert MARQUEUR not in contenu
        assert dossier.numero in contenu
        assert "pas encore été déposé" in contenu
        assert "Nom dsi" not in contenu  # nothing typed, contacts included
        html = client.get(reverse("dossiers:apercu", args=[dossier.numero])).content.decode()
        assert MARQUEUR not in html and "pas encore été déposé" in html
        client.force_login(ars)
        assert client.get(reverse("api:dossier-depots", args=[dossier.numero])).json() == []


def test_other_tenant_gets_404_and_es_lecteur_200(client, etab):
    dossier = d.depose(etab)
    for name, args in (
        ("dossiers:pdf", [dossier.numero]),
        ("dossiers:apercu", [dossier.numero]),
        ("dossiers:accuse", [dossier.numero, 1]),
        ("dossiers:depot_pdf", [dossier.numero, 1]),
        ("api:dossier-pdf", [dossier.numero]),
        ("api:dossier-depots", [dossier.numero]),
        ("api:dossier-depot-accuse", [dossier.numero, 1]),
        ("api:dossier-depot-pdf", [dossier.numero, 1]),
    ):
        url = reverse(name, args=args)
        for autre in (f.es_lecteur(f.EtablissementFactory()), f.ars_valideur("11")):
            client.force_login(autre)
            assert client.get(url).status_code == 404, (name, autre)
        client.force_login(f.es_lecteur(etab))
        assert client.get(url).status_code == 200, name
    client.force_login(f.es_lecteur(etab))
    assert client.get(reverse("dossiers:accuse", args=[dossier.numero, 2])).status_code == 404


def test_links_in_the_dossier_header_and_the_list(client, complet):
    dossier, gestionnaire = complet
    client.force_login(gestionnaire)
    page = reverse("dossiers:page", args=[dossier.numero, "engagements"])
    html = client.get(page).content.decode()
    assert reverse("dossiers:pdf", args=[dossier.numero]) in html
    assert reverse("dossiers:apercu", args=[dossier.numero]) in html
    assert "Accusé de dépôt" not in html
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    html = client.get(page).content.decode()
    assert reverse("dossiers:accuse", args=[dossier.numero, 1]) in html
    liste = client.get(reverse("dossiers:liste")).content.decode()
    assert reverse("dossiers:pdf", args=[dossier.numero]) in liste
