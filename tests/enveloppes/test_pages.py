"""Envelope pages: the list (national: every région side by side), an envelope's page with its
figures, charts and their text alternatives, retained établissements, late domaines and balance
warnings; who may read them; query counts that do not grow with the rows."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.utils.html import escape

from dossiers.enums import SuiviDomaine
from dossiers.models import DomaineDossier
from hn.referentiel.enums import Statut
from tests import factories as f
from tests.enveloppes import donnees as x
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

NB = "\u00a0"
# "Today" for the late-domaine figures (the dossiers' target date is 30/06/2022).
AUJOURD_HUI = dt.date(2023, 1, 10)


def page(client, user, url, status=200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def montant(texte: str) -> D:
    """``1 234,56 €`` → Decimal."""
    return D(texte.replace(NB, "").replace(" ", "").replace("€", "").replace(",", "."))


def cellule(html: str, ident: str) -> D:
    """The amount in the row ``id=ident`` (tables "Situation" and "Synthèse")."""
    ligne = re.search(rf'<tr id="{ident}">(.*?)</tr>', html, re.S).group(1)
    return montant(re.findall(r'<td class="hn-montant">([^<]*)</td>', ligne)[0])


def section(html: str, ident: str) -> str:
    return re.search(rf'<section[^>]*id="{ident}"[^>]*>(.*?)</section>', html, re.S).group(1)


@pytest.fixture
def scenario():
    return x.scenario_hopen_84()


# --- the list ----------------------------------------------------------------------------------


def test_the_list_links_each_envelope_and_shows_its_ledger_figures(client, scenario):
    html = page(client, f.ars_lecteur("84"), "/enveloppes/")
    assert '<a href="/enveloppes/HOPEN/84/">Auvergne-Rhône-Alpes (84)</a>' in html
    # HN: the former régions, under the current one.
    assert '<a href="/enveloppes/HN/82/">Rhône-Alpes (82)</a>' in html
    assert '<a href="/enveloppes/HN/83/">Auvergne (83)</a>' in html
    hopen = re.search(r'<a href="/enveloppes/HOPEN/84/">.*?</tr>', html, re.S).group(0)
    # Whole euros (floatformat, half up): published, engaged amorçage 70 000,49 → 70 000,
    # engaged usage 438 709,50 → 438 710 (the scenario of tests/enveloppes/donnees.py).
    cellules = re.findall(r'<td class="hn-montant">([^<]*)</td>', hopen)
    assert cellules == [
        f"49{NB}777{NB}000",
        f"70{NB}000",
        f"438{NB}710",
        f"70{NB}000",
        f"12{NB}346",
        f"49{NB}258{NB}290",
    ]
    assert 'role="img"' in section(html, "programme-hopen")
    assert "Île-de-France" not in html


def test_the_national_page_shows_every_region_side_by_side_with_both_totals(client, scenario):
    x.retenu(x.etablissement("11"), selectionnes=("D2",))  # one more région
    html = page(client, f.lecteur_national(), "/enveloppes/")
    hopen, hn = section(html, "programme-hopen"), section(html, "programme-hn")
    # One chart per programme, one bar per région; one table row per région.
    assert hopen.count('class="hn-graphique__barre"') == 18
    assert hn.count('class="hn-graphique__barre"') == 26
    assert hopen.count("<tr><td>") == 18
    assert hn.count("<tr><td>") == 26
    total = re.search(r"Total des lignes</th>(.*?)</tr>", hopen, re.S).group(1)
    cellules = re.findall(r'<td class="hn-montant">(?:<strong>)?([^<]*)', total)
    # Σ regional HOP'EN lines 419 999 000 (published total 420 000 000 beside it); engaged
    # usage: région 84's 438 709,50 + Île-de-France's D2 forfait 269 355 = 708 064,50.
    assert cellules[0] == f"419{NB}999{NB}000"
    assert cellules[2] == f"708{NB}065"
    assert f"420{NB}000{NB}000" in re.search(r"Total national publié</th>(.*?)</tr>", hopen).group(
        1
    )
    assert "arrondis ligne à ligne" in hopen


def test_the_list_runs_a_fixed_number_of_queries(client):
    client.force_login(f.pilote_national())
    avant, _ = count_queries(client.get, "/enveloppes/")
    x.retenu(x.etablissement("84"), selectionnes=("D2", "D3"))
    x.retenu(x.etablissement("11"), selectionnes=("D2",))
    apres, response = count_queries(client.get, "/enveloppes/")
    assert response.status_code == 200
    assert apres == avant


# --- an envelope's page -------------------------------------------------------------------------


def test_the_envelope_page_shows_every_figure_of_the_ledger(client, scenario):
    with x.a_midi(AUJOURD_HUI):
        html = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
    assert "<h1>Enveloppe HOPEN — Auvergne-Rhône-Alpes (84)</h1>" in html
    s = x.recalcul(x.enveloppe())
    for attr in ("publie", "total", "plafond_amorcage", "engage_amorcage", "engage_usage"):
        assert cellule(html, f"situation-{attr}") == getattr(s, attr), attr
    for attr in ("consomme_amorcage", "consomme_usage", "disponible", "amorcage_disponible"):
        assert cellule(html, f"situation-{attr}") == getattr(s, attr), attr
    assert (s.engage_amorcage, s.consomme_usage, s.repris) == (
        D("70000.49"),
        D("12345.67"),
        D("10000.01"),
    )
    assert escape("Plafond d'amorçage") + f" (20{NB}% de l'enveloppe)" in html
    # Key figures at a glance.
    chiffres = html[html.index('id="chiffres-cles"') :][:1500]
    assert f"Engagé</span><strong>509{NB}k€</strong>" in chiffres
    assert f"Disponible</span><strong>49,3{NB}M€</strong>" in chiffres


def test_the_charts_are_inline_svg_with_a_text_alternative(client, scenario):
    html = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
    for ident in (
        "graphique-montants",
        "graphique-plafond",
        "anneau-engage",
        "anneau-consomme",
        "graphique-statuts",
        "graphique-activites",
    ):
        figure = re.search(rf'<figure[^>]*id="{ident}">(.*?)</figure>', html, re.S).group(1)
        assert f'role="img" aria-labelledby="{ident}-titre {ident}-desc"' in figure
        assert f'<title id="{ident}-titre">' in figure
        assert f'<desc id="{ident}-desc">' in figure
    montants = re.search(r'<desc id="graphique-montants-desc">(.*?)</desc>', html).group(1)
    assert (
        f"Engagé : 508{NB}709,99{NB}€ (amorçage 70{NB}000,49{NB}€, usage 438{NB}709,50{NB}€)"
        in montants
    )
    # Each bar chart points to the table with the exact amounts.
    assert 'href="#situation"' in html
    assert 'href="#par-statut"' in html
    # No script, no external resource for the charts.
    assert "<script" not in section(html, "montants")
    assert "http" not in re.sub(
        r'xmlns="http://www.w3.org/2000/svg"', "", section(html, "montants")
    )


def test_breakdowns_by_statut_activite_and_etablissement(client, scenario):
    html = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
    statuts = re.search(r'<div[^>]*id="par-statut">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'data-cle="([^"]+)"', statuts) == ["public", "prive_lucratif"]
    public = re.search(r'data-cle="public">(.*?)</tr>', statuts, re.S).group(1)
    # Engagé amorçage, usage, total; consommé amorçage, usage, total.
    assert [montant(m) for m in re.findall(r'hn-montant">([^<]*)<', public)] == [
        D("50000.50"),
        D("438709.50"),
        D("488710.00"),
        D("50000.50"),
        D("12345.67"),
        D("62346.17"),
    ]
    # The statuts add up to the envelope's figures.
    total = re.search(r"<tfoot>(.*?)</tfoot>", statuts, re.S).group(1)
    e = x.recalcul(x.enveloppe())
    assert [montant(m) for m in re.findall(r"<strong>([^<]*)</strong>", total)] == [
        e.engage_amorcage,
        e.engage_usage,
        e.engage,
        e.consomme_amorcage,
        e.consomme_usage,
        e.consomme,
    ]
    activites = re.search(r'<div[^>]*id="par-activite">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'data-cle="([^"]+)"', activites) == ["mco", "ssr", "psy"]
    etablissements = re.search(r'<div[^>]*id="par-etablissement">(.*?)</table>', html, re.S)
    assert "CH Alpha" in etablissements.group(1)
    assert "Clinique Bêta" in etablissements.group(1)


def test_retained_etablissements_their_domaines_and_the_late_ones(client, scenario):
    with x.a_midi(AUJOURD_HUI):
        html = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
    retenus = section(html, "retenus")
    assert retenus.count('scope="rowgroup"') == 2
    assert retenus.count("<strong>D2</strong>") == 2
    assert "<strong>D3</strong>" in retenus
    assert scenario["dossier_a"].numero in retenus
    # CH Alpha's D2 is funded, Clinique Bêta's D2 closed: only CH Alpha's D3 is late
    # (target date 30/06/2022, 194 days before 10/01/2023).
    retards = section(html, "retards")
    lignes = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", retards, re.S)
    assert len(lignes) == 1
    assert "CH Alpha" in lignes[0]
    assert "D3 — " in lignes[0]
    assert "30/06/2022" in lignes[0]
    assert '<td class="hn-montant">194</td>' in lignes[0]
    assert retenus.count("En retard") == 1
    # Before the target date nothing is late.
    with x.a_midi(dt.date(2022, 6, 30)):
        html = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
    assert "Aucune date cible dépassée." in section(html, "retards")


def test_a_domaine_whose_targets_are_met_is_not_late(client, scenario):
    DomaineDossier.objects.filter(dossier=scenario["dossier_a"], domaine__code="D3").update(
        suivi=SuiviDomaine.CIBLES_ATTEINTES
    )
    with x.a_midi(AUJOURD_HUI):
        html = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
    assert "Aucune date cible dépassée." in section(html, "retards")


def test_balance_warnings_when_the_selection_drifts(client):
    # Five public établissements retained, five private ones in the région not retained:
    # 100 % public among the retained against 50 % in the région (warning above 15 points).
    for _ in range(5):
        f.EtablissementFactory(region=f.region("84"), statut=Statut.PRIVE_LUCRATIF)
    for _ in range(5):
        x.retenu(x.etablissement(statut=Statut.PUBLIC), selectionnes=("D4",))
    html = page(client, f.ars_valideur("84"), "/enveloppes/HOPEN/84/")
    equilibre = section(html, "equilibre")
    assert "fr-alert--warning" in equilibre
    assert (
        f"100{NB}% des établissements retenus sont de statut « Public », contre 50{NB}% des "
        "établissements de la région" in equilibre
    )
    assert "sans effet bloquant" in equilibre


def test_no_balance_section_when_the_selection_is_balanced(client, scenario):
    html = page(client, f.ars_valideur("84"), "/enveloppes/HOPEN/84/")
    assert 'id="equilibre"' not in html


def test_the_page_runs_a_fixed_number_of_queries(client):
    user = f.ars_valideur("84")
    client.force_login(user)
    x.retenu(x.etablissement(), selectionnes=("D2",))
    un, response = count_queries(client.get, "/enveloppes/HOPEN/84/")
    assert response.status_code == 200
    for statut, activites in [
        (Statut.PRIVE_LUCRATIF, {"ssr": True}),
        (Statut.CLCC, {"had": True}),
        (Statut.PRIVE_NON_LUCRATIF, {"psy": True}),
        (Statut.PUBLIC, {}),
    ]:
        x.retenu(x.etablissement(statut=statut, **activites), selectionnes=("D1", "D2", "D4"))
    plusieurs, response = count_queries(client.get, "/enveloppes/HOPEN/84/")
    assert response.content.decode().count('scope="rowgroup"') == 5
    assert plusieurs == un


# --- HN on the former régions, and who may read ------------------------------------------------


def test_hn_envelopes_are_on_the_former_regions_read_by_the_current_ars(client):
    dossier = x.retenu(x.etablissement(historique="82"), code="HN", selectionnes=("D2",))
    html = page(client, f.ars_lecteur("84"), "/enveloppes/HN/82/")
    assert "<h1>Enveloppe HN — Rhône-Alpes (82)</h1>" in html
    assert "Ancienne région, gérée par l'ARS Auvergne-Rhône-Alpes (84)." in html
    assert dossier.numero in section(html, "retenus")
    assert cellule(html, "situation-publie") == D(37_642_000)
    engage = x.recalcul(x.enveloppe("HN", "82")).engage
    assert engage > 0
    assert cellule(html, "situation-engage") == engage
    # The programme code is case-insensitive; 84 is not a former région of HN.
    page(client, f.ars_lecteur("84"), "/enveloppes/hn/82/")
    page(client, f.ars_lecteur("84"), "/enveloppes/HN/84/", 404)
    # Another ARS, an établissement's user: the envelope does not exist for them.
    page(client, f.ars_valideur("11"), "/enveloppes/HN/82/", 404)
    page(client, f.es_gestionnaire(), "/enveloppes/HN/82/", 404)
    page(client, f.pilote_national(), "/enveloppes/HN/82/")


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/enveloppes/HOPEN/84/")
    assert response.status_code == 302
    assert response.url == "/connexion/?next=/enveloppes/HOPEN/84/"


def test_unknown_envelopes_are_404_in_french(client):
    html = page(client, f.pilote_national(), "/enveloppes/XX/84/", 404)
    assert "introuvable" in html.lower()


def test_rows_per_etablissement_come_by_pages_and_the_figures_cover_the_envelope(
    client, scenario, monkeypatch
):
    """At scale an envelope retains thousands of domaines: its page shows the établissements'
    rows by pages (``ETABLISSEMENTS_PAR_PAGE``), the figures and breakdowns stay whole."""
    from enveloppes import views

    with x.a_midi(AUJOURD_HUI):
        entier = page(client, f.ars_lecteur("84"), "/enveloppes/HOPEN/84/")
        monkeypatch.setattr(views, "ETABLISSEMENTS_PAR_PAGE", 1)
        pages = [
            page(client, f.ars_lecteur("84"), f"/enveloppes/HOPEN/84/?page={n}") for n in (1, 2)
        ]
    assert "Page 1 / 2" in pages[0] and "Page 2 / 2" in pages[1]
    for html, present, absent in ((pages[0], "CH Alpha", "Clinique Bêta"),
                                  (pages[1], "Clinique Bêta", "CH Alpha")):  # fmt: skip
        for ident in ("retenus", "etablissements"):
            assert present in section(html, ident) and absent not in section(html, ident)
        assert section(html, "montants") == section(entier, "montants")
        assert section(html, "statuts") == section(entier, "statuts")
        assert "1 domaine en retard dans l'enveloppe" in section(html, "retards")
    # CH Alpha's D3 is the late one: listed on its page only.
    assert "D3 — " in section(pages[0], "retards")
    assert "Aucune date cible dépassée pour les établissements de cette page." in section(
        pages[1], "retards"
    )


def test_instruction_page_tells_an_envelope_that_cannot_be_determined(client):
    """Load test of issue 17: a HN dossier of an établissement with no région before 2016
    (Mayotte) made the instruction page answer 500."""
    from tests import dossiers_factories as d

    etablissement = f.EtablissementFactory()
    etablissement.region_historique = None
    etablissement.save()
    dossier = d.prerequis_acceptes(d.depose(etablissement, code="HN"))
    client.force_login(d.valideur_de(dossier))
    response = client.get(f"/dossiers/{dossier.numero}/instruction/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="enveloppe-indeterminee"' in html
    assert escape("n'a pas de région d'avant 2016") in html
