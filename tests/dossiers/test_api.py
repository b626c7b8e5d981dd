"""HTTP contract of the dossier API (API.md "HTTP API"; SPEC §1 scoping and visibility, §4
workflow): status codes 400/401/403/404/409 and their bodies, filters and pagination,
the ARS's endpoints, the trace, and what each caller may read of the data being typed."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers import actions
from dossiers.models import DecisionPrerequisDossier, DemandeInitialisation, Dossier
from dossiers.saisie import enregistrer_saisie
from tests import dossiers_factories as d
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def dossier_url(numero, suffixe=""):
    return f"{API}dossiers/{numero}/{suffixe}"


def appel(client, user, method, path, body=None):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body if body is not None else {}, "application/json")


def assert_400(response, errors, detail):
    """API.md: 400 with exactly {"detail": str, "errors": {field: [messages]}}."""
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": detail, "errors": errors}


def assert_409_etat(response, etat, detail=None):
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"detail", "etat"}
    assert body["etat"] == etat
    if detail is not None:
        assert body["detail"] == detail
    return body


def gestionnaire_de(dossier):
    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution

    attribution = Attribution.objects.filter(
        etablissement=dossier.etablissement, role=Role.ES_GESTIONNAIRE
    ).first()
    return attribution.user if attribution else f.es_gestionnaire(dossier.etablissement)


def pret_a_accepter(dossier):
    d.prerequis_acceptes(dossier)
    actions.valider_domaines(
        dossier=dossier, decisions={"D2": ("selectionne", "")}, acting_user=d.valideur_de(dossier)
    )
    return dossier


# --- demandes/ ------------------------------------------------------------------------------------


@time_machine.travel(paris(2026, 11, 23, 9, 30), tick=False)
def test_es_gestionnaire_requests_a_dossier(client):
    etab = f.EtablissementFactory(raison_sociale="CH de Vienne")
    gestionnaire = f.es_gestionnaire(etab)
    d.preselectionne(etab)
    response = appel(
        client,
        gestionnaire,
        "post",
        API + "demandes/",
        {"programme": "hopen", "finess": etab.finess},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    demande = DemandeInitialisation.objects.get()
    assert body == {
        "id": demande.pk,
        "programme": "HOPEN",
        "finess": etab.finess,
        "etablissement": "CH de Vienne",
        "region": "84",
        "demandee_le": "2026-11-23T09:30:00+01:00",
        "echeance": "2027-01-07",
        "en_retard": False,
        "initialisee_le": None,
        "dossier": None,
        "ght": None,
        "membres": [],
    }
    again = appel(
        client,
        gestionnaire,
        "post",
        API + "demandes/",
        {"programme": "HOPEN", "finess": etab.finess},
    )
    message = "Une demande est déjà en attente d'initialisation par l'ARS."
    assert_400(again, {"non_field_errors": [message]}, message)
    assert DemandeInitialisation.objects.count() == 1


@pytest.mark.parametrize("role", ["es_lecteur", "ars_valideur", "pilote_national"])
def test_only_the_es_gestionnaire_may_request_over_http(client, role):
    etab = f.EtablissementFactory()
    user = {
        "es_lecteur": lambda: f.es_lecteur(etab),
        "ars_valideur": lambda: f.ars_valideur("84"),
        "pilote_national": f.pilote_national,
    }[role]()
    response = appel(
        client, user, "post", API + "demandes/", {"programme": "HOPEN", "finess": etab.finess}
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Seul le gestionnaire de l'établissement peut demander un dossier."
    }
    assert not DemandeInitialisation.objects.exists()


def test_request_input_errors(client):
    etab = f.EtablissementFactory()
    autre = f.EtablissementFactory()
    gestionnaire = f.es_gestionnaire(etab)
    response = appel(
        client, gestionnaire, "post", API + "demandes/", {"programme": "XX", "finess": etab.finess}
    )
    assert_400(response, {"programme": ["Programme inconnu : XX."]}, "Programme inconnu : XX.")
    # Another établissement's FINESS: not revealed, just not in the caller's scope.
    response = appel(
        client, gestionnaire, "post", API + "demandes/", {"programme": "HN", "finess": autre.finess}
    )
    message = f"Aucun établissement de votre périmètre n'a le FINESS {autre.finess}."
    assert_400(response, {"finess": [message]}, message)
    response = appel(client, gestionnaire, "post", API + "demandes/", {"programme": "HN"})
    assert_400(response, {"finess": ["Ce champ est obligatoire."]}, "Ce champ est obligatoire.")
    assert appel(client, None, "get", API + "demandes/").status_code == 401


def test_requests_are_scoped_and_flag_lateness(client):
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory()
    idf = f.EtablissementFactory(ile_de_france=True)
    with time_machine.travel(paris(2026, 1, 31, 9, 0), tick=False):
        for e in (etab, autre, idf):
            d.preselectionne(e)
            actions.demander_initialisation(
                programme=d.programme(), etablissement=e, acting_user=f.es_gestionnaire(e)
            )

    def finess_vus(user):
        response = appel(client, user, "get", API + "demandes/")
        assert response.status_code == 200
        return {row["finess"]: row for row in response.json()["results"]}

    assert set(finess_vus(f.es_lecteur(etab))) == {etab.finess}
    assert set(finess_vus(f.ars_lecteur("84"))) == {etab.finess, autre.finess}
    assert set(finess_vus(f.ars_valideur("11"))) == {idf.finess}
    national = f.lecteur_national()
    with time_machine.travel(paris(2026, 3, 15, 20, 0), tick=False):
        rows = finess_vus(national)
        assert set(rows) == {etab.finess, autre.finess, idf.finess}
        assert {r["echeance"] for r in rows.values()} == {"2026-03-15"}
        assert {r["en_retard"] for r in rows.values()} == {False}
    with time_machine.travel(paris(2026, 3, 16, 8, 0), tick=False):
        assert {r["en_retard"] for r in finess_vus(national).values()} == {True}


# --- dossiers/ creation ---------------------------------------------------------------------------


@time_machine.travel(paris(2026, 11, 23, 10, 0), tick=False)
def test_ars_valideur_creates_a_dossier_and_gets_its_numero(client):
    etab = f.EtablissementFactory(raison_sociale="CH de Vienne")
    valideur = f.ars_valideur("84")
    response = appel(
        client,
        valideur,
        "post",
        API + "dossiers/",
        {"programme": "HOPEN", "finess": etab.finess, "nom": "CH Vienne"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["numero"] == "84-20261123-001"
    assert {k: body[k] for k in ("programme", "finess", "region", "nom", "etat", "phase")} == {
        "programme": "HOPEN",
        "finess": etab.finess,
        "region": "84",
        "nom": "CH Vienne",
        "etat": "en_saisie",
        "phase": "instruction",
    }
    assert body["cree_le"] == "2026-11-23T10:00:00+01:00"
    assert (body["depose_le"], body["echeance_decision"], body["decide_le"]) == (None, None, None)
    assert body["contenu"] is None  # the ARS never reads the data being typed
    second = appel(
        client,
        valideur,
        "post",
        API + "dossiers/",
        {"programme": "HN", "finess": f.EtablissementFactory().finess},
    )
    assert second.json()["numero"] == "84-20261123-002"
    assert Dossier.objects.get(numero="84-20261123-001").etablissement == etab


def test_dossier_created_from_a_request_closes_it(client):
    etab = f.EtablissementFactory()
    d.preselectionne(etab)
    with time_machine.travel(paris(2026, 1, 31, 9, 0), tick=False):
        demande = actions.demander_initialisation(
            programme=d.programme(), etablissement=etab, acting_user=f.es_gestionnaire(etab)
        )
    valideur = f.ars_valideur("84")
    with time_machine.travel(paris(2026, 2, 10, 9, 0), tick=False):
        response = appel(
            client,
            valideur,
            "post",
            API + "dossiers/",
            {"programme": "HOPEN", "finess": etab.finess, "demande": demande.pk},
        )
    assert response.status_code == 201, response.content
    numero = response.json()["numero"]
    assert numero == "84-20260210-001"
    rows = appel(client, valideur, "get", API + "demandes/").json()["results"]
    assert len(rows) == 1
    assert rows[0]["dossier"] == numero
    assert rows[0]["initialisee_le"] == "2026-02-10T09:00:00+01:00"
    assert rows[0]["en_retard"] is False


def test_dossier_creation_errors(client):
    etab = f.EtablissementFactory()
    d.preselectionne(idf := f.EtablissementFactory(ile_de_france=True))
    idf_demande = actions.demander_initialisation(
        programme=d.programme(),
        etablissement=idf,
        acting_user=f.es_gestionnaire(idf),
    )
    body = {"programme": "HOPEN", "finess": etab.finess}
    # Only the ARS valideur of the région.
    for user in (f.es_gestionnaire(etab), f.ars_lecteur("84"), f.pilote_national()):
        response = appel(client, user, "post", API + "dossiers/", body)
        assert response.status_code == 403, user
        assert response.json() == {
            "detail": "Seul le valideur (CMSI) de l'ARS peut initialiser un dossier."
        }
    # The valideur of another région does not see the établissement.
    response = appel(client, f.ars_valideur("11"), "post", API + "dossiers/", body)
    message = f"Aucun établissement de votre périmètre n'a le FINESS {etab.finess}."
    assert_400(response, {"finess": [message]}, message)
    assert not Dossier.objects.exists()
    valideur = f.ars_valideur("84")
    # Another région's request is not found.
    response = appel(
        client, valideur, "post", API + "dossiers/", {**body, "demande": idf_demande.pk}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Ressource introuvable."}
    assert appel(client, valideur, "post", API + "dossiers/", body).status_code == 201
    response = appel(client, valideur, "post", API + "dossiers/", body)
    message = "L'établissement a déjà un dossier HOPEN en cours."
    assert_400(response, {"non_field_errors": [message]}, message)
    assert Dossier.objects.count() == 1
    assert appel(client, None, "post", API + "dossiers/", body).status_code == 401


# --- dossiers/ list: filters, scoping, pagination -------------------------------------------------


@pytest.fixture
def monde():
    """ES A (84) with a HOP'EN dossier en saisie and a HN dossier déposé, ES B (84) with a
    HOP'EN dossier déposé, ES C (Île-de-France) with a HOP'EN dossier en saisie."""
    a, b = f.EtablissementFactory(), f.EtablissementFactory()
    c = f.EtablissementFactory(ile_de_france=True)
    return {
        "a_hopen": d.en_saisie(a),
        "a_hn": d.depose(a, code="HN"),
        "b_hopen": d.depose(b),
        "c_hopen": d.en_saisie(c),
        "a": a,
        "b": b,
        "c": c,
    }


def _numeros(client, user, query=""):
    response = appel(client, user, "get", API + "dossiers/" + query)
    assert response.status_code == 200, response.content
    return {row["numero"] for row in response.json()["results"]}


def test_list_filters(client, monde):
    pilote = f.pilote_national()
    n = {k: v.numero for k, v in monde.items() if k.endswith(("_hopen", "_hn"))}
    assert _numeros(client, pilote) == set(n.values())
    assert _numeros(client, pilote, "?programme=HN") == {n["a_hn"]}
    assert _numeros(client, pilote, "?programme=hopen") == {
        n["a_hopen"],
        n["b_hopen"],
        n["c_hopen"],
    }
    assert _numeros(client, pilote, "?etat=depose") == {n["a_hn"], n["b_hopen"]}
    assert _numeros(client, pilote, "?etat=en_saisie&programme=HOPEN") == {
        n["a_hopen"],
        n["c_hopen"],
    }
    assert _numeros(client, pilote, "?region=11") == {n["c_hopen"]}
    assert _numeros(client, pilote, "?region=84&etat=depose&programme=HOPEN") == {n["b_hopen"]}
    assert _numeros(client, pilote, f"?finess={monde['a'].finess}") == {n["a_hopen"], n["a_hn"]}
    assert _numeros(client, pilote, "?etat=accepte") == set()


def test_list_is_scoped(client, monde):
    n = {k: v.numero for k, v in monde.items() if k.endswith(("_hopen", "_hn"))}
    assert _numeros(client, f.es_gestionnaire(monde["a"])) == {n["a_hopen"], n["a_hn"]}
    assert _numeros(client, f.es_lecteur(monde["b"])) == {n["b_hopen"]}
    assert _numeros(client, f.ars_valideur("84")) == {n["a_hopen"], n["a_hn"], n["b_hopen"]}
    assert _numeros(client, f.ars_lecteur("84"), "?region=11") == set()
    assert _numeros(client, f.ars_valideur("11")) == {n["c_hopen"]}
    assert _numeros(client, f.pilote_national()) == set(n.values())
    assert _numeros(client, f.lecteur_national()) == set(n.values())
    assert appel(client, None, "get", API + "dossiers/").status_code == 401


def test_list_rows_carry_the_contract_fields_and_no_content(client, monde):
    response = appel(
        client, f.ars_valideur("84"), "get", API + f"dossiers/?finess={monde['b'].finess}"
    )
    [row] = response.json()["results"]
    dossier = Dossier.objects.get(pk=monde["b_hopen"].pk)
    assert set(row) >= {
        "numero",
        "programme",
        "finess",
        "nom",
        "etat",
        "phase",
        "cree_le",
        "depose_le",
        "echeance_decision",
        "decide_le",
    }
    assert "contenu" not in row
    assert row["etat"] == "depose"
    assert row["echeance_decision"] == dossier.echeance_decision.isoformat()


def test_list_is_paginated(client):
    valideur = f.ars_valideur("84")
    for _ in range(51):
        d.en_saisie(valideur=valideur)
    response = appel(client, valideur, "get", API + "dossiers/")
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 51
    assert len(body["results"]) == 50
    assert body["previous"] is None
    assert body["next"].endswith("/api/v1/dossiers/?page=2")
    page_2 = appel(client, valideur, "get", API + "dossiers/?page=2").json()
    assert len(page_2["results"]) == 1
    assert page_2["next"] is None
    tous = {r["numero"] for r in body["results"]} | {r["numero"] for r in page_2["results"]}
    assert len(tous) == 51
    assert appel(client, valideur, "get", API + "dossiers/?page=3").status_code == 404


@pytest.mark.parametrize("role", ["ars_valideur", "pilote_national", "es_gestionnaire"])
def test_list_query_count_does_not_grow_with_rows(client, role):
    valideur = f.ars_valideur("84")
    etab = f.EtablissementFactory()
    user = {
        "ars_valideur": lambda: valideur,
        "pilote_national": f.pilote_national,
        "es_gestionnaire": lambda: f.es_gestionnaire(etab),
    }[role]()
    d.en_saisie(etab, valideur=valideur)
    client.force_login(user)
    peu, response = count_queries(client.get, API + "dossiers/")
    assert response.json()["count"] == 1
    for _ in range(14):
        autre = f.EtablissementFactory()
        if role == "es_gestionnaire":
            f.es_gestionnaire(autre, user=user)
        d.en_saisie(autre, valideur=valideur)
    beaucoup, response = count_queries(client.get, API + "dossiers/")
    assert response.json()["count"] == 15
    assert peu == beaucoup


# --- detail --------------------------------------------------------------------------------------


def test_detail_scoping(client):
    dossier = d.en_saisie()
    url = dossier_url(dossier.numero)
    for user in (
        f.es_gestionnaire(dossier.etablissement),
        f.es_lecteur(dossier.etablissement),
        f.ars_valideur("84"),
        f.ars_lecteur("84"),
        f.pilote_national(),
        f.lecteur_national(),
    ):
        response = appel(client, user, "get", url)
        assert response.status_code == 200
        assert response.json()["numero"] == dossier.numero
    for user in (f.es_gestionnaire(), f.ars_valideur("11"), f.ars_lecteur("11")):
        response = appel(client, user, "get", url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Ressource introuvable."}
    assert appel(
        client, f.pilote_national(), "get", dossier_url("84-20000101-999")
    ).status_code == (404)
    response = appel(client, None, "get", url)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentification requise."}


def test_detail_for_the_es_carries_its_content_missing_fields_and_actions(client):
    dossier, gestionnaire = d.complet()
    body = appel(client, gestionnaire, "get", dossier_url(dossier.numero)).json()
    assert body["contenu_source"] == "saisie"
    assert body["contenu"]["description_projet"] == "Déploiement du DPI dans tous les services."
    assert body["manquants"] == []
    assert body["actions"] == ["deposer"]
    lecteur = f.es_lecteur(dossier.etablissement)
    assert appel(client, lecteur, "get", dossier_url(dossier.numero)).json()["actions"] == []
    depose = d.depose()
    body = appel(client, d.valideur_de(depose), "get", dossier_url(depose.numero)).json()
    assert body["actions"] == ["reporter", "refuser", "accepter"]
    assert body["contenu_source"] == "depot"
    assert body["depot"]["rang"] == 1
    assert body["manquants"] is None


# --- PATCH ---------------------------------------------------------------------------------------


def test_patch_by_the_es_gestionnaire(client):
    dossier, gestionnaire = d.complet()
    response = appel(
        client,
        gestionnaire,
        "patch",
        dossier_url(dossier.numero),
        {
            "mutualise": True,
            "partenaires": "CH de Givors",
            "description_projet": "Nouvelle description.",
            "domaines": [{"code": "d5", "demande": True, "avancement": "etude", "cout": "1500"}],
            "indicateurs": [{"code": "P1.1", "valeur": "88"}],
        },
    )
    assert response.status_code == 200, response.content
    contenu = response.json()["contenu"]
    assert (contenu["mutualise"], contenu["partenaires"]) == (True, "CH de Givors")
    assert contenu["description_projet"] == "Nouvelle description."
    d5 = next(x for x in contenu["domaines"] if x["code"] == "D5")
    assert d5 == {
        "code": "D5",
        "demande": True,
        "avancement": "etude",
        "date_cible": None,
        "cout": "1500.00",
    }
    p11 = next(x for x in contenu["indicateurs"] if x["code"] == "P1.1")
    assert p11 == {"code": "P1.1", "valeur": "88.00", "non_applicable": False}
    # D5 is started ("étude"): its target date and its indicators are now required.
    assert [(m["page"], m["champ"]) for m in response.json()["manquants"]] == [
        ("9", "domaines.D5.date_cible"),
        ("12", "indicateurs.D5.1"),
        ("12", "indicateurs.D5.2"),
        ("12", "indicateurs.D5.3"),
    ]


def test_patch_400_all_or_nothing(client):
    dossier, gestionnaire = d.complet()
    response = appel(
        client,
        gestionnaire,
        "patch",
        dossier_url(dossier.numero),
        {
            "description_projet": "Ne doit pas être enregistrée.",
            "indicateurs": [{"code": "P1.1", "valeur": "50"}, {"code": "P1.3", "valeur": "150"}],
        },
    )
    assert_400(
        response,
        {"indicateurs.P1.3": ["La valeur doit être entre 0 et 100."]},
        "Certaines valeurs sont invalides ; rien n'a été enregistré.",
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.description_projet == "Déploiement du DPI dans tous les services."
    assert str(dossier.valeurs.get(indicateur__code="P1.1").valeur) == "95.00"


def test_patch_400_engagement_gate(client):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    response = appel(
        client, gestionnaire, "patch", dossier_url(dossier.numero), {"motivation": "Trop tôt."}
    )
    assert_400(
        response,
        {
            "engagements": [
                "Cochez toutes les cases d'engagement avant de saisir le reste du dossier."
            ]
        },
        "Certaines valeurs sont invalides ; rien n'a été enregistré.",
    )
    assert Dossier.objects.get(pk=dossier.pk).motivation == ""


def test_patch_400_when_the_body_is_not_an_object(client):
    dossier, gestionnaire = d.complet()
    response = appel(client, gestionnaire, "patch", dossier_url(dossier.numero), ["motivation"])
    message = "Le corps de la requête doit être un objet JSON."  # hn.api.parsers (issue 17)
    assert_400(response, {"non_field_errors": [message]}, message)


@pytest.mark.parametrize(
    "body",
    [
        {"domaines": ["D2"]},
        {"contacts": ["dsi"]},
        {"indicateurs": "P1.1"},
        {"domaines": [{"code": "D2", "cout": "12345678901"}]},  # > numeric(12, 2)
        {"contacts": [{"type": "dsi", "nom": "DSI", "telephone": "0" * 40}]},  # > 30 characters
    ],
    ids=["domaine-pas-objet", "contact-pas-objet", "indicateurs-pas-liste", "cout", "telephone"],
)
def test_patch_malformed_or_out_of_range_input_is_a_400_not_a_500(client, body):
    """API.md: invalid input is a 400 with the error format; nothing is saved."""
    dossier, gestionnaire = d.complet()
    avant = Dossier.objects.get(pk=dossier.pk)
    client.raise_request_exception = False
    response = appel(client, gestionnaire, "patch", dossier_url(dossier.numero), body)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert set(response.json()) == {"detail", "errors"}
    from dossiers.contenu import contenu

    assert contenu(Dossier.objects.get(pk=dossier.pk)) == contenu(avant)


@pytest.mark.parametrize("role", ["es_lecteur", "ars_valideur", "ars_lecteur", "pilote_national"])
def test_patch_403_for_read_only_roles(client, role):
    dossier, _ = d.complet()
    user = {
        "es_lecteur": lambda: f.es_lecteur(dossier.etablissement),
        "ars_valideur": lambda: d.valideur_de(dossier),
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "pilote_national": f.pilote_national,
    }[role]()
    response = appel(
        client, user, "patch", dossier_url(dossier.numero), {"motivation": "Pas permis."}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Votre rôle ne permet pas de modifier ce dossier."}
    assert Dossier.objects.get(pk=dossier.pk).motivation != "Pas permis."


def test_patch_404_for_another_tenant(client):
    dossier, _ = d.complet()
    for user in (f.es_gestionnaire(), f.ars_valideur("11")):
        response = appel(
            client, user, "patch", dossier_url(dossier.numero), {"motivation": "Intrusion."}
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "Ressource introuvable."}
    assert appel(client, None, "patch", dossier_url(dossier.numero), {}).status_code == 401


@pytest.mark.parametrize(
    ("etat", "libelle"), [("depose", "Déposé"), ("accepte", "Accepté"), ("refuse", "Refusé")]
)
def test_patch_409_once_deposited(client, etat, libelle):
    dossier = {"depose": d.depose, "accepte": d.accepte, "refuse": d.refuse}[etat]()
    response = appel(
        client,
        gestionnaire_de(dossier),
        "patch",
        dossier_url(dossier.numero),
        {"motivation": "Trop tard."},
    )
    assert_409_etat(response, etat, f"Le dossier est « {libelle} » : il n'est plus modifiable.")
    assert Dossier.objects.get(pk=dossier.pk).motivation != "Trop tard."


def _patch_texte(client, dossier):
    """(queries, UPDATEs of a dossier's domaines) of a PATCH of one text field."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.patch(
            dossier_url(dossier.numero), {"motivation": "Revue."}, content_type="application/json"
        )
    assert response.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sum(q.startswith('UPDATE "dossiers_domainedossier"') for q in sql)


