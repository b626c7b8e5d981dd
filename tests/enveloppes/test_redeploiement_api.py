"""API.md "Pilotage": ``POST enveloppes/redeploiements/`` (the national pilot moves an amount
between two régions' envelopes, a ledger line on each) and the list of the redeployments.
Every refusal is a 400 at its field, or a 403, and writes nothing (ledger lines and traces
counted)."""

from decimal import Decimal as D

import pytest
import yaml

from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn.journal.models import Evenement
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/enveloppes/redeploiements/"
MAYOTTE, BRETAGNE = "06", "53"  # HOP'EN: 718 000 € and 17 935 000 € published [003 A2]
CORPS = {
    "programme": "HOPEN",
    "de": MAYOTTE,
    "vers": BRETAGNE,
    "montant": "100000",
    "motif": "Sous-consommation.",
}


def enveloppe(region, programme="HOPEN") -> Enveloppe:
    return Enveloppe.objects.select_related("programme", "region").get(
        programme__code=programme, region__code=region, region__decoupage="2016"
    )


def post(client, user, corps):
    if user is not None:
        client.force_login(user)
    return client.post(API, corps, content_type="application/json")


def rien_ecrit():
    """Ledger lines and the traces of the envelopes (a login is traced too)."""
    return (
        MouvementEnveloppe.objects.count(),
        Evenement.objects.filter(action__startswith="enveloppe").count(),
    )


def test_the_pilot_redeploys_with_a_ledger_line_on_each_envelope(client):
    pilote = f.pilote_national()
    disponible_avant = enveloppe(BRETAGNE).situation().disponible
    response = post(client, pilote, CORPS)
    assert response.status_code == 201, response.content
    data = response.json()
    sortant = MouvementEnveloppe.objects.get(nature=Nature.REDEPLOIEMENT_SORTANT)
    entrant = MouvementEnveloppe.objects.get(nature=Nature.REDEPLOIEMENT_ENTRANT)
    assert (sortant.enveloppe, entrant.enveloppe) == (enveloppe(MAYOTTE), enveloppe(BRETAGNE))
    assert entrant.contrepartie == sortant
    assert (sortant.montant, entrant.montant) == (D(100_000), D(100_000))
    assert (sortant.acteur, sortant.motif) == (pilote, "Sous-consommation.")
    assert {k: data[k] for k in ("id", "programme", "de", "vers", "montant", "motif")} == {
        "id": entrant.pk,
        "programme": "HOPEN",
        "de": MAYOTTE,
        "vers": BRETAGNE,
        "montant": "100000.00",
        "motif": "Sous-consommation.",
    }
    assert [(m["id"], m["nature"], m["montant"], m["acteur"]) for m in data["mouvements"]] == [
        (sortant.pk, Nature.REDEPLOIEMENT_SORTANT, "100000.00", pilote.username),
        (entrant.pk, Nature.REDEPLOIEMENT_ENTRANT, "100000.00", pilote.username),
    ]
    de, vers = data["enveloppes"]["de"], data["enveloppes"]["vers"]
    assert (de["region"], de["total"], de["redeploye"], de["allouee"], de["disponible"]) == (
        MAYOTTE,
        718_000,  # the published amount (API.md ``GET enveloppes/``)
        -100_000,
        618_000,
        618_000,
    )
    assert (vers["redeploye"], vers["disponible"]) == (100_000, int(disponible_avant) + 100_000)
    assert Evenement.objects.filter(action="enveloppe_redeploiement").count() == 2

    # The list: the pair, for the national level and for each région's ARS involved.
    attendu = [{k: data[k] for k in ("id", "programme", "de", "vers", "montant", "motif")}]
    for user, query in (
        (f.lecteur_national(), "?programme=HOPEN"),
        (f.ars_lecteur(BRETAGNE), ""),
        (f.ars_valideur(MAYOTTE), "?programme=hopen"),
    ):
        client.force_login(user)
        rows = client.get(API + query).json()
        assert [{k: r[k] for k in attendu[0]} for r in rows] == attendu, user
    client.force_login(f.ars_lecteur("84"))
    assert client.get(API).json() == []
    assert client.get(API + "?programme=HN").json() == []
    assert client.get(API + "?programme=XX").status_code == 400


