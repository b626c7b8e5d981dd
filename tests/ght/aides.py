"""Cheap GHT worlds for the GHT tests, built with factories (no demo): a GHT of région 84
(support, members with activity, the support's gestionnaire) and GHT dossiers filed by the
support, through the request flow (``monde_ght``, HN: no call gates its requests) or made
directly from a complete dossier (``dossier_ght``, HOP'EN, with the GHT conditions)."""

from dataclasses import dataclass

from dossiers import actions
from dossiers import ght as regles_ght
from dossiers.contenu import contenu
from dossiers.eligibilite import controles
from dossiers.models import Dossier, MembreDossier
from dossiers.saisie import enregistrer_saisie
from hn.referentiel.models import GHT, Programme
from tests import dossiers_factories as df
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


def ght(membres=2):
    """(ght, support, [members other than the support])."""
    support = f.EtablissementFactory()
    groupe = GHT.objects.create(nom=f"GHT {support.finess}", region=support.region, support=support)
    support.ght = groupe
    support.save(update_fields=["ght"])
    autres = [f.EtablissementFactory(ght=groupe) for _ in range(membres)]
    return groupe, support, autres


def dossier_ght(domaines=("D2", "D3")):
    """(dossier, support's gestionnaire, members): every ordinary field filled (as ``complet``),
    the GHT conditions left empty."""
    groupe, support, autres = ght()
    dossier, gestionnaire = df.complet(support, domaines=domaines)
    Dossier.objects.filter(pk=dossier.pk).update(ght=groupe)
    for etab in (support, *autres):
        MembreDossier.objects.create(dossier=dossier, etablissement=etab)
    dossier = Dossier.objects.get(pk=dossier.pk)
    # A GHT's domaine indicators are per member [SPEC §10].
    enregistrer_saisie(
        dossier=dossier, data=saisie_ght(dossier, domaines), acting_user=gestionnaire
    )
    return Dossier.objects.get(pk=dossier.pk), gestionnaire, autres


def saisie_ght(dossier, domaines=("D2", "D3"), *, atteints=False) -> dict:
    """``dossiers_factories.saisie_complete`` for a GHT dossier: the domaine indicators' values
    given once per candidate member (``"finess"``), the prérequis' once for the dossier."""
    data = df.saisie_complete(dossier.programme, domaines, atteints=atteints)
    du_domaine = set(
        dossier.programme.indicateurs.filter(domaine__isnull=False).values_list("code", flat=True)
    )
    membres = [e.finess for e in regles_ght.candidats(dossier)]
    data["indicateurs"] = [i for i in data["indicateurs"] if i["code"] not in du_domaine] + [
        {**i, "finess": finess}
        for i in data["indicateurs"]
        if i["code"] in du_domaine
        for finess in membres
    ]
    return data


def complet_ght(dossier, gestionnaire, domaines=("D2", "D3"), *, atteints=False, sauf=()):
    """Every mandatory field of a GHT dossier filled (the GHT conditions but ``sauf``): ready
    for its dépôt."""
    enregistrer_saisie(
        dossier=dossier,
        data=saisie_ght(dossier, domaines, atteints=atteints),
        acting_user=gestionnaire,
    )
    return remplir(dossier, gestionnaire, sauf=sauf)


def conditions_remplies(dossier, *, sauf=()):
    """A PATCH body filling every GHT condition but those named in ``sauf``."""
    codes = convergence_attendue(dossier)
    data = {
        "validation_directeur_support": "validation" not in sauf,
        "dsi_ght_valide": "dsi_valide" not in sauf,
        "contacts": [
            {
                "type": "dsi_ght",
                "nom": "" if "dsi_nom" in sauf else "Dominique DSI",
                "fonction": "DSI du GHT",
                "email": "dsi@ght.test",
                "telephone": "0400000001",
            }
        ],
        "convergence": {
            code: i % 2 == 0 for i, code in enumerate(codes) if "convergence" not in sauf
        },
    }
    return data


def remplir(dossier, gestionnaire, *, sauf=()):
    enregistrer_saisie(
        dossier=dossier, data=conditions_remplies(dossier, sauf=sauf), acting_user=gestionnaire
    )
    if "sdsi" not in sauf:
        df.piece_de(dossier, gestionnaire, nom="sdsi.pdf", categorie="sdsi_ght")
    return Dossier.objects.get(pk=dossier.pk)


def convergence_attendue(dossier) -> list[str]:
    """The convergence indicators of the prérequis and the requested domaines."""
    demandes = [dd.domaine.code for dd in dossier.domaines.select_related("domaine") if dd.demande]
    return list(
        dossier.programme.indicateurs.exclude(declinaison_ght="")
        .filter(prerequis__isnull=False)
        .values_list("code", flat=True)
    ) + list(
        dossier.programme.indicateurs.exclude(declinaison_ght="")
        .filter(domaine__code__in=demandes)
        .values_list("code", flat=True)
    )


def controles_ght(dossier) -> dict:
    """The GHT checks of the live content, by rule kind."""
    regles = [r["regle"] for r in dossier.programme.eligibilite]
    sources = {r.get("source", ""): r["regle"] for r in dossier.programme.eligibilite}
    result = {}
    for c in controles(dossier, contenu(dossier)):
        regle = sources.get(c.source)
        if regle and regle.startswith("ght_"):
            result[regle] = c
    assert all(r in regles for r in result)
    return result