def test_patch_query_count_does_not_grow_with_the_domaines_and_writes_only_what_is_sent(client):
    """Load test of issue 17: the ES's save was over its p95 budget; each domaine cost a query
    per reading of the content and an UPDATE, sent or not."""
    un, gestionnaire = d.complet(domaines=("D2",))
    quatre, _ = d.complet(f.EtablissementFactory(), domaines=("D2", "D3", "D4", "D5"))
    f.es_gestionnaire(quatre.etablissement, user=gestionnaire)
    client.force_login(gestionnaire)
    requetes_un, ecritures_un = _patch_texte(client, un)
    requetes_quatre, ecritures_quatre = _patch_texte(client, quatre)
    assert requetes_un == requetes_quatre
    assert ecritures_un == ecritures_quatre == 0


# --- transitions/{name}/ --------------------------------------------------------------------------


def test_incomplete_depot_is_a_409_with_the_missing_fields(client):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    response = appel(
        client, gestionnaire, "post", dossier_url(dossier.numero, "transitions/deposer/")
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"detail", "manquants"}
    assert body["detail"] == (
        "Le dossier ne peut pas être déposé : 27 informations obligatoires manquantes."
    )
    assert len(body["manquants"]) == 27
    for m in body["manquants"]:
        assert {"page", "champ", "libelle"} <= set(m)
        assert all(isinstance(m[k], str) and m[k] for k in ("page", "champ", "libelle"))
    triplets = [(m["page"], m["champ"], m["libelle"]) for m in body["manquants"]]
    assert triplets[0] == ("1", "engagements", "Toutes les cases d'engagement doivent être cochées")
    assert ("8", "indicateurs.P4.3", "Indicateur P4.3") in triplets
    assert triplets[-1] == ("9", "domaines", "Au moins un domaine fonctionnel demandé")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.etat == "en_saisie"
    assert not dossier.depots.exists()


