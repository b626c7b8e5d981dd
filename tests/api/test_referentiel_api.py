"""HTTP contract of the référentiel API (API.md "HTTP API", SPEC §1 scoping, SPEC §3 money)."""

import pytest

from hn.comptes.enums import Role
from hn.comptes.jetons import empreinte
from hn.comptes.models import Jeton
from hn.journal.models import Evenement
from hn.referentiel.models import Programme
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def _get(client, path, user=None, **extra):
    if user is not None:
        client.force_login(user)
    return client.get(API + path, **extra)


def _assert_erreur_400(response, errors):
    """API.md: 400 with exactly {"detail": str, "errors": {field: [messages]}}."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"] == errors
    messages = [m for values in errors.values() for m in values]
    assert body["detail"] == (messages[0] if len(messages) == 1 else "Données invalides.")
    return body


# --- authentication -------------------------------------------------------------------------


def test_token_obtained_with_credentials_then_used_in_authorization_header(client):
    user = f.es_gestionnaire(username="jeton")
    response = client.post(
        API + "auth/token/",
        {"username": "jeton", "password": f.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token"}
    # Only its hash is stored.
    assert Jeton.objects.get(user=user).empreinte == empreinte(body["token"])
    # Obtaining a token is traced like a login.
    assert Evenement.objects.filter(action="jeton_api", acteur=user).count() == 1

    client.logout()
    ok = client.get(API + "programmes/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert ok.status_code == 200
    assert [p["code"] for p in ok.json()] == ["HN", "HOPEN"]

    # Asking again returns a new token; the first one keeps working until revoked or idle.
    again = client.post(
        API + "auth/token/",
        {"username": "jeton", "password": f.PASSWORD},
        content_type="application/json",
    )
    assert again.json()["token"] != body["token"]
    assert Jeton.objects.filter(user=user).count() == 2


def test_token_with_bad_password_is_a_400_in_the_error_format(client):
    f.es_gestionnaire(username="jeton")
    response = client.post(
        API + "auth/token/",
        {"username": "jeton", "password": "pas-le-bon"},
        content_type="application/json",
    )
    message = "Impossible de se connecter avec les informations d'identification fournies."
    _assert_erreur_400(response, {"non_field_errors": [message]})
    assert not Jeton.objects.exists()


def test_token_without_password_lists_the_missing_field(client):
    response = client.post(
        API + "auth/token/", {"username": "jeton"}, content_type="application/json"
    )
    _assert_erreur_400(response, {"password": ["Ce champ est obligatoire."]})


def test_bad_token_is_a_401_in_french(client):
    response = client.get(API + "programmes/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert response.status_code == 401
    assert response.json() == {"detail": "Jeton ou identifiants invalides."}


@pytest.mark.parametrize(
    "path",
    [
        "programmes/",
        "programmes/HN/domaines/",
        "programmes/HN/forfait/?domaine=D2&activite_combinee=15000",
        "etablissements/",
        "etablissements/690000013/",
    ],
)
def test_unauthenticated_is_a_401_with_french_detail(client, path):
    response = client.get(API + path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentification requise."}
    assert response.headers["WWW-Authenticate"] == "Token"


# --- programmes and their referential -------------------------------------------------------


def test_programmes_list_both_programmes_with_their_calendar(client):
    response = _get(client, "programmes/", f.es_lecteur())
    assert response.status_code == 200
    body = response.json()
    assert [p["code"] for p in body] == ["HN", "HOPEN"]
    hn, hopen = body
    assert hn["annee_reference_activite"] == 2011
    assert hopen["annee_reference_activite"] == 2017
    assert hn["montant_total_publie"] == 400_000_000
    assert hopen["montant_total_publie"] == 420_000_000
    assert [(e["code"], e["date"]) for e in hn["calendrier"]] == [
        ("fin_depot", "2016-12-31"),
        ("atteinte_cibles", "2017-12-31"),
    ]
    assert [(e["code"], e["date"]) for e in hopen["calendrier"]] == [
        ("ouverture_ami", "2019-02-15"),
        ("fin_ami", "2019-06-30"),
        ("programmation_ars", "2019-08-30"),
        ("reponse_ars", "2019-09-30"),
        ("prerequis_hopen", "2021-01-01"),
        ("fin_candidatures_tardives", "2021-12-31"),
        ("atteinte_cibles", "2023-01-01"),
    ]
    assert all(set(e) == {"code", "libelle", "date"} for e in hopen["calendrier"])


def test_hopen_domaines_and_prerequis_with_their_indicators(client):
    response = _get(client, "programmes/HOPEN/domaines/", f.ars_lecteur())
    assert response.status_code == 200
    body = response.json()
    assert body["programme"] == "HOPEN"
    domaines, prerequis = body["domaines"], body["prerequis"]
    assert [d["code"] for d in domaines] == ["D1", "D2", "D3", "D4", "D5", "D6", "D7"]
    assert [p["code"] for p in prerequis] == ["P1", "P2", "P3", "P4"]
    indicateurs_domaines = [i for d in domaines for i in d["indicateurs"]]
    indicateurs_prerequis = [i for p in prerequis for i in p["indicateurs"]]
    assert len(indicateurs_domaines) == 26
    assert len(indicateurs_prerequis) == 15
    assert [len(d["indicateurs"]) for d in domaines] == [4, 4, 5, 4, 3, 3, 3]
    assert [len(p["indicateurs"]) for p in prerequis] == [4, 4, 4, 3]
    for indicateur in indicateurs_domaines + indicateurs_prerequis:
        assert set(indicateur) == {"code", "libelle", "type", "cible", "cible_a_confirmer"}
        assert indicateur["type"] in {"taux", "existence"}
        assert indicateur["libelle"]
    par_code = {i["code"]: i for i in indicateurs_domaines + indicateurs_prerequis}
    assert len(par_code) == 41
    assert par_code["P1.1"] == {**par_code["P1.1"], "type": "taux", "cible": 90}
    assert par_code["P3.4"]["cible"] == 100
    assert par_code["D1.1"]["cible"] == 90
    assert par_code["D2.2"]["cible"] == 98
    assert par_code["D7.1"]["cible"] == 60
    assert par_code["D4.1"] == {**par_code["D4.1"], "type": "existence", "cible": None}
    assert not any(i["cible_a_confirmer"] for i in par_code.values())
    # Forfait avancé only for D1 (via D1.3) and D6 (via D6.1).
    assert [d["code"] for d in domaines if d["forfait_avance"]] == ["D1", "D6"]
    assert [p["libelle"] for p in prerequis][1] == "Sécurité"


def test_hn_targets_not_in_the_seeds_are_flagged_to_confirm(client):
    body = _get(client, "programmes/hn/domaines/", f.pilote_national()).json()
    assert body["programme"] == "HN"
    assert [d["code"] for d in body["domaines"]] == ["D1", "D2", "D3", "D4", "D5"]
    prerequis = {i["code"]: i for p in body["prerequis"] for i in p["indicateurs"]}
    assert len(prerequis) == 12
    assert prerequis["P1.1"]["cible"] == 70
    assert prerequis["P1.3"]["cible"] == 70
    assert prerequis["P3.4"]["cible"] == 90
    assert prerequis["P3.5"] == {**prerequis["P3.5"], "cible": None, "cible_a_confirmer": True}
    assert sum(len(d["indicateurs"]) for d in body["domaines"]) == 21
    assert not any(d["forfait_avance"] for d in body["domaines"])


@pytest.mark.parametrize(
    "path", ["programmes/XX/domaines/", "programmes/XX/forfait/?domaine=D1&activite_combinee=1"]
)
def test_unknown_programme_is_a_404(client, path):
    response = _get(client, path, f.es_lecteur())
    assert response.status_code == 404
    assert response.json() == {"detail": "Ressource introuvable."}


# --- forfait (SPEC §3) ----------------------------------------------------------------------
# Expected amounts computed by hand from the SPEC grids (k€):
#   montant = min + (max - min) × (AC - borne_min) / (borne_max - borne_min), rounded half up.


@pytest.mark.parametrize(
    ("programme", "domaine", "activite", "avance", "categorie", "montant"),
    [
        # HN D2 (DPI) B 250-400: 250000 + 150000 × 8000/15500 = 327419.35
        ("HN", "D2", "15000", False, "B", 327_419),
        # HN D1 at 0: minimum of A (37 k€)
        ("HN", "D1", "0", False, "A", 37_000),
        # HN D4 A 37-75 just below B: 37000 + 38000 × 6999/7000 = 74994.57
        ("HN", "D4", "6999", False, "A", 74_995),
        # lower bound of B belongs to B: HN D1 B minimum 200 k€
        ("HN", "D1", "7000", False, "B", 200_000),
        # lower bound of C: HOP'EN D7 C minimum 105 k€
        ("HOPEN", "D7", "22500", False, "C", 105_000),
        # just below C: HOP'EN D7 B 60-105: 60000 + 45000 × 15499/15500 = 104997.10
        ("HOPEN", "D7", "22499", False, "B", 104_997),
        # lower bound of D: HOP'EN D4 D minimum 400 k€
        ("HOPEN", "D4", "230000", False, "D", 400_000),
        # HOP'EN D1 standard D 425-575: 425000 + 150000 × 70000/770000 = 438636.36
        ("HOPEN", "D1", "300000", False, "D", 438_636),
        # HOP'EN D1 avancé D 510-690: 510000 + 180000 × 70000/770000 = 526363.64
        ("HOPEN", "D1", "300000", True, "D", 526_364),
        # HOP'EN D1 avancé B 204-330: 204000 + 126000 × 8000/15500 = 269032.26
        ("HOPEN", "D1", "15000", True, "B", 269_032),
        # HOP'EN D6 standard C 125-250: 125000 + 125000 × 77500/207500 = 171686.75
        ("HOPEN", "D6", "100000", False, "C", 171_687),
        # HOP'EN D6 avancé C 150-300: 150000 + 150000 × 77500/207500 = 206024.10
        ("HOPEN", "D6", "100000", True, "C", 206_024),
        # at 1,000,000: maximum of D; above it, capped at the maximum
        ("HOPEN", "D2", "1000000", False, "D", 700_000),
        ("HOPEN", "D2", "2500000", False, "D", 700_000),
        ("HOPEN", "D6", "1000001", True, "D", 480_000),
        ("HN", "D5", "1500000", False, "D", 600_000),
        # half up: HOP'EN D7 A 40-60 at 0.175: 40000 + 20000 × 0.175/7000 = 40000.5 -> 40001
        ("HOPEN", "D7", "0.175", False, "A", 40_001),
        # decimal comma accepted; lower-case domaine normalised
        ("HN", "d3", "7000,5", False, "B", 250_003),
    ],
)
def test_forfait_per_spec_grid(client, programme, domaine, activite, avance, categorie, montant):
    query = f"domaine={domaine}&activite_combinee={activite}"
    if avance:
        query += "&avance=true"
    response = _get(client, f"programmes/{programme}/forfait/?{query}", f.es_gestionnaire())
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "programme",
        "domaine",
        "activite_combinee",
        "categorie",
        "avance",
        "montant",
    }
    assert body["programme"] == programme
    assert body["domaine"] == domaine.upper()
    assert body["categorie"] == categorie
    assert body["avance"] is avance
    assert body["montant"] == montant
    assert isinstance(body["montant"], int)
    assert body["activite_combinee"] == float(activite.replace(",", "."))


def test_forfait_activity_is_an_integer_when_whole(client):
    body = _get(
        client, "programmes/HN/forfait/?domaine=D2&activite_combinee=15000", f.es_lecteur()
    ).json()
    assert body["activite_combinee"] == 15000
    assert isinstance(body["activite_combinee"], int)
    assert body["avance"] is False


def test_forfait_avance_is_the_standard_plus_twenty_percent(client):
    user = f.es_lecteur()
    client.force_login(user)
    for domaine in ("D1", "D6"):
        for activite in (3500, 15000, 100000, 600000):
            url = f"{API}programmes/HOPEN/forfait/?domaine={domaine}&activite_combinee={activite}"
            standard = client.get(url).json()["montant"]
            avance = client.get(url + "&avance=true").json()["montant"]
            assert abs(avance - standard * 1.2) < 1.2, (domaine, activite)


FORFAIT_ERREURS = [
    (
        "HN",
        "domaine=D6&activite_combinee=15000",
        {"domaine": ["Domaine inconnu pour ce programme : D6."]},
    ),
    (
        "HOPEN",
        "domaine=D2&activite_combinee=-1",
        {"activite_combinee": ["L'activité combinée ne peut pas être négative."]},
    ),
    (
        "HOPEN",
        "domaine=D2&activite_combinee=quinze",
        {"activite_combinee": ["L'activité combinée doit être un nombre (ex. 15000)."]},
    ),
    (
        "HOPEN",
        "domaine=D2&activite_combinee=NaN",
        {"activite_combinee": ["L'activité combinée doit être un nombre fini."]},
    ),
    (
        "HOPEN",
        "activite_combinee=15000",
        {"domaine": ["Le domaine est obligatoire (ex. D2)."]},
    ),
    (
        "HOPEN",
        "domaine=D2",
        {"activite_combinee": ["L'activité combinée est obligatoire."]},
    ),
    (
        "HOPEN",
        "",
        {
            "domaine": ["Le domaine est obligatoire (ex. D2)."],
            "activite_combinee": ["L'activité combinée est obligatoire."],
        },
    ),
    (
        "HN",
        "domaine=D1&activite_combinee=15000&avance=true",
        {"avance": ["Le domaine D1 n'a pas de forfait avancé."]},
    ),
    (
        "HOPEN",
        "domaine=D2&activite_combinee=15000&avance=true",
        {"avance": ["Le domaine D2 n'a pas de forfait avancé."]},
    ),
    (
        "HOPEN",
        "domaine=D1&activite_combinee=15000&avance=peut-etre",
        {"avance": ["« avance » vaut true ou false."]},
    ),
    # Both errors are reported at once.
    (
        "HOPEN",
        "domaine=D9&activite_combinee=-5",
        {
            "domaine": ["Domaine inconnu pour ce programme : D9."],
            "activite_combinee": ["L'activité combinée ne peut pas être négative."],
        },
    ),
    (
        "HN",
        "domaine=X&activite_combinee=abc",
        {
            "domaine": ["Domaine inconnu pour ce programme : X."],
            "activite_combinee": ["L'activité combinée doit être un nombre (ex. 15000)."],
        },
    ),
]


@pytest.mark.parametrize(("programme", "query", "errors"), FORFAIT_ERREURS)
def test_forfait_bad_input_is_a_400_with_french_messages(client, programme, query, errors):
    response = _get(client, f"programmes/{programme}/forfait/?{query}", f.es_lecteur())
    body = _assert_erreur_400(response, errors)
    if len(errors) > 1:
        assert body["detail"] == "Données invalides."


def test_forfait_blank_activity_is_reported_in_french(client):
    response = _get(
        client, "programmes/HOPEN/forfait/?domaine=D2&activite_combinee=", f.es_lecteur()
    )
    _assert_erreur_400(response, {"activite_combinee": ["Ce champ ne peut être vide."]})


# --- établissements (scoped) ----------------------------------------------------------------

CHAMPS_ETABLISSEMENT = {
    "finess",
    "raison_sociale",
    "region",
    "region_nom",
    "statut",
    "activites",
    "ght",
    "support_ght",
    "programmes",
}


def _finess(response):
    return [row["finess"] for row in response.json()["results"]]


def test_es_user_lists_only_its_etablissement_and_404_elsewhere(client):
    mien = f.EtablissementFactory()
    voisin = f.EtablissementFactory()  # same région, another établissement
    lointain = f.EtablissementFactory(ile_de_france=True)
    user = f.es_gestionnaire(mien)

    response = _get(client, "etablissements/", user)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert _finess(response) == [mien.finess]

    assert _get(client, f"etablissements/{mien.finess}/").status_code == 200
    for autre in (voisin, lointain):
        response = _get(client, f"etablissements/{autre.finess}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Ressource introuvable."}


def test_es_user_of_two_etablissements_lists_both(client):
    premier, second = f.EtablissementFactory(), f.EtablissementFactory()
    f.EtablissementFactory()
    user = f.es_lecteur(premier)
    f.es_gestionnaire(second, user=user)
    response = _get(client, "etablissements/", user)
    assert sorted(_finess(response)) == sorted([premier.finess, second.finess])


def test_ars_user_sees_its_region_only(client):
    aura = [f.EtablissementFactory() for _ in range(3)]
    idf = f.EtablissementFactory(ile_de_france=True)
    user = f.ars_valideur("84")

    response = _get(client, "etablissements/", user)
    assert sorted(_finess(response)) == sorted(e.finess for e in aura)
    assert _get(client, f"etablissements/{aura[0].finess}/").status_code == 200
    response = _get(client, f"etablissements/{idf.finess}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Ressource introuvable."}

    # The ARS of Île-de-France sees the other way round.
    response = _get(client, "etablissements/", f.ars_lecteur("11"))
    assert _finess(response) == [idf.finess]
    assert _get(client, f"etablissements/{aura[0].finess}/").status_code == 404


def test_user_without_role_sees_no_etablissement(client):
    etab = f.EtablissementFactory()
    response = _get(client, "etablissements/", f.UserFactory())
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert _get(client, f"etablissements/{etab.finess}/").status_code == 404


@pytest.mark.parametrize("qui", ["pilote", "lecteur_national", "superuser"])
def test_national_sees_every_etablissement(client, qui):
    etabs = [f.EtablissementFactory(), f.EtablissementFactory(ile_de_france=True)]
    user = {
        "pilote": f.pilote_national,
        "lecteur_national": f.lecteur_national,
        "superuser": f.superuser,
    }[qui]()
    response = _get(client, "etablissements/", user)
    assert sorted(_finess(response)) == sorted(e.finess for e in etabs)
    for etab in etabs:
        assert _get(client, f"etablissements/{etab.finess}/").status_code == 200


def test_etablissement_row_with_activite_combinee_and_categorie_per_programme(client):
    etab = f.EtablissementFactory(raison_sociale="Centre hospitalier de Vienne", ssr=True, had=True)
    hopen = Programme.objects.get(code="HOPEN")
    hn = Programme.objects.get(code="HN")
    # HOP'EN: 20000 + 0.5 × 3000 + 1.5 × 2000 + 1 × 1000 + 0.5 × (4000 + 0 + 1000) = 28000 -> C
    f.ActiviteEtablissementFactory(
        etablissement=etab,
        programme=hopen,
        journees_mco=20_000,
        seances_mco=3_000,
        hdj_chirurgie_ambulatoire=2_000,
        hdj_hors_chirurgie_ambulatoire=1_000,
        journees_ssr=4_000,
        journees_had=1_000,
    )
    # HN (no HDJ hors chirurgie): 5000 + 0.5 × 1001 + 1.5 × 0 + 0.5 × 0 = 5500.5 -> A
    f.ActiviteEtablissementFactory(
        etablissement=etab,
        programme=hn,
        journees_mco=5_000,
        seances_mco=1_001,
        hdj_hors_chirurgie_ambulatoire=9_999,
    )
    user = f.es_lecteur(etab)

    response = _get(client, f"etablissements/{etab.finess}/", user)
    assert response.status_code == 200
    row = response.json()
    assert set(row) == CHAMPS_ETABLISSEMENT
    assert row["finess"] == etab.finess
    assert row["raison_sociale"] == "Centre hospitalier de Vienne"
    assert row["region"] == "84"
    assert row["region_nom"] == "Auvergne-Rhône-Alpes"
    assert row["statut"] == "public"
    assert row["activites"] == ["mco", "ssr", "had"]
    assert row["ght"] is None
    assert row["support_ght"] is False
    programmes = {p["programme"]: p for p in row["programmes"]}
    assert set(programmes) == {"HN", "HOPEN"}
    assert programmes["HOPEN"]["activite_combinee"] == 28000
    assert programmes["HOPEN"]["categorie"] == "C"
    assert programmes["HOPEN"]["annee_reference"] == 2017
    assert programmes["HN"]["activite_combinee"] == 5500.5
    assert programmes["HN"]["categorie"] == "A"
    assert programmes["HN"]["annee_reference"] == 2011

    listing = _get(client, "etablissements/").json()["results"]
    assert listing == [row]


@pytest.mark.parametrize(
    ("journees_mco", "activite", "categorie"),
    [(6_999, 6999, "A"), (7_000, 7000, "B"), (22_500, 22500, "C"), (230_000, 230000, "D")],
)
def test_etablissement_category_bounds(client, journees_mco, activite, categorie):
    volumes = f.ActiviteEtablissementFactory(journees_mco=journees_mco)
    row = _get(
        client, f"etablissements/{volumes.etablissement.finess}/", f.pilote_national()
    ).json()
    assert row["programmes"] == [
        {
            "programme": "HOPEN",
            "annee_reference": 2017,
            "activite_combinee": activite,
            "categorie": categorie,
        }
    ]


def test_etablissement_ght_support_is_shown(client):
    ght = f.GHTFactory(nom="GHT Isère")
    support = f.EtablissementFactory(ght=ght)
    membre = f.EtablissementFactory(ght=ght)
    ght.support = support
    ght.save()
    user = f.pilote_national()
    rows = {r["finess"]: r for r in _get(client, "etablissements/", user).json()["results"]}
    assert rows[support.finess]["ght"] == "GHT Isère"
    assert rows[support.finess]["support_ght"] is True
    assert rows[membre.finess]["support_ght"] is False


def test_etablissements_query_count_does_not_grow_with_rows(client):
    user = f.pilote_national()
    client.force_login(user)
    hn = Programme.objects.get(code="HN")

    def nouvel_etablissement():
        volumes = f.ActiviteEtablissementFactory()
        f.ActiviteEtablissementFactory(etablissement=volumes.etablissement, programme=hn)

    nouvel_etablissement()
    client.get(API + "etablissements/")  # warm-up (content types, session)
    un, response = count_queries(client.get, API + "etablissements/")
    assert response.json()["count"] == 1
    for _ in range(19):
        nouvel_etablissement()
    vingt, response = count_queries(client.get, API + "etablissements/")
    assert response.json()["count"] == 20
    assert all(len(r["programmes"]) == 2 for r in response.json()["results"])
    assert vingt == un


def test_etablissements_filters_by_region(client):
    aura = f.EtablissementFactory()
    idf = f.EtablissementFactory(ile_de_france=True)
    user = f.pilote_national()
    assert _finess(_get(client, "etablissements/?region=11", user)) == [idf.finess]
    assert _finess(_get(client, "etablissements/?region=84")) == [aura.finess]


# --- schema and docs ------------------------------------------------------------------------


def test_openapi_schema_is_served(client):
    response = _get(client, "schema/", f.es_lecteur())
    assert response.status_code == 200
    text = response.content.decode()
    assert "openapi: 3" in text
    for path in (
        "/api/v1/programmes/",
        "/api/v1/programmes/{code}/forfait/",
        "/api/v1/etablissements/{finess}/",
        "/api/v1/auth/token/",
    ):
        assert path in text


def test_docs_are_served_without_external_cdn(client):
    response = _get(client, "docs/", f.es_lecteur())
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    for cdn in ("cdn.", "jsdelivr", "unpkg"):
        assert cdn not in html


def test_role_lecteur_may_read_every_referentiel_endpoint(client):
    """Any authenticated role reads the référentiel (API.md "anyone authenticated")."""
    user = f.avec_role(Role.ARS_AUDITEUR, region=f.region("11"))
    for path in (
        "programmes/",
        "programmes/HOPEN/domaines/",
        "programmes/HOPEN/forfait/?domaine=D7&activite_combinee=500",
    ):
        assert _get(client, path, user).status_code == 200
