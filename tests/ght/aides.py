"""Cheap GHT worlds for the GHT tests: a GHT of région 84 (support + members) and a GHT
dossier filed by the support, built with factories (no demo)."""

from dossiers.contenu import contenu
from dossiers.eligibilite import controles
from dossiers.models import Dossier, MembreDossier
from dossiers.saisie import enregistrer_saisie
from hn.referentiel.models import GHT
from tests import dossiers_factories as df
from tests import factories as f


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
    return Dossier.objects.get(pk=dossier.pk), gestionnaire, autres


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