@time_machine.travel(paris(2025, 10, 31, 15, 0), tick=False)
def test_depot_over_http(client):
    dossier, gestionnaire = d.complet()
    response = appel(
        client, gestionnaire, "post", dossier_url(dossier.numero, "transitions/deposer/")
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["etat"] == "depose"
    assert body["depose_le"] == "2025-10-31T15:00:00+01:00"
    assert body["echeance_decision"] == "2026-02-28"
    assert body["depot"]["rang"] == 1
    assert body["depot"]["empreinte"] == dossier.depots.get().empreinte
    assert body["actions"] == []


def test_transition_rights(client):
    dossier, gestionnaire = d.complet()
    url = dossier_url(dossier.numero, "transitions/deposer/")
    for user in (f.es_lecteur(dossier.etablissement), d.valideur_de(dossier), f.pilote_national()):
        assert appel(client, user, "post", url).status_code == 403
    for user in (f.es_gestionnaire(), f.ars_valideur("11")):
        assert appel(client, user, "post", url).status_code == 404
    assert appel(client, None, "post", url).status_code == 401
    assert Dossier.objects.get(pk=dossier.pk).etat == "en_saisie"
    assert appel(client, gestionnaire, "post", url).status_code == 200
    # The ES may not decide.
    for name in ("reporter", "refuser", "accepter"):
        response = appel(
            client,
            gestionnaire,
            "post",
            dossier_url(dossier.numero, f"transitions/{name}/"),
            {"commentaire": "x", "motif": "autre"},
        )
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Seul le valideur (CMSI) de l'ARS peut instruire ce dossier."
        }
    assert Dossier.objects.get(pk=dossier.pk).etat == "depose"


