"""The dashboards' figures (issue 16, ``pilotage.chiffres``) recomputed independently: random
dossiers, domaines and ledger lines (hypothesis) are counted and summed here in plain Python
from what was created, then compared with the aggregated figures of every région and of the
total; ``GET pilotage/`` agrees with ``GET enveloppes/`` and ``GET dossiers/`` for the same
scope; the query count does not grow with the rows; who may read what."""

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers.enums import DecisionDomaine, Etat, MotifCloture, MotifRefus, SuiviDomaine
from dossiers.models import DemandeInitialisation, DomaineDossier, Dossier
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn.dates import aujourd_hui
from hn.referentiel.enums import Statut
from hn.referentiel.models import Domaine, Programme
from pilotage import chiffres
from tests import factories as f

pytestmark = pytest.mark.django_db

REGIONS = ("84", "11", "93")
NATURES = {
    # nature: (engage, engage_amorcage, verse, redeploiement, remboursement_du): the effect of
    # each line written here by hand, not taken from enveloppes.regles.
    Nature.ENGAGEMENT: (1, 0, 0, 0, 0),
    Nature.LIBERATION: (-1, 0, 0, 0, 0),
    Nature.AMORCAGE_DECIDE: (0, 1, 0, 0, 0),
    Nature.AMORCAGE_VERSE: (0, 0, 1, 0, 0),
    Nature.USAGE_VERSE: (0, 0, 1, 0, 0),
    Nature.REDEPLOIEMENT_ENTRANT: (0, 0, 0, 1, 0),
    Nature.REDEPLOIEMENT_SORTANT: (0, 0, 0, -1, 0),
    Nature.REMBOURSEMENT_AMORCAGE_DU: (0, 0, 0, 0, 1),
}
_numeros = itertools.count(1)

dossier_st = st.fixed_dictionaries(
    {
        "region": st.sampled_from(REGIONS),
        "etat": st.sampled_from(list(Etat)),
        "statut": st.sampled_from(list(Statut)),
        "ssr": st.booleans(),
        "echeance": st.integers(-5, 30),  # days from today
        "rapport": st.integers(-10, 10),
        "derogation": st.booleans(),
        "prerequis_atteints": st.booleans(),
        # ledger lines on the dossier's first domaine (none without a domaine)
        "lignes": st.lists(
            st.tuples(
                st.sampled_from([n for n in NATURES if "redeploiement" not in n]),
                st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2),
            ),
            max_size=3,
        ),
        "domaines": st.lists(
            st.tuples(
                st.sampled_from(["D1", "D2", "D3", "D4"]),
                st.booleans(),  # selected
                st.sampled_from(["", "cibles", "finance"]),
            ),
            max_size=3,
            unique_by=lambda t: t[0],
        ),
    }
)
ligne_st = st.tuples(  # redeployments: no dossier
    st.sampled_from(REGIONS),
    st.sampled_from([Nature.REDEPLOIEMENT_ENTRANT, Nature.REDEPLOIEMENT_SORTANT]),
    st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2),
)
demande_st = st.tuples(st.sampled_from(REGIONS), st.integers(-5, 40), st.booleans())


def hopen():
    return Programme.objects.get(code="HOPEN")


SUIVIS = {
    "": SuiviDomaine.SELECTIONNE,
    "cibles": SuiviDomaine.CIBLES_ATTEINTES,
    "finance": SuiviDomaine.FINANCE,
}


