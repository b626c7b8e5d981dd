"""Cheap GHT worlds for the money-and-display tests: a GHT of région 84, its support and
members with their own reference-year activity, and a GHT dossier filed by the support (built
with the factories and the real actions; no demo load)."""

from dossiers import actions
from dossiers import ght as regles_ght
from dossiers.enums import DecisionDomaine
from dossiers.models import Dossier
from hn.referentiel import regles
from hn.referentiel.models import GHT, ActiviteEtablissement
from tests import dossiers_factories as d
from tests import factories as f
from tests.ght.aides import complet_ght

# Journées MCO of the members in turn: different activités, hence different categories.
JOURNEES = (4_000, 10_000, 25_000, 60_000, 1_500, 150_000)


def monde(n: int, *, region="84"):
    """(GHT, support, members): ``n`` members besides the support, each with its activity."""
    reg = f.region(region)
    support = f.EtablissementFactory(region=reg)
    ght = GHT.objects.create(nom=f"GHT test {support.finess}", region=reg, support=support)
    support.ght = ght
    support.save(update_fields=["ght"])
    membres = [f.EtablissementFactory(region=reg, ght=ght) for _ in range(n)]
    for i, etab in enumerate(membres):
        f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=JOURNEES[i % len(JOURNEES)])
    return ght, support, membres


def dossier_ght(n: int, *, domaines=("D2", "D3"), region="84"):
    """(dossier, support's gestionnaire, members): a GHT dossier in saisie, every mandatory
    field filled."""
    ght, support, membres = monde(n, region=region)
    dossier = d.en_saisie(support)
    Dossier.objects.filter(pk=dossier.pk).update(ght=ght)
    regles_ght.creer_membres(dossier, membres)
    dossier = Dossier.objects.get(pk=dossier.pk)
    gestionnaire = f.es_gestionnaire(support)
    dossier = complet_ght(dossier, gestionnaire, domaines)
    return dossier, gestionnaire, membres


def selectionne(dossier, gestionnaire, selectionnes=("D2", "D3")) -> Dossier:
    """Deposited, prérequis accepted, ``selectionnes`` selected: ready to accept."""
    dossier = actions.deposer(dossier=dossier, acting_user=gestionnaire)
    dossier = d.prerequis_acceptes(dossier)
    actions.valider_domaines(
        dossier=dossier,
        decisions={
            dd.domaine.code: (
                DecisionDomaine.SELECTIONNE
                if dd.domaine.code in selectionnes
                else DecisionDomaine.NON_SELECTIONNE,
                "",
            )
            for dd in dossier.domaines.select_related("domaine")
            if dd.demande
        },
        acting_user=d.valideur_de(dossier),
    )
    return Dossier.objects.get(pk=dossier.pk)


def forfait_du_membre(etab, programme, code) -> tuple[int, int | None]:
    """A member's own forfait for domaine ``code``, computed as for a single établissement."""
    reg = programme.regles()
    volumes = ActiviteEtablissement.objects.get(etablissement=etab, programme=programme)
    activite = regles.activite_combinee(volumes.volumes(), reg.coefficients)
    return regles.forfaits_par_domaine(reg, activite)[code]


def somme(membres, programme, code) -> int:
    return sum(forfait_du_membre(e, programme, code)[0] for e in membres)