def test_unknown_transition_is_a_404(client):
    dossier = d.depose()
    for name in ("valider", "refuser_implicitement", "DEPOSER"):
        response = appel(
            client,
            d.valideur_de(dossier),
            "post",
            dossier_url(dossier.numero, f"transitions/{name}/"),
        )
        assert response.status_code == 404, name
    assert Dossier.objects.get(pk=dossier.pk).etat == "depose"


def test_transition_not_allowed_from_the_state_is_a_409(client):
    dossier, gestionnaire = d.complet()
    valideur = d.valideur_de(dossier)
    response = appel(
        client,
        valideur,
        "post",
        dossier_url(dossier.numero, "transitions/reporter/"),
        {"commentaire": "x"},
    )
    assert_409_etat(
        response,
        "en_saisie",
        "Impossible de reporter le dossier : le dossier est « En cours de saisie ».",
    )
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    response = appel(
        client, gestionnaire, "post", dossier_url(dossier.numero, "transitions/deposer/")
    )
    assert_409_etat(response, "depose", "Impossible de déposer : le dossier est « Déposé ».")
    actions.refuser(dossier=dossier, motif="autre", commentaire="Non.", acting_user=valideur)
    for name in ("reporter", "refuser", "accepter"):
        response = appel(
            client,
            valideur,
            "post",
            dossier_url(dossier.numero, f"transitions/{name}/"),
            {"commentaire": "x", "motif": "autre"},
        )
        body = assert_409_etat(response, "refuse")
        assert body["detail"].endswith("le dossier est « Refusé ».")


