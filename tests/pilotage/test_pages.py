"""The pilotage dashboards' pages (issue 16, ``pilotage.views``): the figures of
``pilotage.chiffres`` in the HTML, every number a link to a filtered list showing exactly the
counted rows, the dossiers list's pilotage filters, the tables as CSV/XLSX, who opens what,
and a query count that does not grow with the rows."""

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.enums import Etat
from enveloppes.enums import Nature
from hn.dates import aujourd_hui
from hn.referentiel.enums import Statut
from hn.referentiel.models import Programme
from pilotage import chiffres, tableaux
from tests import factories as f
from tests.pilotage.test_chiffres import creer_dossier

pytestmark = pytest.mark.django_db


def spec(region, etat, **kw):
    return {
        "region": region,
        "etat": etat,
        "statut": Statut.PUBLIC,
        "ssr": False,
        "echeance": 30,
        "rapport": 5,
        "derogation": False,
        "prerequis_atteints": False,
        "domaines": [],
        "lignes": [],
        **kw,
    }


SPECS = [
    spec("84", Etat.DEPOSE, echeance=3),
    spec("84", Etat.DEPOSE, echeance=3, statut=Statut.CLCC),
    spec("84", Etat.DEPOSE, echeance=20),
    spec(
        "84",
        Etat.ACCEPTE,
        rapport=-2,
        derogation=True,
        domaines=[("D2", True, "cibles"), ("D3", True, "")],
        lignes=[(Nature.ENGAGEMENT, D("1000.00")), (Nature.AMORCAGE_VERSE, D("250.00"))],
    ),
    spec(
        "84",
        Etat.ACCEPTE,
        statut=Statut.PRIVE_LUCRATIF,
        ssr=True,
        prerequis_atteints=True,
        domaines=[("D2", True, "finance")],
    ),
    spec("84", Etat.CLOS, domaines=[("D1", True, ""), ("D4", False, "")]),
    spec("84", Etat.REFUSE_IMPLICITE),
    spec("11", Etat.REFUSE_IMPLICITE),
    spec("11", Etat.ACCEPTE, rapport=-1, domaines=[("D2", True, "")]),
    spec("11", Etat.DEPOSE, echeance=1),
]


@pytest.fixture
def monde():
    cache.clear()
    jour = aujourd_hui()
    for s in SPECS:
        creer_dossier(s, jour)
    p = chiffres.perimetre(f.superuser(), "HOPEN")
    return chiffres.tableau(p)


