"""Envelope API: ``GET enveloppes/`` exactly as API.md (whole euros, published regional
amounts, HN on the former régions), the ledger lines and the annual synthesis; errors in the
API's format; scoping; query counts."""

from decimal import Decimal as D

import pytest

from enveloppes.models import Enveloppe
from hn.comptes.jetons import creer_jeton
from tests import factories as f
from tests.enveloppes import donnees as x
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

API = "/api/v1/enveloppes/"
CLES = {
    "programme",
    "region",
    "total",
    "plafond_amorcage",
    "engage_amorcage",
    "engage_usage",
    "consomme_amorcage",
    "consomme_usage",
    "disponible",
}


def get(client, user, url, status=200):
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    return response.json()


def test_the_row_of_api_md_in_whole_euros_rounded_half_up(client):
    s = x.scenario_hopen_84()
    rows = get(client, s["valideur"], API + "?programme=HOPEN&region=84")
    assert rows == [
        {
            "programme": "HOPEN",
            "region": "84",
            "total": 49_777_000,  # the published regional amount
            "plafond_amorcage": 9_955_400,
            "engage_amorcage": 70_000,  # 70 000,49
            "engage_usage": 438_710,  # 438 709,50, half up
            "consomme_amorcage": 70_000,
            "consomme_usage": 12_346,  # 12 345,67
            "disponible": 49_258_290,  # 49 777 000 − 10 000,01 taken back − 508 709,99
        }
    ]
    # A program may parse them as integers.
    assert all(isinstance(v, int) for k, v in rows[0].items() if k not in ("programme", "region"))
    # Case-insensitive programme, like the rest of the API.
    assert get(client, s["valideur"], API + "?programme=hopen&region=84") == rows


def test_without_region_one_row_per_region_visible_to_the_caller(client):
    rows = get(client, f.ars_lecteur("84"), API)
    assert [(r["programme"], r["region"]) for r in rows] == [
        ("HN", "82"),
        ("HN", "83"),
        ("HOPEN", "84"),
    ]
    assert all(set(r) == CLES for r in rows)
    national = get(client, f.lecteur_national(), API)
    assert len(national) == 26 + 18
    hn = get(client, f.lecteur_national(), API + "?programme=HN")
    # The published lines, as published: their sum is not the published national total.
    assert sum(r["total"] for r in hn) == 399_999_000
    assert {r["region"]: r["total"] for r in hn}["11"] == 68_949_000
    assert all(r["disponible"] == r["total"] for r in hn)
    assert sum(r["plafond_amorcage"] for r in hn) == 79_999_800


def test_hn_regions_current_code_gives_its_former_regions_and_a_former_code_works(client):
    x.retenu(x.etablissement(historique="83"), code="HN", selectionnes=("D2",))
    ars = f.ars_valideur("84")
    rows = get(client, ars, API + "?programme=HN&region=84")
    assert [r["region"] for r in rows] == ["82", "83"]
    auvergne = rows[1]
    assert auvergne["total"] == 9_344_000
    assert auvergne["engage_usage"] > 0
    assert get(client, ars, API + "?programme=HN&region=83") == [auvergne]
    # Both programmes for région 84.
    assert [(r["programme"], r["region"]) for r in get(client, ars, API + "?region=84")] == [
        ("HN", "82"),
        ("HN", "83"),
        ("HOPEN", "84"),
    ]
    # A code shared by a former and a current région (Île-de-France) answers both programmes.
    assert [
        (r["programme"], r["region"]) for r in get(client, f.pilote_national(), API + "?region=11")
    ] == [
        ("HN", "11"),
        ("HOPEN", "11"),
    ]


def test_errors_follow_the_api_format(client):
    ars = f.ars_valideur("84")
    assert get(client, ars, API + "?programme=XX", 400) == {
        "detail": "Programme inconnu : XX.",
        "errors": {"programme": ["Programme inconnu : XX."]},
    }
    # Another région, or an unknown one: 404, whatever the reason.
    assert get(client, ars, API + "?region=11", 404) == {"detail": "Ressource introuvable."}
    assert get(client, ars, API + "?region=99", 404) == {"detail": "Ressource introuvable."}
    assert get(client, ars, API + "?programme=HOPEN&region=82", 404)
    assert get(client, f.es_gestionnaire(), API, 403) == {
        "detail": "Les enveloppes sont réservées aux ARS et au niveau national."
    }
    client.logout()
    response = client.get(API)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentification requise."}