def test_report_refusal_and_acceptance_over_http(client):
    dossier = d.depose()
    valideur = d.valideur_de(dossier)
    url = dossier_url(dossier.numero, "transitions/")
    response = appel(client, valideur, "post", url + "reporter/", {"commentaire": ""})
    assert_400(
        response,
        {"commentaire": ["Le commentaire est obligatoire pour reporter un dossier."]},
        "Indiquez à l'établissement ce qu'il doit corriger.",
    )
    response = appel(client, valideur, "post", url + "reporter/", {"commentaire": "Preuves."})
    assert response.status_code == 200
    assert (response.json()["etat"], response.json()["echeance_decision"]) == ("reporte", None)
    actions.deposer(dossier=dossier, acting_user=gestionnaire_de(dossier))

    response = appel(
        client, valideur, "post", url + "refuser/", {"motif": "budget", "commentaire": "Non."}
    )
    assert_400(
        response,
        {"motif": ["Choisissez le motif du refus : enveloppe, prerequis ou autre."]},
        "Le refus doit être motivé.",
    )
    response = appel(client, valideur, "post", url + "accepter/")
    assert_409_etat(
        response,
        "depose",
        "Le dossier ne peut pas être accepté : Prérequis non acceptés : P1, P2, P3, P4. "
        "Aucun domaine sélectionné.",
    )
    pret_a_accepter(dossier)
    response = appel(client, valideur, "post", url + "accepter/", {"commentaire": "Retenu."})
    assert response.status_code == 200
    body = response.json()
    assert (body["etat"], body["phase"]) == ("accepte", "suivi")
    assert body["instruction"]["commentaire_decision"] == "Retenu."

    autre = d.depose()
    response = appel(
        client,
        d.valideur_de(autre),
        "post",
        dossier_url(autre.numero, "transitions/refuser/"),
        {"motif": "enveloppe", "commentaire": "Enveloppe consommée."},
    )
    assert response.status_code == 200
    assert (response.json()["etat"], response.json()["motif_refus"]) == ("refuse", "enveloppe")