def creer_dossier(spec, jour):
    prog = hopen()
    etab = f.EtablissementFactory(
        region=f.region(spec["region"]), statut=spec["statut"], ssr=spec["ssr"]
    )
    dossier = Dossier.objects.create(
        numero=f"T{next(_numeros):06d}",
        programme=prog,
        etablissement=etab,
        region=etab.region,
        nom="Dossier de test",
        cree_par=f.UserFactory(),
        motif_refus=MotifRefus.AUTRE,
        motif_cloture=MotifCloture.CIBLES_INATTEIGNABLES,
        etat=spec["etat"],
        echeance_decision=jour + dt.timedelta(days=spec["echeance"]),
        prochain_rapport_le=jour + dt.timedelta(days=spec["rapport"]),
        prerequis_atteints_le=jour if spec["prerequis_atteints"] else None,
    )
    premier = None
    for code, retenu, suivi in spec["domaines"]:
        domaine = DomaineDossier.objects.create(
            dossier=dossier,
            domaine=Domaine.objects.get(programme=prog, code=code),
            demande=True,
            decision=DecisionDomaine.SELECTIONNE if retenu else DecisionDomaine.NON_SELECTIONNE,
            suivi=SUIVIS[suivi] if retenu else SuiviDomaine.HORS_SUIVI,
            cibles_atteintes_le=jour if suivi else None,
            finance_le=jour if suivi == "finance" else None,
        )
        premier = premier or domaine
    lignes = [(n, m, False) for n, m in spec["lignes"]]
    if spec["derogation"]:
        lignes.append((Nature.AMORCAGE_DECIDE, D("100.00"), True))
    for nature, montant, derogation in lignes if premier else []:
        MouvementEnveloppe.objects.create(
            enveloppe=enveloppe(spec["region"]),
            dossier=dossier,
            domaine=premier,
            nature=nature,
            derogation=derogation,
            montant=montant,
            date=jour,
        )
    return dossier


def enveloppe(code):
    return Enveloppe.objects.get(
        programme__code="HOPEN", region__code=code, region__decoupage="2016"
    )


def attendu(specs, lignes, demandes, jour):
    """Every figure of every région, by hand from what was created."""
    res = {}
    for code in REGIONS:
        mes = [s for s in specs if s["region"] == code]
        suivis = [s for s in mes if s["etat"] == Etat.ACCEPTE]
        retenus = [
            (s, d)
            for s in mes
            if s["etat"] in (Etat.ACCEPTE, Etat.CLOS)
            for d in s["domaines"]
            if d[1]
        ]
        retenus_dossiers = [
            s
            for s in mes
            if s["etat"] in (Etat.ACCEPTE, Etat.CLOS) and any(d[1] for d in s["domaines"])
        ]
        mouvements = [(n, m) for c, n, m in lignes if c == code]
        for s in mes:
            if s["domaines"]:
                mouvements += s["lignes"]
                if s["derogation"]:
                    mouvements.append((Nature.AMORCAGE_DECIDE, D("100.00")))
        somme = [sum((NATURES[n][i] * m for n, m in mouvements), D(0)) for i in range(5)]
        publie = enveloppe(code).montant_publie
        res[code] = {
            "etats": {e.value: sum(1 for s in mes if s["etat"] == e) for e in Etat},
            "sous_15": sum(1 for s in mes if s["etat"] == Etat.DEPOSE and s["echeance"] <= 15),
            "demandes": sum(1 for c, _, attente in demandes if c == code and attente),
            "demandes_retard": sum(
                1 for c, j, attente in demandes if c == code and attente and j < 0
            ),
            "engage": somme[0],
            "engage_amorcage": somme[1],
            "verse": somme[2],
            "redeploiements": somme[3],
            "remboursements_dus": somme[4],
            "disponible": publie + somme[3] - somme[0],
            "enveloppe": publie,
            "domaines": len(retenus),
            "etablissements": len(retenus_dossiers),  # one établissement per dossier here
            "public": sum(1 for s in retenus_dossiers if s["statut"] == Statut.PUBLIC),
            "ssr": sum(1 for s in retenus_dossiers if s["ssr"]),
            "cibles": sum(1 for _, d in retenus if d[2]),
            "finances": sum(1 for _, d in retenus if d[2] == "finance"),
            "suivis": len(suivis),
            "prerequis": sum(
                1
                for s in suivis
                if not (s["derogation"] and s["domaines"] and not s["prerequis_atteints"])
            ),
            "retard": sum(
                1
                for s in suivis
                if s["rapport"] < 0 and any(d[1] and d[2] != "finance" for d in s["domaines"])
            ),
        }
    return res


