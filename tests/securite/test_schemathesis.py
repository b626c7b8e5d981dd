"""Property-based fuzzing of the whole API from its OpenAPI schema (issue 17, item 6):
schemathesis generates requests for every operation (valid and invalid data) and sends them to
a live server, for each role (an ES gestionnaire, an ARS valideur, a national pilote,
anonymous) over a small world built by factories. Expected: no answer >= 500, every status
code and every JSON body as the schema declares.

Bounded and reproducible: a fixed number of examples per operation and mode
(``SCHEMATHESIS_EXEMPLES``, default 4), Hypothesis derandomized (fixed seed), no shrinking.
A failure lists every operation that failed, with the request to replay it."""

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from hn.comptes.jetons import creer_jeton
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("schemathesis")]

EXEMPLES = int(os.environ.get("SCHEMATHESIS_EXEMPLES", "3"))
# Documents built per call (PDF rendering): fewer examples, the path is what varies.
DOCUMENTS = ("/pdf/", "/accuse/", "/fichier/")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
DUREES: dict[str, float] = {}
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


def construire_monde() -> dict:
    """A région 84 with an établissement whose dossiers are in saisie, deposited and accepted
    (in suivi, with a report-ready domaine), an attachment, a notification; the users of the
    four roles; the real values of every path parameter."""
    etab = f.EtablissementFactory()
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
    en_saisie, gestionnaire = d.complet(etab, code="HN")
    accepte = d.accepte(etab, selectionnes=("D2",), amorcage={"D2": 20_000})
    depose = d.depose(f.EtablissementFactory())
    piece = d.piece_de(en_saisie, gestionnaire)
    notification = f.NotificationFactory(destinataire=gestionnaire)
    roles = {
        "es_gestionnaire": gestionnaire,
        "ars_valideur": d.valideur_de(accepte),
        "national": f.pilote_national(),
        "anonyme": None,
    }
    valeurs = {
        "numero": [en_saisie.numero, depose.numero, accepte.numero],
        "name": ["deposer", "reporter", "refuser", "accepter", "clore"],
        "piece": [piece.pk],
        "rang": [1],
        "domaine": ["D1", "D2", "D3"],
        "code": ["HN", "HOPEN"],
        "programme": ["HN", "HOPEN"],
        "region": ["84", "11"],
        "finess": [etab.finess, depose.etablissement.finess],
        "annee": [2025, 2026],
        "pk": [notification.pk],
    }
    return {"roles": roles, "valeurs": valeurs}


def en_tetes(user) -> dict:
    if user is None:
        return {}
    token = creer_jeton(user)
    return {"Authorization": f"Token {token}"}


def modes(operation, anonyme: bool) -> list:
    """Invalid data only where the schema constrains something (a body or a query parameter:
    any text is a valid path string); anonymous calls are all 401, one valid example each."""
    if anonyme or not (list(operation.body) or list(operation.query)):
        return MODES[:1]
    return MODES


def exemples(operation, anonyme: bool) -> int:
    if anonyme:
        return 1
    return 2 if operation.path.endswith(DOCUMENTS) else EXEMPLES


def fuzzer(operation, mode, base_url, headers, valeurs, echecs, label):
    """Run one operation in one mode; record its failure (one per operation and mode)."""

    @given(case=operation.as_strategy(generation_mode=mode), donnees=st.data())
    @settings(
        max_examples=exemples(operation, label == "anonyme"),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def un_cas(case, donnees):
        # Most calls aim at real objects (or nothing is reached beyond the 404).
        for nom, genere in list((case.path_parameters or {}).items()):
            if nom in valeurs:
                choix = donnees.draw(st.sampled_from([*valeurs[nom], genere]), label=nom)
                case.path_parameters[nom] = choix
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=headers)

    debut = time.monotonic()
    try:
        un_cas()
    except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, then reported
        echecs.append(f"--- {label} {operation.label} ({mode.value})\n{str(exc)[:1500]}")
    DUREES[f"{label} {operation.label} {mode.value}"] = time.monotonic() - debut


def test_l_api_tient_sous_le_fuzzing_de_son_schema(live_server, referentiel):
    monde = construire_monde()
    base_url = live_server.url
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/schema/")
    operations = [resultat.ok() for resultat in schema.get_all_operations()]
    assert len(operations) >= 40
    echecs: list[str] = []
    for role, user in monde["roles"].items():
        headers = en_tetes(user)
        for operation in operations:
            for mode in modes(operation, user is None):
                fuzzer(operation, mode, base_url, headers, monde["valeurs"], echecs, role)
    lentes = sorted(DUREES.items(), key=lambda kv: -kv[1])[:5]
    assert not echecs, (
        f"{len(echecs)} échecs :\n"
        + "\n".join(echecs)
        + "\nLes plus lentes : "
        + ", ".join(f"{k} {v:.1f} s" for k, v in lentes)
    )
