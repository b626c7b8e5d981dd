"""Shared helpers of the audit tests: accepted dossiers through the real actions, a draw, the
JSON API calls."""

import json

from audits import actions
from audits.models import Audit
from dossiers.models import Dossier
from tests import factories as f
from tests.indicateurs import aides as a

API = "/api/v1/audits/"


def accepte(jour=(2022, 3, 1), region="84", **kw) -> Dossier:
    return a.accepte_le(jour, a.etablissement(region), **kw)


def tirer(annee=2022, graine=1, region="84", code="HOPEN", user=None):
    user = user or f.ars_valideur(region)
    return actions.tirer(
        programme=code, region=region, annee=annee, graine=graine, acting_user=user
    )


def audit_de(dossier, annee=2022, **kw) -> Audit:
    """A draw of the dossier's région and year in which ``dossier`` is the only one."""
    tirage = tirer(annee=annee, region=dossier.region.code, **kw)
    return Audit.objects.get(tirage=tirage, dossier=dossier)


def poster(client, url, data=None, user=None):
    if user is not None:
        client.force_login(user)
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def patcher(client, url, data, user=None):
    if user is not None:
        client.force_login(user)
    return client.patch(url, json.dumps(data), content_type="application/json")


def lire(client, url, user=None):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def grille_lignes(audit):
    from audits.grille import lignes

    return lignes(audit)


def recharger(audit) -> Audit:
    return Audit.objects.get(pk=audit.pk)


def designer(client, monde, username="auditrice", user=None):
    return poster(
        client, f"{monde['url']}auditeurs/", {"username": username}, user or monde["valideur"]
    )


def en_cours(client, monde):
    assert designer(client, monde).status_code == 201
    return monde["auditrice"]


def tout_remplir(client, monde, resultat="conforme"):
    grille = lire(client, f"{monde['url']}grille/", monde["auditrice"]).json()
    lignes = [{"code": ligne["code"], "resultat": resultat} for ligne in grille["lignes"]]
    r = patcher(client, f"{monde['url']}grille/", {"lignes": lignes}, monde["auditrice"])
    assert r.status_code == 200, r.json()


def transition(client, monde, name, body, user):
    return poster(client, f"{monde['url']}transitions/{name}/", body, user)


def contradictoire(client, monde, jour=(2023, 1, 31)):
    en_cours(client, monde)
    tout_remplir(client, monde)
    with a.le(*jour):
        r = transition(
            client,
            monde,
            "terminer",
            {"conclusion": "non_conforme", "observations": "DPI absent en pédiatrie."},
            monde["auditrice"],
        )
    assert r.status_code == 200, r.json()
    return r