def test_hn_redeploys_between_former_regions(client):
    response = post(
        client,
        f.pilote_national(),
        {**CORPS, "programme": "HN", "de": "82", "vers": "83", "montant": "1234.56"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["enveloppes"]["vers"]["redeploye"] == 1_235  # 1 234,56, half up


@pytest.mark.parametrize(
    ("changes", "champ", "message"),
    [
        ({"montant": "718000.01"}, "montant", "ne peut dépasser le disponible de l'enveloppe"),
        ({"vers": MAYOTTE}, "vers", "entre deux régions différentes"),
        ({"motif": ""}, "motif", "Un redéploiement doit être motivé."),
        ({"motif": "   "}, "motif", "Un redéploiement doit être motivé."),
        ({"motif": None}, "motif", "Un redéploiement doit être motivé."),
        ({"motif": 12}, "motif", "Un texte est attendu."),
        ({"programme": "XX"}, "programme", "Programme inconnu"),
        ({"programme": ""}, "programme", "Indiquez le programme."),
        ({"de": "99"}, "de", "Aucune enveloppe HOPEN pour la région « 99 »"),
        ({"de": ""}, "de", "Indiquez la région qui cède le montant."),
        ({"vers": "99"}, "vers", "Aucune enveloppe HOPEN pour la région « 99 »"),
        ({"vers": ""}, "vers", "Choisissez l'enveloppe qui reçoit le montant."),
        ({"programme": "HN"}, "de", "Aucune enveloppe HN pour la région « 06 »"),
        ({"montant": "abc"}, "montant", "Le montant doit être un nombre d'euros"),
        ({"montant": [1]}, "montant", "Le montant doit être un nombre d'euros"),
        ({"montant": True}, "montant", "Le montant doit être un nombre d'euros"),
        ({"montant": "-5"}, "montant", "strictement positif"),
        ({"montant": 0}, "montant", "strictement positif"),
        ({"montant": "NaN"}, "montant", "strictement positif"),
        ({"montant": "1.001"}, "montant", "deux décimales au plus"),
        ({"montant": 0.1 + 0.2}, "montant", "deux décimales au plus"),
        ({"montant": "1e15"}, "montant", "hors de proportion"),
        ({"montant": None}, "montant", "Indiquez le montant redéployé."),
    ],
)
def test_bad_input_is_a_400_at_its_field_and_writes_nothing(client, changes, champ, message):
    pilote = f.pilote_national()
    avant = rien_ecrit()
    response = post(client, pilote, {**CORPS, **changes})
    assert response.status_code == 400, response.content
    data = response.json()
    assert message in " ".join(data["errors"][champ]), data
    assert data["detail"]
    assert rien_ecrit() == avant


def test_every_field_error_at_once(client):
    response = post(client, f.pilote_national(), {"programme": "HOPEN", "montant": "x"})
    assert set(response.json()["errors"]) == {"de", "vers", "montant", "motif"}
    assert post(client, None, []).status_code == 400  # not an object: every field missing
    assert not MouvementEnveloppe.objects.exists()


@pytest.mark.parametrize(
    "role",
    ["lecteur_national", "ars_valideur", "ars_lecteur", "es_gestionnaire"],
)
def test_only_the_national_pilot_redeploys(client, role):
    user = {
        "lecteur_national": f.lecteur_national,
        "ars_valideur": lambda: f.ars_valideur(MAYOTTE),
        "ars_lecteur": lambda: f.ars_lecteur(MAYOTTE),
        "es_gestionnaire": f.es_gestionnaire,
    }[role]()
    avant = rien_ecrit()
    response = post(client, user, CORPS)
    assert response.status_code == 403
    assert response.json()["detail"] == "Seul le pilote national redéploie les enveloppes."
    assert rien_ecrit() == avant
    client.logout()
    assert post(client, None, CORPS).status_code == 401
    assert rien_ecrit() == avant


def test_the_schema_documents_both_operations_with_unique_ids(client):
    client.force_login(f.lecteur_national())
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    chemin = schema["paths"]["/api/v1/enveloppes/redeploiements/"]
    assert chemin["post"]["operationId"] == "enveloppes_redeploiements_creer"
    assert chemin["get"]["operationId"] == "enveloppes_redeploiements_liste"
    assert "201" in chemin["post"]["responses"]
    ids = [op["operationId"] for p in schema["paths"].values() for op in p.values()]
    assert len(ids) == len(set(ids))