# --- prerequis/, domaines/, commentaires/ ---------------------------------------------------------


def test_prerequis_endpoint(client):
    dossier = d.depose()
    valideur = d.valideur_de(dossier)
    url = dossier_url(dossier.numero, "prerequis/")
    for user in (gestionnaire_de(dossier), f.ars_lecteur("84"), f.pilote_national()):
        response = appel(client, user, "post", url, {"decisions": {"P1": "accepte"}})
        assert response.status_code == 403
    response = appel(client, f.ars_valideur("11"), "post", url, {"decisions": {"P1": "accepte"}})
    assert response.status_code == 404
    response = appel(client, valideur, "post", url, {"decisions": ["P1"]})
    assert_400(
        response, {"decisions": ["Un objet {code: décision}."]}, "Un objet {code: décision}."
    )
    response = appel(
        client, valideur, "post", url, {"decisions": {"P1": "accepte", "P2": "non_accepte"}}
    )
    assert_400(
        response,
        {
            "commentaire": [
                "Un commentaire est obligatoire quand un prérequis n'est pas accepté ou pas décidé."
            ]
        },
        "La validation des prérequis est incomplète.",
    )
    assert not DecisionPrerequisDossier.objects.filter(dossier=dossier).exists()
    response = appel(
        client,
        valideur,
        "post",
        url,
        {"decisions": {"P1": "accepte", "P2": "non_accepte"}, "commentaire": "P2 absent."},
    )
    assert response.status_code == 200
    instruction = response.json()["instruction"]
    assert sorted((x["code"], x["decision"]) for x in instruction["prerequis"]) == [
        ("P1", "accepte"),
        ("P2", "non_accepte"),
    ]
    assert instruction["commentaire_prerequis"] == "P2 absent."
    en_saisie = d.en_saisie()
    response = appel(
        client,
        d.valideur_de(en_saisie),
        "post",
        dossier_url(en_saisie.numero, "prerequis/"),
        {"decisions": {"P1": "accepte"}, "commentaire": "x"},
    )
    assert_409_etat(response, "en_saisie", "Les prérequis se valident sur un dossier déposé.")


