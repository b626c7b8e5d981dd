"""HOP'EN's amorçage by derogation pages (SPEC §3): figures recomputed here from the ledger
lines (not through ``enveloppes.derogations``), the deadline's edges (01/01/2021 included),
access, exports, HN's 404; and a redeployment's two ledger lines on both envelope pages."""

import datetime as dt
import html
from decimal import Decimal as D

import pytest
import time_machine

from dossiers.models import Dossier
from enveloppes import actions
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from tests import dossiers_factories as d
from tests import factories as f
from tests.enveloppes.donnees import PARIS
from tests.enveloppes.test_actions import engage, enveloppe
from tests.queries import count_queries

pytestmark = pytest.mark.django_db
MAYOTTE = "06"
ARA = "84"  # HOP'EN: 49 777 000 € published [003 A2]
NATIONALE = "/enveloppes/derogations/HOPEN/"
REGIONALE = f"/enveloppes/derogations/HOPEN/{ARA}/"
JOUR = dt.date(2020, 6, 1)
NBSP = "\u00a0"


def texte(response) -> str:
    return html.unescape(response.content.decode()).replace(NBSP, " ").replace("\u202f", " ")


def le(jour):
    return time_machine.travel(dt.datetime.combine(jour, dt.time(12), tzinfo=PARIS), tick=False)


@pytest.fixture
def monde():
    """Auvergne-Rhône-Alpes (amorçage credits 9 955 400 €): A 20 000 € by derogation, 15 000 paid,
    prérequis pending; B 10 000 € paid, prérequis met on 15/12/2020; C 5 000 € outside the
    derogation; the share raised to 50 % by the national pilot."""
    a, b, c = engage(region=ARA), engage(region=ARA), engage(region=ARA)
    valideur = d.valideur_de(a)
    for dossier, montant, derogation in ((a, 20_000, True), (b, 10_000, True), (c, 5_000, False)):
        actions.decider_amorcage(
            dossier=dossier,
            montants={"D2": montant},
            derogation=derogation,
            acting_user=valideur,
            le=JOUR,
        )
    for dossier, montant in ((a, 15_000), (b, 10_000), (c, 5_000)):
        actions.verser(
            dossier=dossier,
            domaine="D2",
            volet="amorcage",
            montant=montant,
            acting_user=valideur,
            le=JOUR,
        )
    Dossier.objects.filter(pk=b.pk).update(prerequis_atteints_le=dt.date(2020, 12, 15))
    pilote = f.pilote_national()
    actions.fixer_taux_derogation(
        enveloppe=enveloppe(ARA),
        taux="0.50",
        motif="Trop peu d'établissements.",
        acting_user=pilote,
        le=JOUR,
    )
    return {"a": a, "b": b, "c": c, "pilote": pilote, "valideur": valideur}


def _attendu():
    """Recomputed from the ledger: the derogation lines' amounts by nature."""
    lignes = MouvementEnveloppe.objects.filter(enveloppe=enveloppe(ARA), derogation=True)

    def somme(nature, **filtres):
        return sum((m.montant for m in lignes.filter(nature=nature, **filtres)), D(0))

    decide = somme(Nature.AMORCAGE_DECIDE) - somme(Nature.AMORCAGE_ANNULE)
    verse = somme(Nature.AMORCAGE_VERSE)
    credits = D(49_777_000) * D("0.20")
    return {"credits": credits, "limite": credits / 2, "engage": decide, "verse": verse}


def test_the_regional_page_recomputed_from_the_ledger(client, monde):
    x = _attendu()
    assert (x["engage"], x["verse"]) == (D(30_000), D(25_000))
    client.force_login(f.ars_lecteur(ARA))
    with le(dt.date(2020, 12, 31)):
        page = texte(client.get(REGIONALE))
    assert "9 955 400,00 €" in page and "4 977 700,00 €" in page
    assert f"décidée par {monde['pilote'].username} le 01/06/2020" in page
    for cle, valeur in (
        ("engage", x["engage"]),
        ("verse", x["verse"]),
        ("reste", x["limite"] - x["engage"]),
        ("a-rembourser", D(15_000)),  # A's payment; B met the prérequis in time
    ):
        montant = f"{valeur:,.2f}".replace(",", " ").replace(".", ",")
        assert f'id="derogation-{cle}"' in page
        ligne = page.split(f'id="derogation-{cle}"')[1].split("</tr>")[0]
        assert f"{montant} €" in ligne, (cle, ligne)
    a, b = monde["a"], monde["b"]
    assert f'id="dossier-{a.numero}"' in page and f'id="dossier-{b.numero}"' in page
    assert f'id="dossier-{monde["c"].numero}"' not in page
    ligne_b = page.split(f'id="dossier-{b.numero}"')[1].split("</tr>")[0]
    assert "Atteints le 15/12/2020" in ligne_b and "rien à rembourser" in ligne_b
    assert a.etablissement.finess in page


