"""The calls for applications of the bench's 10x data set (issue 14 point 7), called by
``bench.generer`` once the dossiers are written (also on a data set generated before them).

Seed 004 counts 2,430 responding établissements (76 % of those registered) and 6,589 AMI
« dossiers », one per établissement and domaine (2 to 3 domaines each), 1,440 établissements
retained. Ten times that: 24,300 pré-candidatures of the HOP'EN 2019 AMI carrying ~65,900
domaine lines (the issue's « ≈ 66,000 pré-candidatures » are those domaine lines), over the
data set's établissements without one (the demo's keep theirs). States: ~59 % pré-sélectionnées
(1,440 / 2,430), then rejetées, transmises and brouillons; ~10 % tardives; ~15 % of the answers
after the answer date. Domaines drawn with seed 004's shares of the answers (D2 25 %, D6 19 %,
the others 11 % each).

Rows are written by ``COPY`` (``hn.bulk.copier``), without journal events. Then one transmitted
version of each région's programmation, its lines frozen as ``chiffrage.lignes`` computes them
(a third of the régions late): at 10x the pre-selected forfaits exceed every envelope tenfold,
so the transmission's envelope check (``actions.transmettre_programmation``) would refuse them;
the versions are written directly, as the national page reads them.

Idempotent: nothing is done when the AMI already holds at least :data:`PRECANDIDATURES`."""

import datetime as dt
import random

from django.db import transaction
from django.db.models import Count

from candidatures import chiffrage
from candidatures.demo import ami
from candidatures.enums import EtatPrecandidature, Position
from candidatures.models import DomaineCandidature, Precandidature, Programmation, Version
from hn.bulk import copier, prochain_id, reinitialiser_sequences
from hn.comptes.enums import Role
from hn.comptes.models import Attribution
from hn.dates import PARIS
from hn.referentiel.models import Domaine, Etablissement, Region

PRECANDIDATURES = 24_300  # 10 x 2,430 respondents [004]
ETATS = {
    EtatPrecandidature.PRESELECTIONNEE: 59,
    EtatPrecandidature.REJETEE: 25,
    EtatPrecandidature.TRANSMISE: 10,
    EtatPrecandidature.BROUILLON: 6,
}
# Domaines per pré-candidature: mean 2.71 (6,589 / 2,430 [004]).
NOMBRE_DOMAINES = {1: 15, 2: 30, 3: 30, 4: 17, 5: 8}
POIDS_DOMAINES = {"D1": 11, "D2": 25, "D3": 11, "D4": 11, "D5": 11, "D6": 19, "D7": 12}
SEMESTRES_CIBLES = ("2019S2", "2020S1", "2020S2", "2021S1", "2021S2", "2022S1", "2022S2")
SEMESTRES_PREREQUIS = ("2019S2", "2020S1", "2020S2", "2021S1")
PART_TARDIVES = 0.10
PART_REPONSES_TARDIVES = 0.15
CHAMPS = (
    "id campagne etablissement region etat tardive position prerequis_hn_atteints "
    "semestre_prerequis_hn semestre_prerequis_hopen referent_nom referent_fonction "
    "referent_email referent_telephone representant_nom representant_fonction "
    "representant_email representant_telephone commentaire cree_le cree_par modifie_le "
    "transmise_le transmise_par decidee_le decidee_par commentaire_decision reponse_tardive"
)


def _moment(rng, debut: dt.date, jours: int) -> dt.datetime:
    jour = debut + dt.timedelta(days=rng.randint(0, jours))
    return dt.datetime.combine(jour, dt.time(rng.randint(8, 18), rng.randint(0, 59)), PARIS)


def _dates(rng, etat, tardive, reponse_tardive):
    """(créée, transmise, décidée) as the actions would stamp them."""
    if tardive:
        cree = _moment(rng, dt.date(2019, 7, 1), 500)
    else:
        cree = _moment(rng, dt.date(2019, 2, 15), 125)
    if etat == EtatPrecandidature.BROUILLON:
        return cree, None, None
    transmise = cree + dt.timedelta(days=rng.randint(1, 10))
    if not tardive:
        transmise = min(transmise, dt.datetime(2019, 6, 30, 17, tzinfo=PARIS))
    if etat == EtatPrecandidature.TRANSMISE:
        return cree, transmise, None
    if tardive or reponse_tardive:
        decidee = max(transmise, dt.datetime(2019, 10, 1, 9, tzinfo=PARIS))
        decidee += dt.timedelta(days=rng.randint(1, 90))
    else:
        decidee = _moment(rng, dt.date(2019, 7, 1), 90)
    return cree, transmise, decidee


def _domaines(rng) -> list[str]:
    n = rng.choices(list(NOMBRE_DOMAINES), weights=list(NOMBRE_DOMAINES.values()))[0]
    codes, poids = list(POIDS_DOMAINES), list(POIDS_DOMAINES.values())
    choisis: list[str] = []
    while len(choisis) < n:
        code = rng.choices(codes, weights=poids)[0]
        if code not in choisis:
            choisis.append(code)
    return sorted(choisis)


def _gestionnaires() -> dict[int, int]:
    return dict(
        Attribution.objects.filter(role=Role.ES_GESTIONNAIRE, etablissement__isnull=False)
        .order_by("-pk")
        .values_list("etablissement_id", "user_id")
    )