def test_domaines_endpoint(client):
    dossier = d.depose()
    valideur = d.valideur_de(dossier)
    url = dossier_url(dossier.numero, "domaines/")
    decisions = {
        "decisions": [
            {"code": "d2", "decision": "selectionne", "commentaire": "Bon projet."},
            {"code": "D3", "decision": "non_selectionne", "commentaire": "Plus tard."},
        ]
    }
    message = "Validez d'abord tous les prérequis avant de sélectionner des domaines."
    assert_400(
        appel(client, valideur, "post", url, decisions), {"non_field_errors": [message]}, message
    )
    d.prerequis_acceptes(dossier)
    assert appel(client, gestionnaire_de(dossier), "post", url, decisions).status_code == 403
    assert appel(client, f.ars_valideur("11"), "post", url, decisions).status_code == 404
    assert_400(
        appel(client, valideur, "post", url, {"decisions": {"D2": "selectionne"}}),
        {"decisions": ["Une liste de {code, decision, commentaire}."]},
        "Une liste de {code, decision, commentaire}.",
    )
    response = appel(
        client, valideur, "post", url, {"decisions": [{"code": "D7", "decision": "selectionne"}]}
    )
    assert_400(
        response,
        {"decisions": ["Domaine non demandé : D7."]},
        "La sélection des domaines est invalide.",
    )
    response = appel(client, valideur, "post", url, decisions)
    assert response.status_code == 200, response.content
    attendu = [
        {"code": "D2", "decision": "selectionne", "commentaire": "Bon projet."},
        {"code": "D3", "decision": "non_selectionne", "commentaire": "Plus tard."},
    ]
    assert response.json()["instruction"]["domaines"] == attendu
    # The comments are visible to the ES.
    es = appel(client, f.es_lecteur(dossier.etablissement), "get", dossier_url(dossier.numero))
    assert es.json()["instruction"]["domaines"] == attendu


@pytest.mark.parametrize("etat", ["en_saisie", "depose", "refuse", "accepte"])
def test_commentaires_endpoint_in_every_state(client, etat):
    dossier = {
        "en_saisie": d.en_saisie,
        "depose": d.depose,
        "refuse": d.refuse,
        "accepte": d.accepte,
    }[etat]()
    valideur = d.valideur_de(dossier)
    url = dossier_url(dossier.numero, "commentaires/")
    response = appel(client, valideur, "post", url, {"texte": "Point d'étape en comité."})
    assert response.status_code == 201, response.content
    [commentaire] = response.json()["instruction"]["commentaires"]
    assert (commentaire["auteur"], commentaire["texte"]) == (
        valideur.username,
        "Point d'étape en comité.",
    )
    assert response.json()["etat"] == etat
    # The ES reads the ARS's comments.
    es = appel(client, f.es_lecteur(dossier.etablissement), "get", dossier_url(dossier.numero))
    assert [c["texte"] for c in es.json()["instruction"]["commentaires"]] == [
        "Point d'étape en comité."
    ]


def test_commentaires_endpoint_errors(client):
    dossier = d.refuse()
    url = dossier_url(dossier.numero, "commentaires/")
    assert_400(
        appel(client, d.valideur_de(dossier), "post", url, {"texte": "  "}),
        {"texte": ["Saisissez un commentaire."]},
        "Le commentaire est vide.",
    )
    for user in (gestionnaire_de(dossier), f.ars_lecteur("84"), f.pilote_national()):
        assert appel(client, user, "post", url, {"texte": "x"}).status_code == 403
    assert appel(client, f.ars_valideur("11"), "post", url, {"texte": "x"}).status_code == 404
    assert not dossier.commentaires.exists()


# --- historique/ ----------------------------------------------------------------------------------


def test_historique_readable_by_the_es_on_its_own_dossier(client):
    with time_machine.travel(paris(2026, 1, 12, 10, 0), tick=False):
        dossier, gestionnaire = d.complet()
    valideur = d.valideur_de(dossier)
    with time_machine.travel(paris(2026, 1, 20, 11, 0), tick=False):
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    with time_machine.travel(paris(2026, 2, 3, 14, 0), tick=False):
        actions.reporter(dossier=dossier, commentaire="Compléter P2.", acting_user=valideur)
    with time_machine.travel(paris(2026, 2, 10, 9, 0), tick=False):
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    with time_machine.travel(datetime(2026, 6, 10, 22, 30, tzinfo=UTC), tick=False):
        actions.refuser_implicitement(dossier=dossier)

    url = dossier_url(dossier.numero, "historique/")
    response = appel(client, f.es_lecteur(dossier.etablissement), "get", url)
    assert response.status_code == 200
    rows = response.json()
    g, v = gestionnaire.username, valideur.username
    assert [(r["acteur"], r["action"], r["de"], r["vers"]) for r in rows] == [
        (v, "dossier_initialise", None, "en_saisie"),
        (g, "dossier_saisi", None, None),
        (g, "dossier_depose", "en_saisie", "depose"),
        (v, "dossier_reporte", "depose", "reporte"),
        (g, "dossier_depose", "reporte", "depose"),
        ("systeme", "dossier_refuse_implicitement", "depose", "refuse_implicite"),
    ]
    assert datetime.fromisoformat(rows[0]["horodatage"]) == paris(2026, 1, 12, 10, 0)
    assert datetime.fromisoformat(rows[3]["horodatage"]) == paris(2026, 2, 3, 14, 0)
    assert rows[3]["commentaire"] == "Compléter P2."
    for user in (gestionnaire, valideur, f.ars_lecteur("84"), f.lecteur_national()):
        assert appel(client, user, "get", url).json() == rows
    for user in (f.es_gestionnaire(), f.ars_valideur("11")):
        assert appel(client, user, "get", url).status_code == 404
    assert appel(client, None, "get", url).status_code == 401


# --- visibility of the data being typed (SPEC §1) -------------------------------------------------