def test_token_authentication(client):
    user = f.pilote_national()
    key = creer_jeton(user)
    response = client.get(API + "?programme=HOPEN&region=06", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()[0]["total"] == 718_000


def test_the_list_runs_a_fixed_number_of_queries(client):
    client.force_login(f.pilote_national())
    avant, _ = count_queries(client.get, API)
    x.retenu(x.etablissement("84"), selectionnes=("D2", "D3"))
    x.retenu(x.etablissement("11"), selectionnes=("D2",))
    apres, response = count_queries(client.get, API)
    assert len(response.json()) == 44
    assert apres == avant


# --- the ledger lines ------------------------------------------------------------------------


def test_the_ledger_lines_paginated_and_filtered(client):
    s = x.scenario_hopen_84()
    data = get(client, f.ars_lecteur("84"), API + "HOPEN/84/mouvements/")
    assert data["count"] == 13
    premiere = data["results"][0]
    assert premiere == {
        "id": premiere["id"],
        "date": "2020-03-02",
        "nature": "engagement",
        "nature_libelle": "Engagement à la sélection",
        "montant": "269355.00",
        "derogation": False,
        "dossier": s["dossier_a"].numero,
        "finess": s["a"].finess,
        "domaine": "D2",
        "acteur": premiere["acteur"],
        "motif": "",
        "cree_le": premiere["cree_le"],
    }
    dates = [r["date"] for r in data["results"]]
    assert dates == sorted(dates)
    annee = get(client, f.ars_lecteur("84"), API + "HOPEN/84/mouvements/?annee=2022")
    assert [(r["nature"], r["montant"]) for r in annee["results"]] == [
        ("remboursement_amorcage_recu", "10000.01"),
        ("reprise", "10000.01"),
    ]
    natures = get(client, f.ars_lecteur("84"), API + "HOPEN/84/mouvements/?nature=liberation")
    assert [r["montant"] for r in natures["results"]] == ["239355.00"]
    erreur = get(client, f.ars_lecteur("84"), API + "HOPEN/84/mouvements/?annee=deux", 400)
    assert erreur["errors"] == {
        "annee": ["L'année doit être un nombre entre 2000 et 2100 (par exemple 2020)."]
    }


def test_the_ledger_is_paginated_in_a_fixed_number_of_queries(client):
    client.force_login(f.ars_lecteur("84"))
    x.retenu(x.etablissement(), selectionnes=("D2",))
    un, _ = count_queries(client.get, API + "HOPEN/84/mouvements/")
    for _ in range(2):
        x.retenu(x.etablissement(), selectionnes=("D1", "D2", "D4"))
    plusieurs, response = count_queries(client.get, API + "HOPEN/84/mouvements/")
    assert response.json()["count"] == 7
    assert plusieurs == un


def test_an_envelope_outside_the_scope_is_a_404(client):
    for url in ("HOPEN/11/mouvements/", "HOPEN/11/synthese/2021/", "HN/84/mouvements/"):
        assert get(client, f.ars_valideur("84"), API + url, 404) == {
            "detail": "Ressource introuvable."
        }
    get(client, f.es_gestionnaire(), API + "HOPEN/84/mouvements/", 404)
    get(client, f.lecteur_national(), API + "HOPEN/11/mouvements/")


# --- the synthesis -------------------------------------------------------------------------


def test_the_synthesis_as_json(client):
    s = x.scenario_hopen_84()
    client.force_login(s["valideur"])
    client.post(
        "/enveloppes/HOPEN/84/synthese/2021/commentaire/",
        {"dossier": s["dossier_a"].numero, "texte": "Revue tenue."},
    )
    data = get(client, f.lecteur_national(), API + "HOPEN/84/synthese/2021/")
    assert (data["programme"], data["region"], data["annee"], data["au"]) == (
        "HOPEN",
        "84",
        2021,
        "2021-12-31",
    )
    assert data["provisoire"] is False
    assert data["enveloppe"]["engage_amorcage"] == 80_001  # 80 000,50 half up
    assert data["situation"]["remboursement_du"] == 30_000
    assert data["mouvements_annee"]["consomme_usage"] == 12_346
    assert [e["statut"] for e in data["par_statut"]] == ["public", "prive_lucratif"]
    assert [a["activite"] for a in data["par_activite"]] == ["mco", "ssr", "psy"]
    [alpha, beta] = data["retenus"]
    assert alpha["raison_sociale"] == "CH Alpha"
    assert alpha["dossiers"][0]["commentaire_cmsi"] == "Revue tenue."
    assert [d["code"] for d in alpha["dossiers"][0]["domaines"]] == ["D2", "D3"]
    assert alpha["dossiers"][0]["domaines"][0]["date_cible"] == "2022-06-30"
    assert beta["dossiers"][0]["commentaire_cmsi"] == ""
    assert beta["dossiers"][0]["domaines"][0]["suivi"] == "clos"
    assert get(client, f.lecteur_national(), API + "HOPEN/84/synthese/2011/", 404)


def test_published_amounts_are_never_recomputed_from_the_national_total(client):
    rows = get(client, f.pilote_national(), API + "?programme=HOPEN")
    publies = {
        e.region.code: e.montant_publie for e in Enveloppe.objects.filter(programme__code="HOPEN")
    }
    assert {r["region"]: D(r["total"]) for r in rows} == publies
    assert sum(r["total"] for r in rows) == 419_999_000
