"""The yearly draw [SPEC §8; 000 A5]: population at the year's edges, size ⌈10 % × N⌉, a
sample anyone rechecks with ``random.Random(graine).sample``, one draw per programme, région
and year (also under two concurrent CMSI on PostgreSQL)."""

import datetime as dt
import math
import random
import threading

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from audits import actions, regles
from audits.enums import EtatAudit
from audits.models import Audit, Tirage
from dossiers import actions as dossiers_actions
from dossiers.models import Dossier
from hn.comptes.models import User
from hn.journal.models import Evenement
from tests import factories as f
from tests.audits import aides as au
from tests.indicateurs import aides as a

# --- pure rules (hypothesis) ------------------------------------------------------------------

numeros = st.lists(
    st.from_regex(r"[0-9]{2}-20[0-9]{6}-[0-9]{3}", fullmatch=True), unique=True, max_size=300
)
graines = st.integers(min_value=0, max_value=regles.GRAINE_MAX)


@given(st.integers(min_value=0, max_value=100_000))
def test_size_is_the_ceiling_of_ten_percent_and_at_least_one(n):
    t = regles.taille(n)
    assert t == (0 if n == 0 else math.ceil(n / 10))
    assert (t >= 1) == (n > 0)
    assert t * 10 >= n > (t - 1) * 10 or n == 0


@given(numeros, graines)
def test_the_sample_is_exactly_pythons_and_reproducible(population, graine):
    population = sorted(population)
    tires = regles.echantillon(population, graine)
    assert tires == random.Random(graine).sample(population, regles.taille(len(population)))
    assert tires == regles.echantillon(list(population), graine)
    assert len(tires) == regles.taille(len(population))
    assert len(set(tires)) == len(tires) and set(tires) <= set(population)


@given(
    st.integers(min_value=2013, max_value=2030),
    st.dates(dt.date(2011, 1, 1), dt.date(2032, 12, 31)),
    st.one_of(st.none(), st.dates(dt.date(2011, 1, 1), dt.date(2032, 12, 31))),
)
def test_population_bounds(annee, accepte_le, clos_le):
    attendu = accepte_le <= dt.date(annee, 12, 31) and (
        clos_le is None or clos_le >= dt.date(annee, 1, 1)
    )
    assert regles.dans_la_population(annee, accepte_le, clos_le) is attendu
    assert regles.population(annee, [("x", accepte_le, clos_le)]) == (["x"] if attendu else [])


@given(st.integers(min_value=2013, max_value=2030))
def test_population_year_edges(annee):
    fin, debut = dt.date(annee, 12, 31), dt.date(annee, 1, 1)
    lendemain, veille = fin + dt.timedelta(days=1), debut - dt.timedelta(days=1)
    assert regles.dans_la_population(annee, fin, None)
    assert not regles.dans_la_population(annee, lendemain, None)
    assert regles.dans_la_population(annee, veille, debut)
    assert not regles.dans_la_population(annee, veille - dt.timedelta(days=30), veille)
    assert not regles.dans_la_population(annee, None, None)


def test_the_random_seed_comes_from_secrets_within_bounds():
    graines_ = {regles.nouvelle_graine() for _ in range(20)}
    assert len(graines_) > 1 and all(0 <= g <= regles.GRAINE_MAX for g in graines_)


# --- the draw on the database -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_population_at_the_year_edges_and_the_audits_created():
    """2023's population: accepted on 31/12/2023 (in), on 01/01/2024 (out), closed on 01/01/2023
    (in), closed on 31/12/2022 (out), in another région (out), refused (out)."""
    dans_31_12 = au.accepte((2023, 12, 31))
    hors_01_01 = au.accepte((2024, 1, 1))
    clos_01_01 = au.accepte((2022, 6, 1))
    clos_31_12 = au.accepte((2022, 6, 1))
    ailleurs = au.accepte((2022, 6, 1), region="11")
    for dossier, jour in ((clos_01_01, (2023, 1, 1)), (clos_31_12, (2022, 12, 31))):
        with a.le(*jour):
            dossiers_actions.clore(
                dossier=dossier,
                motif="cibles_inatteignables",
                commentaire="Éditeur défaillant.",
                acting_user=au.f.ars_valideur("84"),
            )
    assert Dossier.objects.get(pk=clos_31_12.pk).clos_le == dt.date(2022, 12, 31)
    valideur = f.ars_valideur("84")
    tirage = actions.tirer(
        programme="hopen", region="84", annee=2023, graine=42, acting_user=valideur
    )
    assert tirage.population == sorted([dans_31_12.numero, clos_01_01.numero])
    assert tirage.tires == random.Random(42).sample(tirage.population, 1)
    assert hors_01_01.numero not in tirage.population
    assert ailleurs.numero not in tirage.population
    audit = Audit.objects.get(tirage=tirage)
    assert (audit.dossier.numero, audit.etat, audit.rang) == (
        tirage.tires[0],
        EtatAudit.A_PLANIFIER,
        1,
    )
    trace = Evenement.objects.get(action="audit_tirage")
    assert (trace.acteur, trace.apres["graine"], trace.apres["tires"]) == (
        valideur,
        42,
        tirage.tires,
    )