def _valideurs() -> dict[int, int]:
    return dict(
        Attribution.objects.filter(role=Role.ARS_VALIDEUR, region__isnull=False)
        .order_by("-pk")
        .values_list("region_id", "user_id")
    )


def planifier(campagne, nombre: int, rng) -> tuple[list[tuple], list[tuple]]:
    """The pré-candidature rows (``CHAMPS``) and their domaine rows, over ``nombre``
    établissements drawn among those with a gestionnaire and no pré-candidature yet."""
    deja = set(campagne.precandidatures.values_list("etablissement_id", flat=True))
    gestionnaires = _gestionnaires()
    valideurs = _valideurs()
    tous = Etablissement.objects.values_list("pk", "region_id", "finess")
    libres = sorted(
        e for e in tous if e[0] not in deja and e[0] in gestionnaires and e[1] in valideurs
    )
    choisis = sorted(rng.sample(libres, min(nombre, len(libres))))
    domaines = dict(Domaine.objects.filter(programme=campagne.programme).values_list("code", "pk"))
    pk = prochain_id(Precandidature)
    lignes, lignes_domaines = [], []
    for etab_id, region_id, finess in choisis:
        etat = rng.choices(list(ETATS), weights=list(ETATS.values()))[0]
        tardive = rng.random() < PART_TARDIVES
        decidee = etat in (EtatPrecandidature.PRESELECTIONNEE, EtatPrecandidature.REJETEE)
        reponse_tardive = decidee and (tardive or rng.random() < PART_REPONSES_TARDIVES)
        cree, transmise, decidee_le = _dates(rng, etat, tardive, reponse_tardive)
        complet = etat != EtatPrecandidature.BROUILLON
        hn = rng.random() < 0.7
        gestionnaire, valideur = gestionnaires[etab_id], valideurs[region_id]
        lignes.append((
            pk, campagne.pk, etab_id, region_id, etat, tardive,
            Position.DEFINITIVE if rng.random() < 0.6 else Position.EN_PROJET,
            hn if complet else None,
            "" if hn or not complet else rng.choice(SEMESTRES_PREREQUIS[:2]),
            rng.choice(SEMESTRES_PREREQUIS) if complet else "",
            "Camille Leroy" if complet else "", "Référente HOP’EN" if complet else "",
            f"referent.{finess}@bench.localhost" if complet else "", "04 00 00 00 00",
            "Jean Moreau" if complet else "", "Directeur", "", "",
            "Projet inscrit au schéma directeur du SI." if complet else "",
            cree, gestionnaire, transmise or cree,
            transmise, gestionnaire if transmise else None,
            decidee_le, valideur if decidee_le else None,
            "Prérequis HN non atteints." if etat == EtatPrecandidature.REJETEE else "",
            reponse_tardive,
        ))  # fmt: skip
        for code in _domaines(rng):
            lignes_domaines.append((pk, domaines[code], rng.choice(SEMESTRES_CIBLES)))
        pk += 1
    return lignes, lignes_domaines


def versions(campagne, rng) -> int:
    """One transmitted version per région with pre-selected lines and no version yet (a third
    late), written directly (see the module)."""
    valideurs = _valideurs()
    n = 0
    regions = Region.objects.actuelles().order_by("code")
    for region in regions:
        if region.pk not in valideurs or Version.objects.filter(
            programmation__campagne=campagne, programmation__region=region
        ):
            continue
        lignes = chiffrage.lignes(campagne, region)
        if not lignes:
            continue
        totaux = chiffrage.totaux(campagne, region, lignes)
        en_retard = rng.random() < 1 / 3
        jour = dt.date(2019, 9, 20) if en_retard else dt.date(2019, 8, 28)
        Version.objects.create(
            programmation=chiffrage.programmation_de(campagne, region),
            rang=1,
            transmise_le=dt.datetime.combine(jour, dt.time(16), PARIS),
            transmise_par_id=valideurs[region.pk],
            en_retard=en_retard,
            lignes=[chiffrage.ligne_api(lg) for lg in lignes],
            total=totaux.total,
            total_amorcage=totaux.total_amorcage,
            enveloppe=totaux.enveloppe,
            plafond_amorcage=totaux.plafond_amorcage,
        )
        n += 1
    return n


@transaction.atomic
def generer(*, graine: int, nombre: int | None = None) -> dict[str, int]:
    """The AMI's pré-candidatures up to ``nombre`` (:data:`PRECANDIDATURES` by default; those
    already there count), then the régions' versions. Returns the rows written."""
    nombre = PRECANDIDATURES if nombre is None else nombre
    campagne = ami()
    rng = random.Random(graine)
    existantes = campagne.precandidatures.count()
    compte = {"precandidatures": 0, "domaines": 0, "versions": 0}
    if existantes < nombre:
        lignes, domaines = planifier(campagne, nombre - existantes, rng)
        compte["precandidatures"] = copier(Precandidature, CHAMPS, lignes)
        compte["domaines"] = copier(
            DomaineCandidature, "precandidature domaine semestre_cibles", domaines
        )
        reinitialiser_sequences([Precandidature, DomaineCandidature])
    compte["versions"] = versions(campagne, rng)
    reinitialiser_sequences([Programmation, Version])
    return compte


def plus_grande_region(campagne) -> str:
    """The région with the most pré-candidatures in the campaign (84 when none)."""
    ligne = (
        Precandidature.objects.filter(campagne=campagne)
        .values("region__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "region__code")
        .first()
    )
    return ligne["region__code"] if ligne else "84"
