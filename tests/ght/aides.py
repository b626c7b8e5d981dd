"""A GHT of région 84 built with factories (no demo): its support, members with HN activity
(no call for applications gates HN requests), the support's gestionnaire."""

from dataclasses import dataclass

from dossiers import actions
from hn.referentiel.models import Programme
from tests import factories as f

API = "/api/v1/"
CODE = "HN"


@dataclass
class MondeGHT:
    ght: object
    support: object
    membres: list  # the GHT's établissements other than the support, by FINESS
    gestionnaire: object
    valideur: object

    @property
    def programme(self):
        return Programme.objects.get(code=CODE)


def etablissement_avec_activite(journees_mco=10_000, **kw):
    etab = f.EtablissementFactory(**kw)
    f.ActiviteEtablissementFactory(
        etablissement=etab,
        programme=Programme.objects.get(code=CODE),
        journees_mco=journees_mco,
    )
    return etab


def monde_ght(n_membres=3, *, activites=None) -> MondeGHT:
    activites = activites or [5_000 * (i + 1) for i in range(n_membres)]
    support = etablissement_avec_activite(40_000)
    ght = f.GHTFactory(support=support, region=support.region)
    support.ght = ght
    support.save(update_fields=["ght"])
    membres = [etablissement_avec_activite(a, ght=ght) for a in activites]
    return MondeGHT(
        ght=ght,
        support=support,
        membres=sorted(membres, key=lambda e: e.finess),
        gestionnaire=f.es_gestionnaire(support),
        valideur=f.ars_valideur(support.region.code),
    )


def demander_ght(monde, membres, *, user=None):
    return actions.demander_initialisation(
        programme=monde.programme,
        etablissement=monde.support,
        acting_user=user or monde.gestionnaire,
        membres=[e.finess for e in membres],
    )


def initialiser_ght(monde, membres):
    demande = demander_ght(monde, membres)
    return actions.initialiser_dossier(
        programme=monde.programme,
        etablissement=monde.support,
        nom="",
        acting_user=monde.valideur,
        demande=demande,
    )


def appel(client, user, method, path, body=None):
    client.force_login(user)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body if body is not None else {}, "application/json")