MARQUEUR = "MARQUEUR-7F3C9A-SAISIE"
LECTEURS_HORS_ES = ["ars_valideur", "ars_lecteur", "pilote_national", "lecteur_national"]


def lecteur(role, dossier):
    return {
        "ars_valideur": lambda: d.valideur_de(dossier),
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "pilote_national": f.pilote_national,
        "lecteur_national": f.lecteur_national,
    }[role]()


def _saisie_marquee(dossier, gestionnaire, marqueur):
    body = d.saisie_complete(dossier.programme, ("D2", "D3"))
    body.update(
        {
            "description_projet": f"Description {marqueur}",
            "motivation": f"Motivation {marqueur}",
            "mutualise": True,
            "partenaires": f"Partenaires {marqueur}",
            "commentaire_etablissement": f"Établissement {marqueur}",
            "commentaire_contacts": f"Contacts {marqueur}",
        }
    )
    body["contacts"][0]["nom"] = f"Nom {marqueur}"
    enregistrer_saisie(dossier=dossier, data=body, acting_user=gestionnaire)


@pytest.mark.parametrize("role", LECTEURS_HORS_ES)
def test_ars_and_national_never_read_a_dossier_being_typed(client, role):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    _saisie_marquee(dossier, gestionnaire, MARQUEUR)
    es = appel(client, gestionnaire, "get", dossier_url(dossier.numero))
    assert MARQUEUR in es.content.decode()
    assert es.json()["contenu"]["description_projet"] == f"Description {MARQUEUR}"

    user = lecteur(role, dossier)
    response = appel(client, user, "get", dossier_url(dossier.numero))
    assert response.status_code == 200
    body = response.json()
    # It exists: number, name, état, dates.
    assert (body["numero"], body["etat"], body["nom"]) == (
        dossier.numero,
        "en_saisie",
        dossier.nom,
    )
    assert body["cree_le"] is not None
    # Not what is being typed.
    assert body["contenu"] is None
    assert body["contenu_source"] is None
    assert body["depot"] is None
    assert body["manquants"] is None
    assert MARQUEUR.encode() not in response.content
    for path in (
        API + "dossiers/",
        dossier_url(dossier.numero, "historique/"),
        API + f"dossiers/?finess={dossier.etablissement.finess}",
    ):
        response = appel(client, user, "get", path)
        assert response.status_code == 200
        assert MARQUEUR.encode() not in response.content, path


@pytest.mark.parametrize("role", LECTEURS_HORS_ES)
def test_ars_and_national_read_the_last_deposited_version_not_the_new_edits(client, role):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    _saisie_marquee(dossier, gestionnaire, "MARQUEUR-DEPOSE")
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    actions.reporter(dossier=dossier, commentaire="Revoir.", acting_user=d.valideur_de(dossier))
    enregistrer_saisie(
        dossier=dossier,
        data={
            "description_projet": "Description MARQUEUR-NOUVEAU",
            "motivation": "Motivation MARQUEUR-NOUVEAU",
            "contacts": [{"type": "contact", "nom": "Nom MARQUEUR-NOUVEAU"}],
        },
        acting_user=gestionnaire,
    )
    response = appel(client, lecteur(role, dossier), "get", dossier_url(dossier.numero))
    body = response.json()
    assert body["etat"] == "reporte"
    assert body["contenu_source"] == "depot"
    assert body["depot"]["rang"] == 1
    assert body["contenu"]["description_projet"] == "Description MARQUEUR-DEPOSE"
    assert body["contenu"]["contacts"][0]["nom"] == "Nom MARQUEUR-DEPOSE"
    assert body["contenu"] == dossier.depots.get().contenu
    assert b"MARQUEUR-NOUVEAU" not in response.content

    es = appel(client, gestionnaire, "get", dossier_url(dossier.numero)).json()
    assert es["contenu_source"] == "saisie"
    assert es["contenu"]["description_projet"] == "Description MARQUEUR-NOUVEAU"
    assert es["contenu"]["contacts"][0]["nom"] == "Nom MARQUEUR-NOUVEAU"


def test_ars_does_not_learn_the_requested_domaines_while_the_dossier_is_typed(client):
    """The requested domaines are data typed by the ES: the ARS must not see them before the
    dépôt, and after a report only the deposited ones."""
    dossier, gestionnaire = d.complet()  # D2 and D3 requested, not deposited
    valideur = d.valideur_de(dossier)
    body = appel(client, valideur, "get", dossier_url(dossier.numero)).json()
    assert body["instruction"]["domaines"] == []

    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    actions.reporter(dossier=dossier, commentaire="Revoir.", acting_user=valideur)
    enregistrer_saisie(
        dossier=dossier,
        data={"domaines": [{"code": "D5", "demande": True, "avancement": "etude"}]},
        acting_user=gestionnaire,
    )
    body = appel(client, valideur, "get", dossier_url(dossier.numero)).json()
    assert [x["code"] for x in body["instruction"]["domaines"]] == ["D2", "D3"]


def test_ars_does_not_read_the_typed_text_in_the_journal_either(client):
    """SPEC §1: the trace is readable by whoever may read the dossier, but the edits of a
    dossier being typed are data the ARS may not read yet."""
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    _saisie_marquee(dossier, gestionnaire, MARQUEUR)
    client.force_login(d.valideur_de(dossier))
    response = client.get(reverse("journal:liste"))
    assert response.status_code == 200
    assert dossier.numero in response.content.decode()  # the dossier's rows are listed
    assert MARQUEUR not in response.content.decode()