def comparer(ligne, a):
    i, fi, s, su = ligne.instruction, ligne.finances, ligne.selection, ligne.suivi
    assert i.etats == a["etats"]
    assert i.decisions_sous_15_jours == a["sous_15"]
    assert (i.demandes_en_attente, i.initialisations_en_retard) == (
        a["demandes"],
        a["demandes_retard"],
    )
    assert fi.engage == a["engage"] and fi.engage_amorcage == a["engage_amorcage"]
    assert fi.verse == a["verse"] and fi.redeploiements == a["redeploiements"]
    assert fi.remboursements_dus == a["remboursements_dus"]
    assert fi.disponible == a["disponible"] and fi.enveloppe == a["enveloppe"]
    assert (s.domaines, s.etablissements) == (a["domaines"], a["etablissements"])
    statuts = {r.cle: r.selectionnes for r in s.par_statut}
    assert statuts[Statut.PUBLIC] == a["public"]
    assert {r.cle: r.selectionnes for r in s.par_activite}["ssr"] == a["ssr"]
    assert (su.domaines_selectionnes, su.domaines_cibles_atteintes) == (
        a["domaines"],
        a["cibles"],
    )
    assert su.domaines_finances == a["finances"]
    assert (su.dossiers_suivis, su.prerequis_atteints) == (a["suivis"], a["prerequis"])
    assert su.rapports_en_retard == a["retard"]