def nombre_dossiers(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    m = re.search(r'id="nombre-dossiers">(\d+) dossier', response.content.decode())
    return int(m.group(1))


def test_the_national_page_shows_the_figures_and_links_to_their_rows(client, monde):
    client.force_login(f.lecteur_national())
    response = client.get("/pilotage/HOPEN/")
    assert response.status_code == 200
    html = response.content.decode()
    t, li = monde, tableaux.liens(Programme.objects.get(code="HOPEN"))
    ara = t.ligne("84")
    assert ara.instruction.etats["depose"] == 3 and ara.instruction.decisions_sous_15_jours == 2
    # the summary first: national totals
    assert f'>Dossiers : <span class="hn-tuile-valeur">{t.total.instruction.dossiers}<' in html
    # a number of each table is the link to its list, and the list shows that many rows
    liens = {
        li.dossiers("84", etat="depose"): 3,
        li.dossiers("84", decision="sous_15_jours"): 2,
        li.dossiers("11", etat="refuse_implicite"): 1,
        li.dossiers("84", selection="oui", statut="public"): 2,
        li.dossiers("84", cibles="atteintes"): ara.suivi.domaines_cibles_atteintes,
        li.dossiers("84", rapport="retard"): ara.suivi.rapports_en_retard,
        li.dossiers("84", prerequis="atteints"): ara.suivi.prerequis_atteints,
    }
    for url, n in liens.items():
        echappe = url.replace("&", "&amp;")
        assert f'<a href="{echappe}">{n}</a>' in html, url
        assert nombre_dossiers(client, url) == n, url
    # the chart's bars link to the same lists (one per région and état)
    assert (
        f'<a href="{li.dossiers("84", etat="depose").replace("&", "&amp;")}" tabindex="-1"' in html
    )
    assert (
        'role="group" aria-labelledby="graphique-instruction-titre graphique-instruction-desc"'
        in html
    )
    assert '<desc id="graphique-instruction-desc">' in html
    assert "Pas d'appel à candidatures" not in html or not chiffres.a_un_appel(t.programme)
    assert 'id="lien-bilan" href="/pilotage/HOPEN/bilan.pdf"' in html


def test_the_dossiers_list_filters_count_what_the_figures_count(client, monde):
    client.force_login(f.superuser())
    li = tableaux.liens(Programme.objects.get(code="HOPEN"))
    for code in ("84", "11"):
        lig = monde.ligne(code)
        assert nombre_dossiers(client, li.dossiers(code, decision="sous_15_jours")) == (
            lig.instruction.decisions_sous_15_jours
        )
        assert nombre_dossiers(client, li.dossiers(code, rapport="retard")) == (
            lig.suivi.rapports_en_retard
        )
        assert nombre_dossiers(client, li.dossiers(code, prerequis="atteints")) == (
            lig.suivi.prerequis_atteints
        )
        assert nombre_dossiers(client, li.dossiers(code, prerequis="attente")) == (
            lig.suivi.dossiers_suivis - lig.suivi.prerequis_atteints
        )
        assert nombre_dossiers(client, li.dossiers(code, selection="oui")) == (
            lig.selection.etablissements
        )
        for r in lig.selection.par_statut:
            url = li.dossiers(code, selection="oui", statut=r.cle)
            assert nombre_dossiers(client, url) == r.selectionnes, url
        for r in lig.selection.par_activite:
            url = li.dossiers(code, selection="oui", activite=r.cle)
            assert nombre_dossiers(client, url) == r.selectionnes, url
    # known values, so that the comparisons above compare something
    ara = monde.ligne("84")
    assert (ara.suivi.rapports_en_retard, ara.suivi.prerequis_atteints) == (1, 1)
    assert ara.selection.etablissements == 3 and ara.suivi.domaines_cibles_atteintes == 2
    # the existing filters still apply, and a filter the list does not know is ignored
    assert nombre_dossiers(client, "/dossiers/?programme=HOPEN&region=11") == 3
    assert nombre_dossiers(client, "/dossiers/?programme=HOPEN&region=11&rapport=x") == 3
    html = client.get(li.dossiers("84", rapport="retard")).content.decode()
    assert 'name="rapport" value="retard"' in html and "rapport de suivi en retard" in html


def test_the_regional_page_compares_its_region_to_the_national_figure(client, monde):
    client.force_login(f.ars_lecteur("84"))
    assert client.get("/pilotage/HOPEN/")["Location"] == "/pilotage/HOPEN/84/"
    assert client.get("/pilotage/")["Location"].startswith("/pilotage/")
    response = client.get("/pilotage/HOPEN/84/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Position de la région Auvergne-Rhône-Alpes" in html
    lig, nat = monde.ligne("84"), monde.total
    region = tableaux.pourcent(lig.instruction.refus_implicites / D(lig.instruction.dossiers))
    national = tableaux.pourcent(nat.instruction.refus_implicites / D(nat.instruction.dossiers))
    assert region != national
    assert tableaux.dire_pourcent(region) in html and tableaux.dire_pourcent(national) in html
    assert "Île-de-France" not in html  # the national aggregates, never another région's row
    assert 'id="lien-bilan" href="/pilotage/HOPEN/84/bilan.pdf"' in html
    assert client.get("/pilotage/HOPEN/11/").status_code == 404
    assert client.get("/pilotage/XX/84/").status_code == 404


@pytest.mark.parametrize(
    "qui, url, statut",
    [
        ("es", "/pilotage/", 403),
        ("es", "/pilotage/HOPEN/", 403),
        ("es", "/pilotage/HOPEN/84/", 403),
        ("ars", "/pilotage/HN/11/", 404),
        ("national", "/pilotage/", 302),
        ("national", "/pilotage/HN/", 200),
        ("national", "/pilotage/HN/11/", 200),
        ("anonyme", "/pilotage/HN/", 302),
    ],
)
def test_who_opens_what(client, qui, url, statut):
    user = {
        "es": f.es_gestionnaire,
        "ars": lambda: f.ars_valideur("84"),
        "national": f.pilote_national,
        "anonyme": lambda: None,
    }[qui]()
    if user:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == statut
    if qui == "anonyme":
        assert response["Location"].startswith(reverse("login"))


def test_the_tables_export_as_csv_and_xlsx(client, monde):
    client.force_login(f.lecteur_national())
    response = client.get("/pilotage/HOPEN/?format=csv&table=instruction")
    assert response.status_code == 200
    assert "pilotage-hopen-instruction-" in response["Content-Disposition"]
    lignes = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0][:3] == ["Région", "En cours de saisie", "Déposé"]
    assert len(lignes) == 1 + 18 + 1  # every région and the total
    ara = next(lig for lig in lignes if lig[0] == "Auvergne-Rhône-Alpes")
    assert ara[2] == "3" and lignes[-1][0] == "Total"
    response = client.get("/pilotage/HOPEN/?format=xlsx&table=finances")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][1] == "Enveloppe publiée"
    ara = next(r for r in rows if r[0] == "Auvergne-Rhône-Alpes")
    assert D(str(ara[4])) == monde.ligne("84").finances.engage == D("1000.00")
    client.force_login(f.ars_lecteur("84"))
    response = client.get("/pilotage/HOPEN/84/?format=csv&table=position")
    lignes = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ["Indicateur", "Région (%)", "National (%)", "Écart (points)"]
    assert len(lignes) == 7
    assert client.get("/pilotage/HOPEN/84/?format=csv&table=inconnue").status_code == 404