def test_the_deadline_is_included(client, monde):
    """31/12/2020 and 01/01/2021: still in time; 02/01/2021: the repayment is due (one world
    for the three days: the figures do not depend on the day, only the status)."""
    client.force_login(f.lecteur_national())
    for jour, exigible in (
        (dt.date(2020, 12, 31), False),
        (dt.date(2021, 1, 1), False),
        (dt.date(2021, 1, 2), True),
    ):
        with le(jour):
            page = texte(client.get(REGIONALE))
            fichier = client.get(REGIONALE + "?format=csv").content.decode("utf-8-sig")
        ligne = page.split(f'id="dossier-{monde["a"].numero}"')[1].split("</tr>")[0]
        assert ("remboursement exigible" in ligne) is exigible, jour
        assert "En attente" in ligne
        assert "15 000,00 €" in ligne  # repayable at the deadline, whatever the day
        rangee = next(r for r in fichier.splitlines() if monde["a"].numero in r)
        assert ("remboursement exigible" in rangee) is exigible, jour
        assert "15000,00" in rangee


def test_the_national_page_and_its_files(client, monde):
    client.force_login(f.lecteur_national())
    page = texte(client.get(NATIONALE))
    ligne = page.split(f'id="region-{ARA}"')[1].split("</tr>")[0]
    for montant in ("9 955 400,00 €", "4 977 700,00 €", "30 000,00 €", "25 000,00 €"):
        assert montant in ligne, montant
    assert "4 947 700,00 €" in ligne and "15 000,00 €" in ligne  # left; repayable
    assert "50 %" in ligne and "0,3 %" in ligne  # 30 000 / 9 955 400
    assert 'id="region-11"' in page  # every région
    xlsx = client.get(NATIONALE + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    csv = client.get(NATIONALE + "?format=csv").content.decode("utf-8-sig")
    assert any(r.startswith("Auvergne-Rhône-Alpes (84);9955400,00;0,50;") for r in csv.splitlines())
    assert client.get(REGIONALE + "?format=xlsx").status_code == 200
    liste = texte(client.get("/enveloppes/"))
    assert 'id="lien-derogations-hopen"' in liste and "lien-derogations-hn" not in liste
    assert 'id="lien-derogation"' in texte(client.get(f"/enveloppes/HOPEN/{ARA}/"))


def test_access_and_the_programme_without_derogation(client, monde):
    client.force_login(f.ars_valideur(ARA))
    page = texte(client.get(NATIONALE))
    assert f'id="region-{ARA}"' in page and 'id="region-11"' not in page
    assert client.get("/enveloppes/derogations/HOPEN/11/").status_code == 404
    client.force_login(f.es_gestionnaire(monde["a"].etablissement))
    for fichier in ("", "?format=csv", "?format=xlsx"):  # a file only where the page is
        assert client.get(NATIONALE + fichier).status_code == 403
        assert client.get(REGIONALE + fichier).status_code == 404
    client.force_login(f.ars_valideur("11"))
    assert client.get(REGIONALE + "?format=csv").status_code == 404
    client.force_login(f.lecteur_national())
    for url in ("/enveloppes/derogations/HN/", "/enveloppes/derogations/HN/82/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "ne prévoit pas d'amorçage versé avant l'atteinte des prérequis" in texte(response)
    assert client.get("/enveloppes/derogations/XX/").status_code == 404
    assert 'id="lien-derogation"' not in texte(client.get("/enveloppes/HN/82/"))
    client.logout()
    assert client.get(NATIONALE).status_code == 302


def test_a_redeployment_shows_on_both_envelope_pages(client):
    pilote = f.pilote_national()
    actions.redeployer(
        source=enveloppe(MAYOTTE),
        destination=enveloppe("53"),
        montant="12345.67",
        motif="Sous-consommation.",
        acting_user=pilote,
    )
    for user, code, sens, autre in (
        (pilote, MAYOTTE, "Cédé à", "Bretagne (53)"),
        (pilote, "53", "Reçu de", "Mayotte (06)"),
        (f.ars_lecteur("53"), "53", "Reçu de", "Mayotte (06)"),
        (f.ars_lecteur(MAYOTTE), MAYOTTE, "Cédé à", "Bretagne (53)"),
    ):
        client.force_login(user)
        page = texte(client.get(f"/enveloppes/HOPEN/{code}/"))
        section = page.split('id="redeploiements"')[1].split("</section>")[0]
        assert sens in section and autre in section, (code, section)
        assert "12 345,67 €" in section and "Sous-consommation." in section
        assert pilote.username in section


def test_query_counts_do_not_grow_with_the_dossiers(client, monde):
    client.force_login(f.lecteur_national())
    avant = [count_queries(client.get, url)[0] for url in (NATIONALE, REGIONALE)]
    autre = engage(region=ARA)
    actions.decider_amorcage(
        dossier=autre,
        montants={"D2": 1_000},
        derogation=True,
        acting_user=monde["valideur"],
        le=JOUR,
    )
    actions.fixer_taux_derogation(
        enveloppe=enveloppe("53"), taux="0.40", motif="Idem.", acting_user=monde["pilote"]
    )
    apres = [count_queries(client.get, url) for url in (NATIONALE, REGIONALE)]
    assert [n for n, _ in apres] == avant
    assert f'id="dossier-{autre.numero}"' in texte(apres[1][1])
