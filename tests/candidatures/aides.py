"""Shared helpers of the calls' tests: the HOP'EN 2019 AMI of the référentiel, pré-candidatures
brought to a state through the real actions at a given Paris date."""

from candidatures import actions
from candidatures.models import Campagne
from hn.comptes.models import User
from tests import factories as f
from tests.indicateurs.aides import le

API = "/api/v1/"
PENDANT_AMI = (2019, 4, 1)  # inside the 2019 window, before its closing date
APRES_CLOTURE = (2019, 7, 15)  # late, before 31/12/2021
AVANT_REPONSE = (2019, 9, 10)


def ami_2019() -> Campagne:
    return Campagne.objects.get(programme__code="HOPEN", code="ami-2019")


def etablissement(region="84", journees_mco=10_000, **kw):
    """An établissement with HOP'EN figures (10 000 journées MCO: category B)."""
    etab = f.EtablissementFactory(region=f.region(region), **kw)
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=journees_mco)
    return etab


def gestionnaire(etab):
    return f.es_gestionnaire(etab)


COMPLETE = {
    "position": "definitive",
    "prerequis_hn_atteints": True,
    "semestre_prerequis_hopen": "2020S1",
    "domaines": [{"code": "D2", "semestre_cibles": "2020S2"}],
    "referent": {"nom": "Claire Référente", "email": "claire@ch.test"},
    "representant_legal": {"nom": "Paul Directeur"},
}


def brouillon(etab=None, *, jour=PENDANT_AMI, donnees=None, user=None):
    etab = etab or etablissement()
    user = user or gestionnaire(etab)
    with le(*jour):
        pc = actions.creer(campagne=ami_2019(), etablissement=etab, acting_user=user)
        if donnees is not None:
            actions.modifier(precandidature=pc, donnees=donnees, acting_user=user)
    pc.refresh_from_db()
    return pc


def transmise(etab=None, *, jour=PENDANT_AMI, donnees=None, **kw):
    pc = brouillon(etab, jour=jour, donnees=donnees or COMPLETE, **kw)
    with le(*jour):
        actions.transmettre(precandidature=pc, acting_user=pc.cree_par)
    pc.refresh_from_db()
    return pc


def valideur(region="84"):
    """The région's CMSI (the same user however often a test asks)."""
    existant = User.objects.filter(username=f"cmsi{region}").first()
    return existant or f.ars_valideur(region, username=f"cmsi{region}")


def preselectionnee(etab=None, *, jour=PENDANT_AMI, reponse=AVANT_REPONSE, **kw):
    pc = transmise(etab, jour=jour, **kw)
    with le(*reponse):
        actions.preselectionner(precandidature=pc, acting_user=valideur(pc.region.code))
    pc.refresh_from_db()
    return pc