def test_hn_has_no_call_and_links_its_envelopes_on_the_former_regions(client):
    client.force_login(f.lecteur_national())
    html = client.get("/pilotage/HN/").content.decode()
    assert "Pas d&#x27;appel à candidatures pour ce programme" in html
    assert "/enveloppes/?programme=HN&amp;region=84" in html
    html = client.get("/enveloppes/?programme=HN&region=84").content.decode()
    assert "Rhône-Alpes" in html and "Auvergne" in html and "Bretagne" not in html


def test_the_query_count_does_not_grow_with_the_rows(client):
    client.force_login(f.lecteur_national())

    def compte(url):
        cache.clear()
        client.get(url)  # the session, the user: the same for both counts
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    avant = compte("/pilotage/HOPEN/"), compte("/pilotage/HOPEN/84/")
    jour = aujourd_hui()
    for code in ("84", "11", "93", "84"):
        creer_dossier(spec(code, Etat.ACCEPTE, domaines=[("D2", True, "cibles")]), jour)
    assert (compte("/pilotage/HOPEN/"), compte("/pilotage/HOPEN/84/")) == avant
    assert avant[0] <= 30, avant


def test_the_calls_block_links_to_the_precandidatures_it_counts(client):
    from tests.candidatures import aides

    aides.brouillon(aides.etablissement("84"))
    aides.transmise(aides.etablissement("84"))
    aides.transmise(aides.etablissement("11"))
    client.force_login(f.lecteur_national())
    html = client.get("/pilotage/HOPEN/").content.decode()
    li = tableaux.liens(Programme.objects.get(code="HOPEN"))
    for code, etat, n in (("84", "transmise", 1), ("84", "brouillon", 1), ("11", "transmise", 1)):
        url = li.precandidatures(code, etat=etat)
        assert f'<a href="{url.replace("&", "&amp;")}">{n}</a>' in html, url
        liste = client.get(url).content.decode()
        assert f"<caption>{n} pré-candidature" in liste, url
    # the programme filter of the list: none of them is an HN call's
    vide = client.get("/candidatures/?programme=HN").content.decode()
    assert 'id="aucune-precandidature"' in vide
    assert "<caption>3 pré-candidatures" in client.get("/candidatures/").content.decode()


def test_the_menu_and_the_home_page_lead_national_and_ars_users_to_the_dashboards(client):
    for user, voit in (
        (f.lecteur_national(), True),
        (f.ars_auditeur("84"), True),
        (f.es_gestionnaire(), False),
    ):
        client.force_login(user)
        html = client.get("/").content.decode()
        assert (
            bool(re.search(r'class="fr-nav__link" href="/pilotage/" *>Pilotage</a>', html)) is voit
        )
        assert ('id="espace-pilotage"' in html) is voit