@settings(
    max_examples=max(10, settings.default.max_examples // 8),  # rows in the database
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(dossier_st, max_size=7),
    lignes=st.lists(ligne_st, max_size=6),
    demandes=st.lists(demande_st, max_size=4),
)
def test_every_figure_equals_its_recount_from_the_rows(specs, lignes, demandes):
    jour = aujourd_hui()
    with transaction.atomic():
        for spec in specs:
            creer_dossier(spec, jour)
        for code, nature, montant in lignes:
            MouvementEnveloppe.objects.create(
                enveloppe=enveloppe(code), nature=nature, montant=montant, date=jour
            )
        for code, jours, attente in demandes:
            d = DemandeInitialisation.objects.create(
                programme=hopen(),
                etablissement=f.EtablissementFactory(region=f.region(code)),
                demandeur=f.UserFactory(),
                echeance=jour + dt.timedelta(days=jours),
            )
            if not attente:
                DemandeInitialisation.objects.filter(pk=d.pk).update(annulee_le=d.demandee_le)
        t = chiffres.tableau(chiffres.perimetre(f.superuser(), "HOPEN"))
        a = attendu(specs, lignes, demandes, jour)
        for code in REGIONS:
            comparer(t.ligne(code), a[code])
        # The total adds up the rows; its shares are recomputed from its sums.
        assert t.total.instruction.etats == {
            e.value: sum(lig.instruction.etats[e.value] for lig in t.lignes) for e in Etat
        }
        assert t.total.finances.engage == sum((lig.finances.engage for lig in t.lignes), D(0))
        assert (
            t.total.finances.enveloppe == Enveloppe.objects.filter(programme__code="HOPEN").total()
        )
        su = t.total.suivi
        assert su.part_cibles_atteintes == (
            D(su.domaines_cibles_atteintes) / su.domaines_selectionnes
            if su.domaines_selectionnes
            else None
        )
        transaction.set_rollback(True)


def test_the_api_agrees_with_the_envelopes_and_the_dossiers(client):
    jour = aujourd_hui()
    for spec in (
        {
            "region": "84",
            "etat": Etat.ACCEPTE,
            "statut": Statut.PUBLIC,
            "ssr": False,
            "echeance": 3,
            "rapport": -1,
            "derogation": True,
            "prerequis_atteints": False,
            "domaines": [("D2", True, "cibles")],
            "lignes": [(Nature.ENGAGEMENT, D("1234.50"))],
        },
        {
            "region": "84",
            "etat": Etat.DEPOSE,
            "statut": Statut.CLCC,
            "ssr": True,
            "echeance": 20,
            "rapport": 0,
            "derogation": False,
            "prerequis_atteints": False,
            "domaines": [],
            "lignes": [],
        },
    ):
        creer_dossier(spec, jour)
    user = f.ars_lecteur("84")
    client.force_login(user)
    body = client.get("/api/v1/pilotage/?programme=HOPEN").json()
    assert [r["region"] for r in body] == ["84"]
    env = client.get("/api/v1/enveloppes/?programme=HOPEN&region=84").json()[0]
    ligne = body[0]
    assert ligne["enveloppe"] == env["total"]
    assert ligne["disponible"] == env["disponible"]
    assert ligne["engage"] == env["engage_amorcage"] + env["engage_usage"] == 1235
    assert ligne["verse"] == env["consomme_amorcage"] + env["consomme_usage"]
    for etat, n in ligne["dossiers"].items():
        dossiers = client.get(f"/api/v1/dossiers/?programme=HOPEN&region=84&etat={etat}")
        assert dossiers.json()["count"] == n, etat
    assert ligne["dossiers"]["accepte"] == 1 and ligne["dossiers"]["depose"] == 1
    suivi = client.get("/api/v1/pilotage/suivi/?programme=HOPEN&region=84").json()[0]
    assert suivi["dossiers_suivis"] == 1 and suivi["prerequis_atteints"] == 0
    assert suivi["part_cibles_atteintes"] == 100.0 and suivi["rapports_en_retard"] == 1


@pytest.mark.parametrize(
    "qui, chemin, statut",
    [
        ("es", "/api/v1/pilotage/?programme=HOPEN", 403),
        ("ars", "/api/v1/pilotage/?programme=HOPEN&region=11", 404),
        ("ars", "/api/v1/pilotage/finances/?programme=HOPEN&region=11", 404),
        ("ars", "/api/v1/pilotage/?programme=HOPEN&region=84", 200),
        ("ars", "/api/v1/pilotage/?programme=XX", 400),
        ("ars", "/api/v1/pilotage/", 400),
        ("ars", "/api/v1/pilotage/inconnu/?programme=HN", 404),
        ("national", "/api/v1/pilotage/audits/?programme=HN", 200),
        ("anonyme", "/api/v1/pilotage/?programme=HN", 401),
    ],
)
def test_who_reads_what(client, qui, chemin, statut):
    user = {
        "es": f.es_gestionnaire,
        "ars": lambda: f.ars_valideur("84"),
        "national": f.lecteur_national,
        "anonyme": lambda: None,
    }[qui]()
    if user:
        client.force_login(user)
    response = client.get(chemin)
    assert response.status_code == statut, response.content
    if qui == "national":
        body = response.json()
        assert len(body) == 18 and {"region", "nom", "audits", "total"} <= set(body[0])
    if statut == 400:
        assert "programme" in response.json()["errors"]


def test_the_query_count_does_not_grow_with_the_rows(django_assert_num_queries):
    jour = aujourd_hui()
    p = chiffres.perimetre(f.superuser(), "HOPEN")
    with django_assert_num_queries(11):
        chiffres.tableau(p)
    base = {
        "etat": Etat.ACCEPTE,
        "statut": Statut.PUBLIC,
        "ssr": True,
        "echeance": 1,
        "rapport": -3,
        "derogation": True,
        "prerequis_atteints": False,
        "domaines": [("D2", True, ""), ("D3", True, "finance")],
        "lignes": [],
    }
    for code in REGIONS * 3:
        creer_dossier({**base, "region": code}, jour)
    with django_assert_num_queries(11):
        t = chiffres.tableau(p)
    assert t.total.selection.domaines == 18


def test_the_cache_follows_the_ledger_and_the_dossiers():
    jour = aujourd_hui()
    p = chiffres.perimetre(f.superuser(), "HOPEN", "84")
    avant = chiffres.tableau_en_cache(p)
    assert chiffres.tableau_en_cache(p).extrait_le == avant.extrait_le  # kept
    MouvementEnveloppe.objects.create(
        enveloppe=enveloppe("84"),
        nature=Nature.REDEPLOIEMENT_ENTRANT,
        montant=D("10.00"),
        date=jour,
    )
    apres = chiffres.tableau_en_cache(p)
    assert apres.total.finances.redeploiements == avant.total.finances.redeploiements + 10
    creer_dossier(
        {
            "region": "84",
            "etat": Etat.DEPOSE,
            "statut": Statut.PUBLIC,
            "ssr": False,
            "echeance": 2,
            "rapport": 0,
            "derogation": False,
            "prerequis_atteints": False,
            "domaines": [],
            "lignes": [],
        },
        jour,
    )
    assert chiffres.tableau_en_cache(p).total.instruction.etats["depose"] == (
        apres.total.instruction.etats["depose"] + 1
    )