@pytest.mark.django_db
def test_api_draw_returns_the_contract_and_a_second_draw_is_409(client):
    dossiers = [au.accepte((2022, 3, 1)) for _ in range(11)]
    valideur = f.ars_valideur("84")
    body = {"programme": "HOPEN", "region": "84", "annee": 2022, "graine": 2013}
    r = au.poster(client, f"{au.API}tirages/", body, valideur)
    assert r.status_code == 201, r.json()
    data = r.json()
    assert set(data) == {
        "id",
        "programme",
        "region",
        "annee",
        "graine",
        "population",
        "tires",
        "tire_le",
        "tire_par",
    }
    population = sorted(d.numero for d in dossiers)
    assert data["population"] == population
    assert data["tires"] == random.Random(2013).sample(population, 2)
    assert (data["programme"], data["region"], data["annee"], data["tire_par"]) == (
        "HOPEN",
        "84",
        2022,
        valideur.username,
    )
    assert Audit.objects.count() == 2

    r = au.poster(client, f"{au.API}tirages/", {**body, "graine": 7})
    assert r.status_code == 409
    assert "déjà été fait" in r.json()["detail"]
    assert Tirage.objects.count() == 1 and Audit.objects.count() == 2

    liste = au.lire(client, f"{au.API}tirages/?annee=2022&programme=hopen").json()
    assert [t["id"] for t in liste["results"]] == [data["id"]]


@pytest.mark.django_db
def test_the_seed_is_drawn_when_not_given(client):
    au.accepte()
    r = au.poster(
        client,
        f"{au.API}tirages/",
        {"programme": "HOPEN", "region": "84", "annee": 2022},
        f.ars_valideur("84"),
    )
    assert r.status_code == 201
    data = r.json()
    assert 0 <= data["graine"] <= regles.GRAINE_MAX
    assert data["tires"] == regles.echantillon(data["population"], data["graine"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "champ"),
    [
        ({"programme": "HOPEN", "region": "84", "annee": 2018}, "annee"),  # before HOP'EN
        ({"programme": "HN", "region": "84", "annee": 2012}, "annee"),  # before HN
        ({"programme": "HOPEN", "region": "84", "annee": 2999}, "annee"),  # after this year
        ({"programme": "HOPEN", "region": "84", "annee": "deux mille"}, "annee"),
        ({"programme": "HOPEN", "region": "84"}, "annee"),
        ({"programme": "HOPEN", "region": "84", "annee": 2022, "graine": -1}, "graine"),
        ({"programme": "HOPEN", "region": "84", "annee": 2022, "graine": 1.5}, "graine"),
        ({"programme": "XX", "region": "84", "annee": 2022}, "programme"),
        ({"programme": "HOPEN", "region": "99", "annee": 2022}, "region"),
    ],
)
def test_bad_draws_are_400_and_change_nothing(client, body, champ):
    r = au.poster(client, f"{au.API}tirages/", body, f.ars_valideur("84"))
    assert r.status_code == 400, r.json()
    assert champ in r.json()["errors"]
    assert not Tirage.objects.exists()


@pytest.mark.django_db
def test_an_unknown_year_message_gives_the_bounds(client):
    r = au.poster(
        client,
        f"{au.API}tirages/",
        {"programme": "HOPEN", "region": "84", "annee": 2018},
        f.ars_valideur("84"),
    )
    assert "entre 2019 (début du programme HOPEN) et" in r.json()["errors"]["annee"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("qui", ["ars_lecteur", "ars_auditeur", "autre_cmsi", "pilote", "es"])
def test_only_the_regions_cmsi_draws(client, qui):
    user = {
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "ars_auditeur": lambda: f.ars_auditeur("84"),
        "autre_cmsi": lambda: f.ars_valideur("11"),
        "pilote": f.pilote_national,
        "es": f.es_gestionnaire,
    }[qui]()
    body = {"programme": "HOPEN", "region": "84", "annee": 2022}
    assert au.poster(client, f"{au.API}tirages/", body, user).status_code == 403
    assert not Tirage.objects.exists()


@pytest.mark.django_db
def test_draws_are_listed_to_the_regions_ars_and_the_national_level_only(client):
    au.accepte()
    au.tirer(annee=2022)
    for user, n in (
        (f.ars_lecteur("84"), 1),
        (f.ars_auditeur("84"), 1),
        (f.lecteur_national(), 1),
        (f.ars_valideur("11"), 0),
        (f.es_gestionnaire(), 0),
    ):
        assert au.lire(client, f"{au.API}tirages/", user).json()["count"] == n


# --- PostgreSQL: two CMSI draw at the same instant ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_draws_one_wins_the_other_gets_409(referentiel):
    au.accepte((2022, 3, 1))
    valideurs = [f.ars_valideur("84").pk, f.ars_valideur("84").pk]
    barriere = threading.Barrier(2)
    resultats, erreurs = [None, None], [None, None]

    def run(i):
        try:
            user = User.objects.get(pk=valideurs[i])
            barriere.wait(timeout=30)
            resultats[i] = actions.tirer(
                programme="HOPEN", region="84", annee=2022, graine=i, acting_user=user
            )
        except Exception as exc:
            erreurs[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert sum(r is not None for r in resultats) == 1
    perdant = [e for e in erreurs if e is not None]
    assert len(perdant) == 1 and isinstance(perdant[0], actions.DejaTire), erreurs
    assert Tirage.objects.count() == 1 and Audit.objects.count() == 1
